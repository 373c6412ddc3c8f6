#include "grade/shrink.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/json_text.h"

namespace kv::grade {

namespace {

using json::Json;

class Shrinker {
 public:
  Shrinker(const GradeOptions& options, const Difference& target)
      : options_(options), target_(target) {}

  // Whether `lines` fail the same way; keeps them (and the difference) if so.
  bool keep_if_failing(const std::vector<std::string>& lines) {
    if (lines.empty() || runs_ >= kMaxShrinkRuns) return false;
    ++runs_;
    Session candidate{name_, lines, {}};
    Result<SessionRun> run = run_session(options_, candidate);
    if (!run.ok() || !run->failed) return false;
    const Difference& d = run->differences.back();
    if (d.rule != target_.rule || d.what != target_.what || d.choice != target_.choice) {
      return false;
    }
    lines_ = lines;
    difference_ = d;
    return true;
  }

  void ddmin();
  void simplify();

  std::string name_;
  std::vector<std::string> lines_;
  Difference difference_;
  uint64_t runs_ = 0;

 private:
  // Rewrites every line `edit` changes (JSON lines that read back exactly).
  bool try_rewrite(const std::function<bool(size_t, Json&)>& edit);
  bool simplify_all_clocks();
  bool simplify_clocks();

  const GradeOptions& options_;
  const Difference& target_;
};

std::optional<Json> parse_exact(const std::string& line) {
  Json message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || message.dump() != line || !message.is_object()) {
    return std::nullopt;
  }
  if (!message.contains("body") || !message["body"].is_object()) return std::nullopt;
  return message;
}

bool Shrinker::try_rewrite(const std::function<bool(size_t, Json&)>& edit) {
  std::vector<std::string> candidate = lines_;
  bool changed = false;
  for (size_t i = 0; i < candidate.size(); ++i) {
    std::optional<Json> message = parse_exact(candidate[i]);
    if (!message || !edit(i, *message)) continue;
    const std::string text = message->dump();
    changed |= text != candidate[i];
    candidate[i] = text;
  }
  return changed && keep_if_failing(candidate);
}

// Whether `line` is an init: kept by ddmin, since requests before init are
// answered by kvsim's own choice (error 11) and would change the question.
bool is_init(const std::string& line) {
  std::optional<Json> m = parse_exact(line);
  return m && (*m)["body"].value("type", Json()) == "init";
}

void Shrinker::ddmin() {
  size_t chunk = (lines_.size() + 1) / 2;
  while (chunk >= 1) {
    bool removed = false;
    for (size_t start = 0; start < lines_.size();) {
      std::vector<std::string> candidate;
      const size_t end = std::min(start + chunk, lines_.size());
      for (size_t i = 0; i < lines_.size(); ++i) {
        if (i < start || i >= end || is_init(lines_[i])) candidate.push_back(lines_[i]);
      }
      if (candidate.size() < lines_.size() && keep_if_failing(candidate)) {
        removed = true;  // the same start now holds the next chunk
      } else {
        start += chunk;
      }
    }
    if (chunk == 1 && !removed) break;
    if (chunk > 1) chunk = (chunk + 1) / 2;
  }
}

// The clocks of all lines at once: each slot's values replaced by their rank
// among that slot's values (a map that keeps every comparison between
// clocks), then each slot dropped from every clock, or zeroed in every clock.
bool Shrinker::simplify_all_clocks() {
  auto clock_of = [](Json& m) -> Json* {
    Json& body = m["body"];
    if (!body.contains("clock") || !body["clock"].is_array()) return nullptr;
    Json& c = body["clock"];
    const bool counts =
        std::all_of(c.begin(), c.end(), [](const Json& e) { return e.is_number_unsigned(); });
    return counts ? &c : nullptr;
  };
  size_t slots = 0;
  std::vector<std::vector<uint64_t>> values;  // by slot, sorted, distinct
  for (const std::string& line : lines_) {
    std::optional<Json> m = parse_exact(line);
    Json* c = m ? clock_of(*m) : nullptr;
    if (!c) continue;
    slots = std::max(slots, c->size());
    values.resize(slots);
    for (size_t k = 0; k < c->size(); ++k) values[k].push_back((*c)[k].get<uint64_t>());
  }
  for (auto& v : values) {
    v.push_back(0);  // a missing slot counts 0, and must stay the lowest
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  bool any = try_rewrite([&](size_t, Json& m) {
    Json* c = clock_of(m);
    if (!c) return false;
    for (size_t k = 0; k < c->size(); ++k) {
      const uint64_t v = (*c)[k].get<uint64_t>();
      (*c)[k] = static_cast<uint64_t>(std::lower_bound(values[k].begin(), values[k].end(), v) -
                                      values[k].begin());
    }
    return true;
  });
  for (size_t k = slots; k-- > 0;) {
    any |= try_rewrite([&](size_t, Json& m) {
      Json* c = clock_of(m);
      if (!c || c->size() <= k || c->size() == 1) return false;
      c->erase(k);
      return true;
    });
  }
  for (size_t k = 0; k < slots; ++k) {
    any |= try_rewrite([&](size_t, Json& m) {
      Json* c = clock_of(m);
      if (!c || c->size() <= k) return false;
      (*c)[k] = 0;
      return true;
    });
  }
  return any;
}

bool Shrinker::simplify_clocks() {
  bool any = false;
  for (size_t i = 0; i < lines_.size(); ++i) {
    for (bool progress = true; progress;) {
      progress = false;
      std::optional<Json> message = parse_exact(lines_[i]);
      if (!message) break;
      Json& body = (*message)["body"];
      if (!body.contains("clock") || !body["clock"].is_array()) break;
      const Json clock = body["clock"];
      if (!std::all_of(clock.begin(), clock.end(),
                       [](const Json& e) { return e.is_number_unsigned(); })) {
        break;
      }
      std::vector<Json> tries;
      if (clock.size() > 1) {
        Json shorter = clock;
        shorter.erase(shorter.size() - 1);
        tries.push_back(shorter);
      }
      for (size_t slot = 0; slot < clock.size(); ++slot) {
        const uint64_t v = clock[slot].get<uint64_t>();
        for (const uint64_t lower : {uint64_t{0}, v / 2, v - 1}) {
          if (v == 0 || lower >= v) continue;
          Json c = clock;
          c[slot] = lower;
          tries.push_back(c);
        }
      }
      for (const Json& c : tries) {
        if (try_rewrite([&](size_t j, Json& m) {
              if (j != i) return false;
              m["body"]["clock"] = c;
              return true;
            })) {
          progress = any = true;
          break;
        }
      }
    }
  }
  return any;
}

void Shrinker::simplify() {
  // msg_ids from 1, in order.
  uint64_t next = 1;
  try_rewrite([&](size_t, Json& m) {
    Json& body = m["body"];
    if (!body.contains("msg_id") || !body["msg_id"].is_number_integer()) return false;
    body["msg_id"] = next++;
    return true;
  });
  // One client.
  try_rewrite([](size_t, Json& m) {
    if (!m.contains("src") || m["src"] == "c0" || !m["src"].is_string()) return false;
    m["src"] = "c1";
    return true;
  });
  // Keys "x", "y", ... and values "v1", "v2", ... in order of first use.
  std::map<std::string, std::string> keys, values;
  try_rewrite([&](size_t, Json& m) {
    Json& body = m["body"];
    if (!body.contains("key") || !body["key"].is_string()) return false;
    const std::string key = body["key"].get<std::string>();
    if (!keys.count(key)) {
      static const char* kNames[] = {"x", "y", "z", "w"};
      keys[key] = keys.size() < 4 ? kNames[keys.size()] : "k" + std::to_string(keys.size() + 1);
    }
    body["key"] = keys[key];
    return true;
  });
  auto rename_values = [&](const std::optional<std::string>& only) {
    values.clear();
    return try_rewrite([&](size_t, Json& m) {
      Json& body = m["body"];
      if (!body.contains("value")) return false;
      const std::string text = body["value"].dump();
      if (!values.count(text)) values[text] = "v" + std::to_string(values.size() + 1);
      if (only && *only != text) return false;
      body["value"] = values[text];
      return true;
    });
  };
  if (!rename_values(std::nullopt)) {
    std::vector<std::string> distinct;
    for (const std::string& line : lines_) {
      std::optional<Json> m = parse_exact(line);
      if (m && (*m)["body"].contains("value")) distinct.push_back((*m)["body"]["value"].dump());
    }
    for (const std::string& text : distinct) rename_values(text);
  }
  for (int round = 0; round < 3 && (simplify_all_clocks() | simplify_clocks()); ++round) {
  }
  // A one-node init, the node called n1.
  try_rewrite([](size_t, Json& m) {
    Json& body = m["body"];
    if (body.value("type", Json()) == "init") {
      body["node_id"] = "n1";
      body["node_ids"] = Json::array({"n1"});
    }
    if (m.contains("dest")) m["dest"] = "n1";
    return true;
  });
}

}  // namespace

Shrunk shrink_session(const GradeOptions& options, const Session& session,
                      const Difference& target) {
  Shrinker shrinker(options, target);
  shrinker.name_ = session.name + " (shrunk)";
  shrinker.lines_ = session.lines;
  shrinker.difference_ = target;
  // Cut after the failing request; the whole session if that does not fail
  // the same way (a program whose answers vary from run to run).
  std::vector<std::string> cut(
      session.lines.begin(),
      session.lines.begin() + std::min(session.lines.size(), target.request + 1));
  if (!shrinker.keep_if_failing(cut) && !shrinker.keep_if_failing(session.lines)) {
    return {session, target, shrinker.runs_};
  }
  shrinker.ddmin();
  shrinker.simplify();
  shrinker.ddmin();  // a simplified line may no longer be needed
  return {Session{shrinker.name_, shrinker.lines_, {}}, shrinker.difference_, shrinker.runs_};
}

}  // namespace kv::grade
