#include "sim/sweep_report.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "base/hash.h"
#include "base/number_text.h"
#include "base/time_text.h"
#include "node/names.h"
#include "sim/yaml_values.h"

namespace kv::sim {

using json::Json;

void write_offence(Json& into, const std::optional<NodeIndex>& node,
                   const std::optional<std::string>& key, const std::optional<int64_t>& time_us) {
  into["node"] = node ? Json(kv::node_name(*node)) : Json(nullptr);
  into["key"] = key ? Json(*key) : Json(nullptr);
  into["time"] = time_us ? Json(format_time(*time_us)) : Json(nullptr);
}

Status parse_shard(std::string_view text, uint64_t count, uint64_t& index, uint64_t& shards) {
  const size_t slash = text.find('/');
  const std::optional<uint64_t> i =
      slash == std::string_view::npos ? std::nullopt : parse_u64(text.substr(0, slash));
  const std::optional<uint64_t> n =
      slash == std::string_view::npos ? std::nullopt : parse_u64(text.substr(slash + 1));
  if (!i || !n || *i < 1 || *i > *n) {
    return Status::bad_input("--shard: '" + std::string(text) +
                             "' is not I/N with 1 <= I <= N (e.g. 3/8)");
  }
  index = *i;
  shards = *n;
  if (shards > count) {
    return Status::bad_input("--shard: " + std::to_string(shards) + " shards of " +
                             std::to_string(count) + " seeds would leave some empty");
  }
  return Status();
}

void shard_slice(uint64_t first, uint64_t last, uint64_t index, uint64_t shards,
                 uint64_t& slice_first, uint64_t& slice_last) {
  const unsigned __int128 count = static_cast<unsigned __int128>(last - first) + 1;
  slice_first = first + static_cast<uint64_t>(count * (index - 1) / shards);
  slice_last = first + static_cast<uint64_t>(count * index / shards - 1);
}

std::string record_line(const SeedResult& r) {
  Json j;
  j["seed"] = r.seed;
  if (!r.mechanism.empty()) j["mechanism"] = r.mechanism;
  if (r.swarm) j["swarm"] = Json::parse(r.swarm->json_text());
  j["ok"] = r.ok;
  Json& checks = j["checks"];
  checks = Json::object();
  for (const auto& [name, ok] : r.checks) checks[name] = ok;
  if (r.ok) {
    j["failure"] = nullptr;
  } else {
    Json& f = j["failure"];
    f["check"] = r.failed_check;
    write_offence(f, r.failed_node, r.failed_key, r.failed_time_us);
    f["detail"] = r.failed_detail;
  }
  j["events"] = r.events;
  j["messages"] = r.messages;
  j["fingerprint"] = hex64(r.fingerprint);
  Json& coverage = j["coverage"];
  coverage = Json::object();
  for (size_t i = 0; i < kCoverageCount; ++i)
    coverage[std::string(kCoverage[i].name)] = r.coverage[i];
  j["convergence"] = r.convergence_us ? Json(format_time(*r.convergence_us)) : Json(nullptr);
  return json::dump(j) + "\n";
}

namespace {

// What is wrong with the form of a line of a shard's sweep.jsonl (the
// merged file is the shards' lines byte for byte, so a line must be exactly
// as kvsim writes it): a CR before the line end, a field kvsim does not
// write, or other spacing or order; "" when nothing is. `j` is the line
// parsed.
std::string form_problem(const std::string& line, const Json& j) {
  if (line.size() >= 2 && line[line.size() - 2] == '\r') {
    return "the line ends in CR LF, not LF (copied through a tool that changed line ends?)";
  }
  static const std::vector<std::string_view> kFields = {
      "seed",   "mechanism", "swarm",       "ok",       "checks",     "failure",
      "events", "messages",  "fingerprint", "coverage", "convergence"};
  if (!j.is_object()) return "not a JSON object";
  for (const auto& [name, value] : j.items()) {
    if (std::find(kFields.begin(), kFields.end(), name) == kFields.end()) {
      return "'" + name + "' is not a field of a sweep record";
    }
  }
  if (json::dump(j) + "\n" != line) return "not written as kvsim writes a record";
  return "";
}

}  // namespace

std::string record_form_problem(const std::string& line) {
  try {
    return form_problem(line, Json::parse(line));
  } catch (const nlohmann::json::exception&) {
    return "not JSON";
  }
}

bool parse_record(const std::string& line, SeedResult& r) {
  try {
    const Json j = Json::parse(line);
    if (!form_problem(line, j).empty()) return false;
    r.seed = j.at("seed").get<uint64_t>();
    r.mechanism = j.value("mechanism", "");
    r.ok = j.at("ok").get<bool>();
    for (const auto& [name, ok] : j.at("checks").items())
      r.checks.emplace_back(name, ok.get<bool>());
    const Json& failure = j.at("failure");
    if (!failure.is_null()) {
      r.failed_check = failure.at("check").get<std::string>();
      r.failed_detail = failure.at("detail").get<std::string>();
      const Json& node = failure.at("node");
      if (!node.is_null()) {
        const std::string name = node.get<std::string>();
        const std::optional<uint64_t> number = name.size() >= 2 && name[0] == 'n'
                                                   ? parse_u64(std::string_view(name).substr(1))
                                                   : std::nullopt;
        if (!number || *number == 0 || *number > kMaxNodes) return false;
        r.failed_node = static_cast<NodeIndex>(*number - 1);
      }
      if (!failure.at("key").is_null()) r.failed_key = failure.at("key").get<std::string>();
      if (!failure.at("time").is_null()) {
        r.failed_time_us = parse_time_us(failure.at("time").get<std::string>());
        if (!r.failed_time_us) return false;
      }
    }
    r.events = j.at("events").get<uint64_t>();
    r.messages = j.at("messages").get<uint64_t>();
    const std::string fp = j.at("fingerprint").get<std::string>();
    const auto [end, ec] = std::from_chars(fp.data(), fp.data() + fp.size(), r.fingerprint, 16);
    if (ec != std::errc() || end != fp.data() + fp.size()) return false;
    const Json& c = j.at("coverage");
    for (size_t i = 0; i < kCoverageCount; ++i) {
      r.coverage[i] = c.at(std::string(kCoverage[i].name)).get<bool>();
    }
    if (!j.at("convergence").is_null()) {
      r.convergence_us = parse_time_us(j.at("convergence").get<std::string>());
      if (!r.convergence_us) return false;
    }
    return r.ok == r.failed_check.empty();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

namespace {

void note(std::vector<uint64_t>& seeds, uint64_t seed) {
  if (seeds.size() < kListedSeeds) seeds.push_back(seed);
}

}  // namespace

Tally tally(const std::vector<SeedResult>& results) {
  Tally t;
  std::map<std::string, size_t> index;
  for (const SeedResult& r : results) {
    ++t.seeds;
    if (!r.ok) {
      ++t.failed;
      note(t.failing, r.seed);
    }
    if (r.failed_check == "history_cap") ++t.stopped;
    for (const auto& [name, ok] : r.checks) {
      auto [it, fresh] = index.emplace(name, t.checks.size());
      if (fresh) t.checks.emplace_back(name, CheckTally());
      CheckTally& c = t.checks[it->second].second;
      if (ok) {
        ++c.passed;
      } else {
        ++c.failed;
        note(c.failing, r.seed);
      }
    }
    for (size_t i = 0; i < kCoverageCount; ++i) t.coverage[i] += r.coverage[i];
    if (r.convergence_us) t.convergence_us.push_back(*r.convergence_us);
  }
  std::sort(t.convergence_us.begin(), t.convergence_us.end());
  return t;
}

int64_t percentile(const std::vector<int64_t>& values, uint64_t p) {
  const size_t rank = static_cast<size_t>((p * values.size() + 99) / 100);
  return values[std::max<size_t>(rank, 1) - 1];
}

std::optional<uint64_t> coverage_count(const Tally& t, std::string_view name) {
  const std::optional<size_t> i = coverage_index(name);
  if (!i) return std::nullopt;
  return t.coverage[*i];
}

bool meets(uint64_t n, uint64_t runs, uint64_t percent) {
  return static_cast<unsigned __int128>(n) * 100 >= static_cast<unsigned __int128>(percent) * runs;
}

bool requirements_met(const SweepInfo& info, const Tally& t) {
  if (info.shards > 0) return true;
  for (const auto& [name, percent] : info.required) {
    const std::optional<uint64_t> n = coverage_count(t, name);
    if (!n || !meets(*n, t.seeds, percent)) return false;
  }
  return true;
}

Status parse_requirement(std::string_view text, std::pair<std::string, uint64_t>& out) {
  const size_t eq = text.find('=');
  const std::optional<uint64_t> value =
      yaml::parse_percent(eq == std::string_view::npos ? "" : text.substr(eq + 1));
  const std::string name(text.substr(0, eq == std::string_view::npos ? text.size() : eq));
  if (!value || !coverage_index(name)) {
    std::string names;
    for (const CoverageCounter& c : kCoverage) {
      names += (names.empty() ? "" : ", ") + std::string(c.name);
    }
    return Status::bad_input("--require: '" + std::string(text) +
                             "' is not COUNTER=PERCENT (e.g. siblings=50%) with a counter "
                             "among " +
                             names + " and a percentage from 0 to 100");
  }
  out = {name, *value};
  return Status();
}

Json summary_json(const SweepInfo& info, const Tally& t) {
  Json j;
  j["scenario"] = info.scenario;
  j["file"] = info.file;
  j["scenario_hash"] = info.scenario_hash;
  if (!info.mutant.empty()) j["mutant"] = info.mutant;
  if (!info.mechanism.empty()) j["mechanism"] = info.mechanism;
  j["seeds"] = Json{{"first", info.first}, {"last", info.last}};
  if (info.swarm) j["swarm"] = true;
  if (info.shards > 0) {
    j["shard"] = Json{{"index", info.shard},
                      {"of", info.shards},
                      {"first", info.shard_first},
                      {"last", info.shard_last}};
  }
  j["runs"] = t.seeds;
  j["ok"] = t.failed == 0 && requirements_met(info, t);
  j["failed"] = t.failed;
  j["failing_seeds"] = t.failing;
  j["stopped_at_history_cap"] = t.stopped;
  Json& checks = j["checks"];
  checks = Json::object();
  for (const auto& [name, c] : t.checks) {
    checks[name] = Json{{"passed", c.passed}, {"failed", c.failed}, {"failing_seeds", c.failing}};
  }
  Json& coverage = j["coverage"];
  coverage = Json::object();
  for (size_t i = 0; i < kCoverageCount; ++i)
    coverage[std::string(kCoverage[i].name)] = t.coverage[i];
  Json& convergence = j["convergence"];
  convergence = Json{{"seeds", t.convergence_us.size()}};
  for (const auto& [name, p] :
       {std::pair{"p50", 50}, std::pair{"p99", 99}, std::pair{"max", 100}}) {
    convergence[name] = t.convergence_us.empty()
                            ? Json(nullptr)
                            : Json(format_time(percentile(t.convergence_us, p)));
  }
  if (!info.required.empty()) {
    Json& required = j["required"];
    required = Json::array();
    for (const auto& [name, percent] : info.required) {
      const uint64_t n = coverage_count(t, name).value_or(0);
      required.push_back(
          Json{{"coverage", name},
               {"at_least_percent", percent},
               {"seeds", n},
               {"met", info.shards > 0 ? Json(nullptr) : Json(meets(n, t.seeds, percent))}});
    }
  }
  return j;
}

Result<SweepInfo> read_sweep_info(const std::string& text, const std::string& path) {
  SweepInfo info;
  try {
    const Json s = Json::parse(text);
    info.scenario = s.at("scenario").get<std::string>();
    info.file = s.at("file").get<std::string>();
    info.scenario_hash = s.at("scenario_hash").get<std::string>();
    info.first = s.at("seeds").at("first").get<uint64_t>();
    info.last = s.at("seeds").at("last").get<uint64_t>();
    info.swarm = s.value("swarm", false);
    info.mutant = s.value("mutant", "");
    info.mechanism = s.value("mechanism", "");
    if (s.contains("required")) {
      for (const Json& r : s.at("required")) {
        info.required.emplace_back(r.at("coverage").get<std::string>(),
                                   r.at("at_least_percent").get<uint64_t>());
      }
    }
  } catch (const nlohmann::json::exception&) {
    return Status::bad_input(path + ": not a sweep's summary.json");
  }
  return info;
}

}  // namespace kv::sim
