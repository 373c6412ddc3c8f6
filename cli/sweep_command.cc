#include "cli/sweep_command.h"

#include "cli/shrink_command.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>

#include <unistd.h>

#include "base/file.h"
#include "base/hash.h"
#include "base/json_text.h"
#include "base/time_text.h"
#include "cli/exit_status.h"
#include "cli/output_folder.h"
#include "cli/run_command.h"
#include "node/mutant.h"
#include "sim/scenario.h"
#include "sim/sweep.h"
#include "sim/yaml_values.h"

namespace kv::cli {

namespace {

using json::Json;
using sim::SeedResult;

// Failing seeds listed per check, in the table and summary.json.
constexpr size_t kListedSeeds = 20;
// What sweep-merge reads at most: a shard's summary.json, and its
// sweep.jsonl (a few hundred bytes a seed, kMaxSweepSeeds of them).
constexpr size_t kMaxScenarioSummaryBytes = size_t{1} << 20;
constexpr size_t kMaxSweepRecordsBytes = size_t{8} << 30;

// What names a sweep, besides its records.
struct SweepInfo {
  std::string scenario;
  std::string file;
  std::string scenario_hash;
  uint64_t first = 0;  // the whole sweep's range
  uint64_t last = 0;
  // A shard's: its index (1-based) and count, and its slice.
  uint64_t shard = 0;
  uint64_t shards = 0;
  uint64_t shard_first = 0;
  uint64_t shard_last = 0;
  // --require: coverage counter name, the least percentage of seeds.
  std::vector<std::pair<std::string, uint64_t>> required;
  bool swarm = false;  // --swarm: each seed ran its own draw
  std::string mutant;  // --mutant (a build with mutants): the planted bug, or ""
};

int fail(const Status& status) {
  std::fprintf(stderr, "kvsim: %s\n", status.message().c_str());
  return exit_status(status);
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool parse_u64(std::string_view text, uint64_t& value) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// "A..B" with A <= B.
Status parse_seeds(std::string_view text, uint64_t& first, uint64_t& last) {
  const auto range = sim::yaml::parse_seed_range(text);
  if (!range) {
    return Status::bad_input("--seeds: '" + std::string(text) +
                             "' is not a range A..B of seeds with A <= B (e.g. 1..1000)");
  }
  std::tie(first, last) = *range;
  return Status();
}

// "I/N" with 1 <= I <= N <= the range's size.
Status parse_shard(std::string_view text, uint64_t count, uint64_t& index, uint64_t& shards) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || !parse_u64(text.substr(0, slash), index) ||
      !parse_u64(text.substr(slash + 1), shards) || index < 1 || index > shards) {
    return Status::bad_input("--shard: '" + std::string(text) +
                             "' is not I/N with 1 <= I <= N (e.g. 3/8)");
  }
  if (shards > count) {
    return Status::bad_input("--shard: " + std::to_string(shards) + " shards of " +
                             std::to_string(count) + " seeds would leave some empty");
  }
  return Status();
}

// The I-th of N contiguous slices of first..last, as even as they go.
void shard_slice(uint64_t first, uint64_t last, uint64_t index, uint64_t shards,
                 uint64_t& slice_first, uint64_t& slice_last) {
  const unsigned __int128 count = static_cast<unsigned __int128>(last - first) + 1;
  slice_first = first + static_cast<uint64_t>(count * (index - 1) / shards);
  slice_last = first + static_cast<uint64_t>(count * index / shards - 1);
}

// One line of sweep.jsonl.
std::string record_line(const SeedResult& r) {
  Json j;
  j["seed"] = r.seed;
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
  j["coverage"] = Json{{"siblings", r.siblings},
                       {"siblings_3", r.siblings_3},
                       {"gave_up", r.gave_up},
                       {"duplicate", r.duplicate},
                       {"stale_rejected", r.stale_rejected},
                       {"amnesia", r.amnesia},
                       {"resolve_after_heal", r.resolve_after_heal}};
  j["convergence"] = r.convergence_us ? Json(format_time(*r.convergence_us)) : Json(nullptr);
  return json::dump(j) + "\n";
}

// What is wrong with the form of a line of a shard's sweep.jsonl (the
// merged file is the shards' lines byte for byte, so a line must be exactly
// as kvsim writes it): a CR before the line end, a field kvsim does not
// write, or other spacing or order; "" when nothing is. `j` is the line
// parsed.
std::string record_form_problem(const std::string& line, const Json& j) {
  if (line.size() >= 2 && line[line.size() - 2] == '\r') {
    return "the line ends in CR LF, not LF (copied through a tool that changed line ends?)";
  }
  static const std::vector<std::string_view> kFields = {
      "seed",   "swarm",    "ok",          "checks",   "failure",
      "events", "messages", "fingerprint", "coverage", "convergence"};
  if (!j.is_object()) return "not a JSON object";
  for (const auto& [name, value] : j.items()) {
    if (std::find(kFields.begin(), kFields.end(), name) == kFields.end()) {
      return "'" + name + "' is not a field of a sweep record";
    }
  }
  if (json::dump(j) + "\n" != line) return "not written as kvsim writes a record";
  return "";
}

std::string record_form_problem(const std::string& line) {
  try {
    return record_form_problem(line, Json::parse(line));
  } catch (const nlohmann::json::exception&) {
    return "not JSON";
  }
}

// A line of sweep.jsonl read back; false if it is not one.
bool parse_record(const std::string& line, SeedResult& r) {
  try {
    const Json j = Json::parse(line);
    if (!record_form_problem(line, j).empty()) return false;
    r.seed = j.at("seed").get<uint64_t>();
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
        uint64_t number = 0;
        if (name.size() < 2 || name[0] != 'n' || !parse_u64(name.substr(1), number) ||
            number == 0 || number > sim::kMaxNodes) {
          return false;
        }
        r.failed_node = static_cast<sim::NodeIndex>(number - 1);
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
    r.siblings = c.at("siblings").get<bool>();
    r.siblings_3 = c.at("siblings_3").get<bool>();
    r.amnesia = c.at("amnesia").get<bool>();
    r.gave_up = c.at("gave_up").get<bool>();
    r.duplicate = c.at("duplicate").get<bool>();
    r.stale_rejected = c.at("stale_rejected").get<bool>();
    r.resolve_after_heal = c.at("resolve_after_heal").get<bool>();
    if (!j.at("convergence").is_null()) {
      r.convergence_us = parse_time_us(j.at("convergence").get<std::string>());
      if (!r.convergence_us) return false;
    }
    return r.ok == r.failed_check.empty();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Per check: seeds as expected, seeds not, the first failing ones.
struct CheckTally {
  uint64_t passed = 0;
  uint64_t failed = 0;
  std::vector<uint64_t> failing;
};

struct Tally {
  std::vector<std::pair<std::string, CheckTally>> checks;  // first seen first
  uint64_t seeds = 0;
  uint64_t failed = 0;
  std::vector<uint64_t> failing;  // the first kListedSeeds
  uint64_t stopped = 0;           // runs that reached the history cap
  uint64_t siblings = 0, siblings_3 = 0, gave_up = 0, duplicate = 0, stale_rejected = 0,
           amnesia = 0, resolve_after_heal = 0;
  std::vector<int64_t> convergence_us;  // of the seeds that have one, sorted
};

void note(std::vector<uint64_t>& seeds, uint64_t seed) {
  if (seeds.size() < kListedSeeds) seeds.push_back(seed);
}

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
    t.siblings += r.siblings;
    t.siblings_3 += r.siblings_3;
    t.amnesia += r.amnesia;
    t.gave_up += r.gave_up;
    t.duplicate += r.duplicate;
    t.stale_rejected += r.stale_rejected;
    t.resolve_after_heal += r.resolve_after_heal;
    if (r.convergence_us) t.convergence_us.push_back(*r.convergence_us);
  }
  std::sort(t.convergence_us.begin(), t.convergence_us.end());
  return t;
}

// The p-th percentile of sorted `values` by nearest rank: the smallest value
// with at least p% of the values at or below it.
int64_t percentile(const std::vector<int64_t>& values, uint64_t p) {
  const size_t rank = static_cast<size_t>((p * values.size() + 99) / 100);
  return values[std::max<size_t>(rank, 1) - 1];
}

// The seeds that reached coverage `name`; false if there is no such counter.
bool coverage_count(const Tally& t, std::string_view name, uint64_t& n) {
  // In sim::kCoverageNames' order.
  const uint64_t counts[] = {t.siblings,       t.siblings_3, t.gave_up,           t.duplicate,
                             t.stale_rejected, t.amnesia,    t.resolve_after_heal};
  static_assert(std::size(counts) == std::size(sim::kCoverageNames));
  for (size_t i = 0; i < std::size(counts); ++i) {
    if (name == sim::kCoverageNames[i]) {
      n = counts[i];
      return true;
    }
  }
  return false;
}

// True if `n` of `runs` seeds is at least `percent` of them.
bool meets(uint64_t n, uint64_t runs, uint64_t percent) {
  return static_cast<unsigned __int128>(n) * 100 >= static_cast<unsigned __int128>(percent) * runs;
}

// Every --require met. A shard's slice is not the sweep: its coverage is
// judged once, when sweep-merge has every seed (a shard's summary says
// "met": null).
bool requirements_met(const SweepInfo& info, const Tally& t) {
  if (info.shards > 0) return true;
  for (const auto& [name, percent] : info.required) {
    uint64_t n = 0;
    if (!coverage_count(t, name, n) || !meets(n, t.seeds, percent)) return false;
  }
  return true;
}

// "siblings=50%" (or "siblings=50"): a coverage counter and a percentage.
Status parse_requirement(std::string_view text, std::pair<std::string, uint64_t>& out) {
  const size_t eq = text.find('=');
  const std::optional<uint64_t> value =
      sim::yaml::parse_percent(eq == std::string_view::npos ? "" : text.substr(eq + 1));
  const std::string name(text.substr(0, eq == std::string_view::npos ? text.size() : eq));
  if (!value || !sim::is_coverage_name(name)) {
    std::string names;
    for (std::string_view n : sim::kCoverageNames) {
      names += (names.empty() ? "" : ", ") + std::string(n);
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
  j["coverage"] = Json{{"siblings", t.siblings},
                       {"siblings_3", t.siblings_3},
                       {"gave_up", t.gave_up},
                       {"duplicate", t.duplicate},
                       {"stale_rejected", t.stale_rejected},
                       {"amnesia", t.amnesia},
                       {"resolve_after_heal", t.resolve_after_heal}};
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
      uint64_t n = 0;
      coverage_count(t, name, n);
      required.push_back(
          Json{{"coverage", name},
               {"at_least_percent", percent},
               {"seeds", n},
               {"met", info.shards > 0 ? Json(nullptr) : Json(meets(n, t.seeds, percent))}});
    }
  }
  return j;
}

std::string seed_list(const std::vector<uint64_t>& seeds, uint64_t count) {
  std::string out;
  for (uint64_t s : seeds) out += (out.empty() ? "" : " ") + std::to_string(s);
  if (count > seeds.size()) out += " ...";
  return out;
}

void print_table(const SweepInfo& info, const Tally& t) {
  std::printf("%-24s %10s %10s  %s\n", "check", "passed", "failed", "failing seeds");
  for (const auto& [name, c] : t.checks) {
    const std::string seeds = seed_list(c.failing, c.failed);
    std::printf(
        "%-24s %10llu %10llu%s%s\n", name.c_str(), static_cast<unsigned long long>(c.passed),
        static_cast<unsigned long long>(c.failed), seeds.empty() ? "" : "  ", seeds.c_str());
  }
  if (t.stopped > 0) {
    std::printf("%-24s %10s %10llu\n", "(history cap reached)", "",
                static_cast<unsigned long long>(t.stopped));
  }
  const auto share = [&](const char* what, uint64_t n) {
    std::printf("  %-28s %llu of %llu seeds\n", what, static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(t.seeds));
  };
  std::printf("coverage:\n");
  share("a key with 2+ siblings", t.siblings);
  share("a key with 3+ siblings", t.siblings_3);
  share("a client gave up", t.gave_up);
  share("a duplicate delivered", t.duplicate);
  share("a stale write rejected", t.stale_rejected);
  share("an amnesia crash", t.amnesia);
  share("a resolve after a heal", t.resolve_after_heal);
  if (t.convergence_us.empty()) {
    std::printf("time to convergence after the last fault: no seed has one\n");
  } else {
    const std::vector<int64_t>& c = t.convergence_us;
    std::printf(
        "time to convergence after the last fault: p50 %s, p99 %s, max %s (%zu of %llu "
        "seeds)\n",
        format_time(percentile(c, 50)).c_str(), format_time(percentile(c, 99)).c_str(),
        format_time(c.back()).c_str(), c.size(), static_cast<unsigned long long>(t.seeds));
  }
  for (const auto& [name, percent] : info.required) {
    uint64_t n = 0;
    coverage_count(t, name, n);
    const bool met = meets(n, t.seeds, percent);
    if (info.shards > 0) {
      std::printf(
          "required: %s on at least %llu%% of the seeds: %llu of this shard's %llu (judged when "
          "sweep-merge has every shard)\n",
          name.c_str(), static_cast<unsigned long long>(percent),
          static_cast<unsigned long long>(n), static_cast<unsigned long long>(t.seeds));
      continue;
    }
    std::printf("required: %s on at least %llu%% of the seeds: %llu of %llu, %s\n", name.c_str(),
                static_cast<unsigned long long>(percent), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(t.seeds), met ? "met" : "NOT MET");
    if (!met) {
      std::fprintf(stderr,
                   "kvsim: the sweep misses its required coverage: %s on %llu of %llu seeds, "
                   "less than %llu%%\n",
                   name.c_str(), static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(t.seeds),
                   static_cast<unsigned long long>(percent));
    }
  }
  if (t.failed == 0) {
    std::printf("all %llu seeds as the scenario expects\n",
                static_cast<unsigned long long>(t.seeds));
  } else {
    std::printf("%llu of %llu seeds failed: %s\nrerun one: kvsim run %s --seed %llu%s\n",
                static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.seeds),
                seed_list(t.failing, t.failed).c_str(), info.file.c_str(),
                static_cast<unsigned long long>(t.failing.front()), info.swarm ? " --swarm" : "");
  }
}

// A sweep owns its folder's seed-S/ folders: those of an earlier sweep there
// (a folder holding sweep.jsonl) go, so that every one describes this sweep's
// failures. Only folders named seed-DIGITS that hold a summary.json.
Status remove_earlier_kept_runs(const std::string& out_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(out_dir) / "sweep.jsonl", ec)) return Status();
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    uint64_t seed = 0;
    if (name.rfind("seed-", 0) == 0 && parse_u64(std::string_view(name).substr(5), seed) &&
        it->is_directory(ec) && fs::exists(it->path() / "summary.json", ec)) {
      stale.push_back(it->path());
    }
  }
  for (const fs::path& path : stale) {
    fs::remove_all(path, ec);
    if (ec) {
      return Status::io_error("cannot remove " + path.string() +
                              " (an earlier sweep's): " + ec.message());
    }
  }
  return Status();
}

Status write_outputs(const std::string& out_dir, const std::string& lines, const SweepInfo& info,
                     const Tally& t) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::io_error("cannot create " + out_dir + ": " + ec.message());
  if (Status s = write_file(out_dir + "/sweep.jsonl", lines); !s.ok()) return s;
  return write_file(out_dir + "/summary.json", json::dump(summary_json(info, t)) + "\n");
}

// The progress line on stderr: seeds done of total, failures so far,
// seeds/s, time left. Wall time never reaches the sweep's files.
struct SweepProgress {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  uint64_t total = 0;

  static void report(void* ctx, uint64_t done, uint64_t failed) {
    auto* self = static_cast<SweepProgress*>(ctx);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - self->start).count();
    const double rate = wall > 0 ? static_cast<double>(done) / wall : 0;
    const double left = rate > 0 ? static_cast<double>(self->total - done) / rate : 0;
    std::fprintf(
        stderr, "\rkvsim sweep: %llu of %llu seeds, %llu failed, %.0f seeds/s, %.0f s left ",
        static_cast<unsigned long long>(done), static_cast<unsigned long long>(self->total),
        static_cast<unsigned long long>(failed), rate, left);
    if (done == self->total) std::fprintf(stderr, "\n");
  }
};

}  // namespace

int run_sweep(const SweepOptions& options) {
  int exit = kExitOk;
  const std::optional<sim::Scenario> loaded =
      load_for_command(options.scenario_path, options.swarm, exit);
  if (!loaded) return exit;
  const sim::Scenario& scenario = *loaded;
  // --seeds overrides the scenario's `sweep: seeds:`.
  uint64_t first = 0, last = 0;
  if (!options.seeds.empty()) {
    if (Status s = parse_seeds(options.seeds, first, last); !s.ok()) return fail(s);
  } else if (scenario.sweep.seeds) {
    std::tie(first, last) = *scenario.sweep.seeds;
  } else {
    return fail(
        Status::bad_input("no seeds to sweep: give --seeds A..B, or `sweep: seeds: A..B` "
                          "in " +
                          options.scenario_path));
  }
  SweepInfo info;
  info.first = first;
  info.last = last;
  info.swarm = options.swarm;
  if (active_mutant != Mutant::kNone) info.mutant = mutant_name(active_mutant);
  // The scenario's `sweep: require:`, then --require: a counter given on the
  // command line too takes the command line's percentage, in its place.
  info.required = scenario.sweep.require;
  for (const std::string& text : options.require) {
    std::pair<std::string, uint64_t> requirement;
    if (Status s = parse_requirement(text, requirement); !s.ok()) return fail(s);
    auto same = std::find_if(info.required.begin(), info.required.end(),
                             [&](const auto& r) { return r.first == requirement.first; });
    if (same != info.required.end()) {
      same->second = requirement.second;
    } else {
      info.required.push_back(requirement);
    }
  }
  uint64_t slice_first = first, slice_last = last;
  if (!options.shard.empty()) {
    const uint64_t count_minus_one = last - first;
    const uint64_t count = count_minus_one == UINT64_MAX ? UINT64_MAX : count_minus_one + 1;
    if (Status s = parse_shard(options.shard, count, info.shard, info.shards); !s.ok()) {
      return fail(s);
    }
    shard_slice(first, last, info.shard, info.shards, slice_first, slice_last);
    info.shard_first = slice_first;
    info.shard_last = slice_last;
  }
  if (slice_last - slice_first >= kMaxSweepSeeds) {
    return fail(Status::bad_input("seeds " + std::to_string(first) + ".." + std::to_string(last) +
                                  " are more than " + std::to_string(kMaxSweepSeeds) +
                                  " seeds for one process; split them with --shard I/N"));
  }

  const FileRead text = read_file(options.scenario_path, sim::kMaxScenarioBytes);
  info.scenario = scenario.name;
  info.file = options.scenario_path;
  info.scenario_hash = hex64(stable_hash(text.text.data(), text.text.size()));
  std::string out_dir = options.out_dir;
  if (out_dir.empty()) {
    out_dir = "out/" + scenario.name + "-sweep";
    if (info.shards > 0) {
      out_dir += "-" + std::to_string(info.shard) + "-of-" + std::to_string(info.shards);
    }
  }
  if (Status s = check_output_folder(out_dir, FolderHolds::kSweep, "kvsim sweep"); !s.ok()) {
    return fail(s);
  }
  unsigned jobs = options.jobs;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());

  const auto start = std::chrono::steady_clock::now();
  SweepProgress progress;
  progress.total = slice_last - slice_first + 1;
  const bool show = options.progress || isatty(STDERR_FILENO);
  const std::vector<SeedResult> results =
      sim::run_seeds(scenario, slice_first, slice_last, jobs, kDefaultMaxHistoryBytes,
                     show ? &SweepProgress::report : nullptr, &progress);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (Status s = remove_earlier_kept_runs(out_dir); !s.ok()) return fail(s);
  std::string lines;
  for (const SeedResult& r : results) lines += record_line(r);
  const Tally t = tally(results);
  if (Status s = write_outputs(out_dir, lines, info, t); !s.ok()) return fail(s);

  std::printf("%s: %sseeds %llu..%llu", scenario.name.c_str(), info.swarm ? "swarm, " : "",
              static_cast<unsigned long long>(slice_first),
              static_cast<unsigned long long>(slice_last));
  if (info.shards > 0) {
    std::printf(" (shard %llu of %llu of %llu..%llu)", static_cast<unsigned long long>(info.shard),
                static_cast<unsigned long long>(info.shards),
                static_cast<unsigned long long>(first), static_cast<unsigned long long>(last));
  }
  std::printf(", %zu runs on %llu jobs in %.2f s (%.0f seeds/s); results in %s\n", results.size(),
              static_cast<unsigned long long>(std::min<uint64_t>(jobs, results.size())), wall,
              static_cast<double>(results.size()) / std::max(wall, 1e-9), out_dir.c_str());
  print_table(info, t);
  std::fflush(stdout);

  // The first failures get their whole run folder, as `kvsim run` writes it.
  // Only the runs written are announced; one that cannot be written (a file
  // where its folder goes, a full disk) ends the keeping, and the sweep ends
  // with that run's status (4): the verdicts are in sweep.jsonl, the runs
  // are not. (A run that passes is kept: the fingerprint below says why.)
  uint64_t kept = 0;
  int keeping_failed = kExitOk;
  for (const SeedResult& r : results) {
    if (r.ok || kept >= options.keep_failures || keeping_failed != kExitOk) continue;
    RunOptions run;
    run.scenario_path = options.scenario_path;
    run.seed = r.seed;
    run.out_dir = out_dir + "/seed-" + std::to_string(r.seed);
    run.quiet = true;
    run.swarm = options.swarm;
    const int status = run_scenario(run);
    if (status == kExitIoError || status == kExitBadInput) {
      std::fprintf(stderr,
                   "kvsim: seed %llu's run could not be kept in %s (kvsim run ended with exit "
                   "status %d); no more failing runs are kept\n",
                   static_cast<unsigned long long>(r.seed), run.out_dir.c_str(), status);
      keeping_failed = status;
      continue;
    }
    ++kept;
    // The kept run is the swept one: a different fingerprint would be a
    // determinism bug, said loudly.
    const FileRead kept_summary =
        read_file(run.out_dir + "/summary.json", kMaxScenarioSummaryBytes);
    std::string fingerprint;
    try {
      if (kept_summary.ok()) {
        fingerprint = Json::parse(kept_summary.text).at("fingerprint").get<std::string>();
      }
    } catch (const nlohmann::json::exception&) {
    }
    if (fingerprint != hex64(r.fingerprint)) {
      std::fprintf(stderr,
                   "kvsim: seed %llu: the kept run's fingerprint %s is not the sweep's %s "
                   "(a determinism bug)\n",
                   static_cast<unsigned long long>(r.seed), fingerprint.c_str(),
                   hex64(r.fingerprint).c_str());
    }
  }
  if (kept > 0) {
    std::printf("the first %llu failing seeds' runs: %s/seed-S/\n",
                static_cast<unsigned long long>(kept), out_dir.c_str());
  }
  if (options.shrink) {
    for (const SeedResult& r : results) {
      if (r.ok) continue;
      ShrinkOptions shrink;
      shrink.out_dir = out_dir + "/shrunk";
      const int status = shrink_scenario(scenario_for_seed(scenario, r.seed), r.seed, shrink);
      if (status == kExitIoError) return status;
      break;
    }
  }
  if (keeping_failed != kExitOk) return keeping_failed;
  return t.failed == 0 && requirements_met(info, t) ? kExitOk : kExitCheckFailed;
}

int run_sweep_merge(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (Status s = check_not_an_input(out_dir, dirs); !s.ok()) return fail(s);
  if (Status s = check_output_folder(out_dir, FolderHolds::kSweep, "kvsim sweep-merge"); !s.ok()) {
    return fail(s);
  }
  SweepInfo info;
  struct Line {
    std::string text;
    size_t dir;  // its shard's index in `dirs`, and its line number there
    size_t number;
  };
  std::vector<Line> lines;
  for (size_t d = 0; d < dirs.size(); ++d) {
    const std::string summary_path = dirs[d] + "/summary.json";
    const FileRead summary_text = read_file(summary_path, kMaxScenarioSummaryBytes);
    if (!summary_text.ok()) return fail(to_status(summary_text));
    SweepInfo shard;
    try {
      const Json s = Json::parse(summary_text.text);
      shard.scenario = s.at("scenario").get<std::string>();
      shard.file = s.at("file").get<std::string>();
      shard.scenario_hash = s.at("scenario_hash").get<std::string>();
      shard.first = s.at("seeds").at("first").get<uint64_t>();
      shard.last = s.at("seeds").at("last").get<uint64_t>();
      shard.swarm = s.value("swarm", false);
      shard.mutant = s.value("mutant", "");
      if (s.contains("required")) {
        for (const Json& r : s.at("required")) {
          shard.required.emplace_back(r.at("coverage").get<std::string>(),
                                      r.at("at_least_percent").get<uint64_t>());
        }
      }
    } catch (const nlohmann::json::exception&) {
      return fail(Status::bad_input(summary_path + ": not a sweep's summary.json"));
    }
    if (d == 0) {
      info = shard;
    } else if (shard.scenario != info.scenario || shard.file != info.file ||
               shard.scenario_hash != info.scenario_hash || shard.first != info.first ||
               shard.last != info.last || shard.required != info.required ||
               shard.swarm != info.swarm || shard.mutant != info.mutant) {
      return fail(Status::bad_input(
          dirs[d] + " is not a shard of the same sweep as " + dirs[0] +
          " (scenario, file, its hash, the seed range, --require, --swarm and --mutant "
          "must match)"));
    }
    const std::string records_path = dirs[d] + "/sweep.jsonl";
    const FileRead records = read_file(records_path, kMaxSweepRecordsBytes);
    if (!records.ok()) return fail(to_status(records));
    size_t line_number = 0;
    for (size_t at = 0; at < records.text.size();) {
      ++line_number;
      const size_t end = records.text.find('\n', at);
      if (end == std::string::npos) {
        return fail(Status::bad_input(records_path + ":" + std::to_string(line_number) +
                                      ": the last line has no end"));
      }
      lines.push_back({records.text.substr(at, end + 1 - at), d, line_number});
      at = end + 1;
    }
  }
  // Parsing the records is most of a merge's work: it runs on every core.
  std::vector<SeedResult> results(lines.size());
  std::vector<char> parsed(lines.size(), 0);
  {
    std::atomic<size_t> next{0};
    const auto work = [&] {
      for (size_t i = next.fetch_add(1); i < lines.size(); i = next.fetch_add(1)) {
        parsed[i] = parse_record(lines[i].text, results[i]) && results[i].seed >= info.first &&
                    results[i].seed <= info.last;
      }
    };
    std::vector<std::thread> threads(std::max(1u, std::thread::hardware_concurrency()) - 1);
    for (std::thread& t : threads) t = std::thread(work);
    work();
    for (std::thread& t : threads) t.join();
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!parsed[i]) {
      const std::string why = record_form_problem(lines[i].text);
      return fail(
          Status::bad_input(dirs[lines[i].dir] + "/sweep.jsonl:" + std::to_string(lines[i].number) +
                            ": not a record of this sweep" + (why.empty() ? "" : ": " + why)));
    }
  }
  std::vector<size_t> order(results.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return results[a].seed < results[b].seed; });
  // Every seed of the range once.
  const uint64_t want = info.last - info.first;
  if (results.empty() || results.size() - 1 != want) {
    std::string why = "the shards hold " + std::to_string(results.size()) + " seeds of " +
                      std::to_string(info.first) + ".." + std::to_string(info.last);
    return fail(Status::bad_input(why + ": a shard is missing or given twice"));
  }
  std::string text;
  std::vector<SeedResult> sorted;
  sorted.reserve(results.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const SeedResult& r = results[order[k]];
    if (r.seed != info.first + k) {
      return fail(Status::bad_input("seed " + std::to_string(info.first + k) +
                                    " is missing or given twice in the shards"));
    }
    text += lines[order[k]].text;
    sorted.push_back(r);
  }
  const Tally t = tally(sorted);
  if (Status s = write_outputs(out_dir, text, info, t); !s.ok()) return fail(s);
  std::printf("%s: seeds %llu..%llu merged from %zu folders into %s\n", info.scenario.c_str(),
              static_cast<unsigned long long>(info.first),
              static_cast<unsigned long long>(info.last), dirs.size(), out_dir.c_str());
  print_table(info, t);
  return t.failed == 0 && requirements_met(info, t) ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
