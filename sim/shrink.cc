#include "sim/shrink.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/hash.h"
#include "base/time_text.h"
#include "history/writer.h"
#include "node/mutant.h"
#include "sim/scenario_writer.h"
#include "sim/shrink_edits.h"
#include "sim/simulation.h"
#include "sim/sweep.h"

namespace kv::sim {

namespace {

// A candidate's run: its history hashed only (sim/sweep.h's run_quiet).
QuietRun run_once(const Scenario& scenario, uint64_t seed, uint64_t max_history) {
  history::HistoryWriter history;
  return run_quiet(scenario, seed, max_history, history);
}

bool fails_with(const QuietRun& outcome, const FailureSignature& target) {
  for (const CheckResult& c : outcome.checks) {
    if (!c.holds && c.signature() == target) return true;
  }
  return false;
}

int64_t round_down(int64_t t, int64_t grain) {
  return t - t % grain;
}

constexpr int64_t kMs = 1000;

// The expectations a shrunk file keeps: none, unless the failure is the
// expect check; then only the failing key's own expectation of the kind
// that fails (the others are not what fails, and dropping them cannot move
// the first node and key not as expected).
Expectations kept_expectations(const Expectations& expect, const FailureSignature& target) {
  Expectations kept;
  if (!target.expect || !target.key) return kept;
  if (target.expect->values) {
    auto it = expect.values.find(*target.key);
    if (it != expect.values.end()) kept.values.insert(*it);
  } else {
    auto it = expect.siblings.find(*target.key);
    if (it != expect.siblings.end()) kept.siblings.insert(*it);
  }
  return kept;
}

// --- the search ------------------------------------------------------------------

class Shrinker {
 public:
  Shrinker(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
           uint64_t max_history)
      : current_(scenario), seed_(seed), target_(target), max_history_(max_history) {}

  // Whether `candidate`, written and loaded back, fails with `target`; if it
  // does, what was loaded becomes the current scenario (what the output
  // file will say) and `target` the failure kept.
  bool accept(const Scenario& candidate, const FailureSignature& target) {
    if (!plausible(candidate)) return false;  // the loader would refuse it
    const std::string text = write_scenario(candidate);
    // A candidate's text can be a megabyte: the cache keeps its hash (seeded
    // with the target's, which renaming changes) and length.
    const std::string wanted = target.text();
    const std::pair<uint64_t, size_t> cache_key{
        stable_hash(text.data(), text.size(), stable_hash(wanted.data(), wanted.size())),
        text.size()};
    auto cached = cache_.find(cache_key);
    if (cached != cache_.end() && !cached->second) return false;
    ++runs_;
    // The candidate as it is first: loading a thousand events back from
    // YAML costs more than running them, and most candidates do not fail.
    bool fails = fails_with(run_once(candidate, seed_, max_history_), target);
#ifdef KVSIM_MUTANTS
    // Shrinking a planted bug's failure: a candidate the real code fails the
    // same way (a run cut short while a write travels) no longer shows the
    // bug. (Shrinking runs on one thread: the mutant is switched off and back.)
    if (fails && active_mutant != Mutant::kNone) {
      const Mutant planted = active_mutant;
      active_mutant = Mutant::kNone;
      fails = !fails_with(run_once(candidate, seed_, max_history_), target);
      active_mutant = planted;
    }
#endif
    if (fails) {
      LoadResult loaded = load_scenario_text(text, candidate.path);
      fails = loaded.ok() && fails_with(run_once(loaded.value(), seed_, max_history_), target);
      if (fails) {
        current_ = std::move(loaded.value());
        target_ = target;
      }
    }
    cache_[cache_key] = fails;
    return fails;
  }
  bool accept(const Scenario& candidate) {
    return accept(candidate, target_);
  }

  Scenario current_;
  const uint64_t seed_;
  FailureSignature target_;
  const uint64_t max_history_;
  uint64_t runs_ = 0;

  void workload();
  void events();
  void duplicates();
  void nodes();
  void keys();
  void values();
  void network();
  void cluster();
  void times();
  void run_until();

 private:
  std::map<std::pair<uint64_t, size_t>, bool> cache_;
};

// Fewer workload operations (the longest tail that can go, halving), then
// the workload as timeline events: at the operations' own times, else with
// the order of same-microsecond events kept (materialize_workload).
void Shrinker::workload() {
  if (!current_.workload) return;
  for (uint64_t step = current_.workload->ops / 2; step >= 1; step /= 2) {
    while (current_.workload && current_.workload->ops > step) {
      Scenario c = current_;
      c.workload->ops -= step;
      if (!accept(c)) break;
    }
  }
  for (bool keep_order : {false, true}) {
    if (auto c = materialize_workload(current_, seed_, keep_order); c && accept(*c)) return;
  }
  // Where the order of same-microsecond events still shifts the network's
  // draws: every message's fate scripted first (a scripted fate follows its
  // message, not the order of draws), then the workload as events.
  if (!random_network(current_)) return;
  const std::optional<Scenario> scripted = scripted_network(current_, seed_);
  if (!scripted) return;
  for (bool keep_order : {false, true}) {
    if (auto c = materialize_workload(*scripted, seed_, keep_order); c && accept(*c)) return;
  }
}

// Each scripted duplicate delivered once.
void Shrinker::duplicates() {
  for (size_t i = 0; i < current_.events.size(); ++i) {
    if (!current_.events[i].fate.again) continue;
    Scenario c = current_;
    c.events[i].fate.again.reset();
    accept(c);
  }
}

// Delta debugging over the timeline events, as chunks of halving size: all
// of them, then each half, each quarter... down to each single event, a
// chunk that goes taking the next into its place (ddmin's complements, in
// one pass per size rather than restarting after each success, which is
// quadratic on a thousand events). After the pass of size 1 with nothing
// removed, no single event can go.
void Shrinker::events() {
  size_t k = 1;
  while (k < current_.events.size()) k *= 2;
  for (; k >= 1; k /= 2) {
    for (size_t i = 0; i < current_.events.size();) {
      Scenario c = current_;
      const size_t end = std::min(i + k, c.events.size());
      c.events.erase(c.events.begin() + static_cast<std::ptrdiff_t>(i),
                     c.events.begin() + static_cast<std::ptrdiff_t>(end));
      if (!accept(c)) i += k;
    }
  }
}

void Shrinker::nodes() {
  for (NodeIndex k = current_.nodes; k-- > 0;) {
    if (k >= current_.nodes) continue;
    if (auto c = without_node(current_, k)) accept(*c);
  }
}

// Keys renamed a, b, ... in order of appearance, then merged where the
// failure allows (with_keys never merges two keys expected to differ).
void Shrinker::keys() {
  const auto renamed_target = [&](const std::map<std::string, std::string>& names) {
    FailureSignature t = target_;
    if (t.key) {
      auto it = names.find(*t.key);
      if (it != names.end()) t.key = it->second;
    }
    return t;
  };
  std::vector<std::string> keys = keys_of(current_);
  std::map<std::string, std::string> names;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] != short_key(i)) names[keys[i]] = short_key(i);
  }
  // A key left as it is already has its own new name, so no two keys meet.
  if (!names.empty()) {
    if (auto c = with_keys(current_, names)) accept(*c, renamed_target(names));
  }
  keys = keys_of(current_);
  for (size_t j = keys.size(); j-- > 1;) {
    for (size_t i = 0; i < j; ++i) {
      const std::map<std::string, std::string> merge = {{keys[j], keys[i]}};
      auto c = with_keys(current_, merge);
      if (c && accept(*c, renamed_target(merge))) break;
    }
  }
}

// Values as "v1", "v2"... in order of appearance (a value left as it is
// already has its own new name, so no two values meet), in the events, the
// expectations and an expect failure's signature alike.
void Shrinker::values() {
  const std::vector<std::string> values = values_of(current_);
  std::map<std::string, std::string> names;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string name = "\"v" + std::to_string(i + 1) + "\"";
    if (values[i] != name) names[values[i]] = name;
  }
  if (names.empty()) return;
  FailureSignature target = target_;
  if (target.expect && target.expect->values) {
    for (auto* list : {&target.expect->expected, &target.expect->held}) {
      for (std::string& v : *list) {
        auto it = names.find(v);
        if (it != names.end()) v = it->second;
      }
      std::sort(list->begin(), list->end());
    }
  }
  accept(with_values(current_, names), target);
}

// No duplication, no loss (or the losses as drop: events), a small
// constant delay.
void Shrinker::network() {
  if (!current_.network.duplicate.never()) {
    Scenario c = current_;
    c.network.duplicate = {};
    accept(c);
  }
  if (!current_.network.loss.never()) {
    Scenario c = current_;
    c.network.loss = {};
    if (!accept(c)) {
      if (auto scripted = scripted_losses(current_, seed_)) accept(*scripted);
    }
  }
  const DelaySpec d = current_.network.delay;
  std::vector<int64_t> constants = {kMs};
  switch (d.dist) {
    case DelaySpec::Dist::kConstant:
      constants.push_back(round_down(d.value.us, kMs));
      break;
    case DelaySpec::Dist::kUniform:
      constants.push_back(round_down(d.min.us, kMs));
      constants.push_back(round_down((d.min.us + d.max.us) / 2, kMs));
      constants.push_back(round_down(d.max.us, kMs));
      break;
    case DelaySpec::Dist::kExponential:
      constants.push_back(round_down(d.mean.us, kMs));
      break;
    case DelaySpec::Dist::kPareto:
      constants.push_back(round_down(d.xm.us, kMs));
      break;
    case DelaySpec::Dist::kMixture:
      break;
  }
  for (int64_t value : constants) {
    if (d.dist == DelaySpec::Dist::kConstant && value >= d.value.us) continue;
    Scenario c = current_;
    c.network.delay = DelaySpec{DelaySpec::Dist::kConstant, {value}, {}, {}, {}};
    if (accept(c)) return;
  }
}

// No anti-entropy, no retries.
void Shrinker::cluster() {
  if (current_.anti_entropy_interval) {
    Scenario c = current_;
    c.anti_entropy_interval.reset();
    accept(c);
  }
  for (uint32_t retries = 0; retries < current_.clients.retries; ++retries) {
    Scenario c = current_;
    c.clients.retries = retries;
    if (accept(c)) break;
  }
}

// Each event as early and as round as the failure allows: rounded down to
// 10 ms, then the earliest 10 ms multiple that keeps the failure (binary
// search, each step checked), then the same on a 1 ms grid.
void Shrinker::times() {
  for (size_t i = 0; i < current_.events.size(); ++i) {
    size_t index = i;
    // Moves the event at `index` earlier, to `t`, where a stable sort by
    // time puts it: after the events before it at or before `t`.
    const auto move_to = [&](int64_t t) {
      Scenario c = current_;
      size_t to = 0;
      for (size_t k = 0; k < index; ++k) to += c.events[k].at.us <= t ? 1 : 0;
      TimelineEvent e = c.events[index];
      e.at = SimTime{t};
      c.events.erase(c.events.begin() + static_cast<std::ptrdiff_t>(index));
      c.events.insert(c.events.begin() + static_cast<std::ptrdiff_t>(to), std::move(e));
      if (!accept(c)) return false;
      index = to;
      return true;
    };
    for (int64_t grain : {10 * kMs, kMs}) {
      const int64_t at = current_.events[index].at.us;
      if (at % grain != 0 && !move_to(round_down(at, grain))) continue;
      int64_t lo = 0;
      int64_t hi = current_.events[index].at.us / grain;  // hi * grain keeps the failure
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (move_to(mid * grain)) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
    }
  }
}

// The shortest run_until on a 10 ms grid (binary search; each step checked).
void Shrinker::run_until() {
  int64_t last = 0;
  for (const TimelineEvent& e : current_.events) last = std::max(last, e.at.us);
  const int64_t grain = 10 * kMs;
  int64_t lo = (last + grain - 1) / grain;  // in grains
  int64_t hi = current_.run_until.us / grain;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    Scenario c = current_;
    c.run_until = SimTime{std::max<int64_t>(mid * grain, 1)};
    if (accept(c)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
}

// A rate as the scenario writes it: 0.2, 0.05.
std::string rate_text(Probability p) {
  if (p.ppb >= Probability::kOne) return "1";
  std::string digits = std::to_string(p.ppb);
  digits.insert(0, 9 - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "0." + digits;
}

}  // namespace

std::optional<FailureSignature> failure_of(const Scenario& scenario, uint64_t seed,
                                           uint64_t max_history, bool* capped) {
  const QuietRun outcome = run_once(scenario, seed, max_history);
  if (capped != nullptr) *capped = outcome.stopped;
  if (outcome.stopped) return std::nullopt;
  for (const CheckResult& c : outcome.checks) {
    if (!c.ok()) return c.signature();
  }
  for (const CheckResult& c : outcome.checks) {
    if (!c.holds) return c.signature();
  }
  return std::nullopt;
}

RunSize run_size(const Scenario& scenario, uint64_t seed) {
  RunSize size;
  size.events = scenario.events.size() + (scenario.workload ? scenario.workload->ops : 0);
  size.nodes = scenario.nodes;
  const QuietRun outcome = run_once(scenario, seed, UINT64_MAX);
  size.messages = outcome.stats.messages_sent;
  return size;
}

ShrinkResult shrink(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                    uint64_t max_history) {
  Scenario start = scenario;
  start.seed = seed;
  Shrinker s(start, seed, target, max_history);
  // The shrunk file fails by itself: expectations go, but for the failing
  // key's own when the failure is the expect check.
  start.expect = kept_expectations(scenario.expect, target);
  s.accept(start);

  // Rounds until one changes nothing. Whole mechanisms first (the
  // workload, anti-entropy, retries, the network's randomness, the run's
  // length): when one can go, much else follows. Every edit shortens the
  // file or moves an event earlier, so the rounds end; the bound is a guard.
  constexpr int kMaxRounds = 100;
  for (int round = 0; round < kMaxRounds; ++round) {
    const std::string before = write_scenario(s.current_);
    s.workload();
    s.cluster();
    s.network();
    s.run_until();
    s.events();
    if (random_network(s.current_)) {
      if (auto c = scripted_network(s.current_, seed); c && s.accept(*c)) s.events();
    }
    s.duplicates();
    s.nodes();
    s.keys();
    s.values();
    s.times();
    s.run_until();
    if (write_scenario(s.current_) == before) break;
  }

  ShrinkResult result;
  result.scenario = s.current_;
  result.signature = s.target_;
  result.runs = s.runs_;
  result.minimality = check_minimality(result.scenario, seed, result.signature, max_history);
  const Scenario& out = result.scenario;
  if (out.workload) {
    result.shortfalls.push_back("its workload (" + std::to_string(out.workload->ops) +
                                " generated operations) could not be turned into timeline events "
                                "that fail the same way");
  }
  if (!out.network.loss.never()) {
    result.shortfalls.push_back("its loss rate (" + rate_text(out.network.loss) +
                                ") could not be turned into scripted drop events that fail the "
                                "same way");
  }
  if (!result.minimality.one_minimal()) {
    result.shortfalls.push_back("it is not 1-minimal: the failure stays without " +
                                std::to_string(result.minimality.removable.size()) +
                                " of its events or nodes");
  }
  return result;
}

Minimality check_minimality(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                            uint64_t max_history) {
  Minimality m;
  const auto removable = [&](const Scenario& c) {
    LoadResult loaded = load_scenario_text(write_scenario(c), scenario.path);
    if (!loaded.ok()) {
      ++m.invalid;
      return false;
    }
    return fails_with(run_once(loaded.value(), seed, max_history), target);
  };
  for (size_t i = 0; i < scenario.events.size(); ++i) {
    ++m.events;
    Scenario c = scenario;
    c.events.erase(c.events.begin() + static_cast<std::ptrdiff_t>(i));
    if (removable(c)) {
      m.removable.push_back("event " + std::to_string(i + 1) + ": " +
                            event_text(scenario.events[i]));
    }
  }
  for (NodeIndex k = 0; k < scenario.nodes && scenario.nodes > 1; ++k) {
    ++m.nodes;
    if (removable(*without_node(scenario, k)))
      m.removable.push_back("node n" + std::to_string(k + 1));
  }
  return m;
}

}  // namespace kv::sim
