#include "sim/shrink.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "base/hash.h"
#include "history/writer.h"
#include "node/names.h"
#include "sim/scenario_writer.h"
#include "sim/simulation.h"

namespace kv::sim {

namespace {

struct Outcome {
  bool stopped = false;  // the history reached its cap
  std::vector<CheckResult> checks;
  RunStats stats;
};

Outcome run_once(const Scenario& scenario, uint64_t seed, uint64_t max_history) {
  history::HistoryWriter history;
  history.open_fingerprint_only();
  history.set_limit(max_history);
  Simulation simulation(scenario, seed, history);
  simulation.run();
  std::string ignored;  // no file: closing cannot fail
  history.close(ignored);
  Outcome out;
  out.stopped = history.stopped();
  out.stats = simulation.stats();
  if (!out.stopped) out.checks = simulation.check();
  return out;
}

bool fails_with(const Outcome& outcome, const FailureSignature& target) {
  for (const CheckResult& c : outcome.checks) {
    if (!c.holds && c.signature() == target) return true;
  }
  return false;
}

// --- the transformations -------------------------------------------------------

void sort_events(Scenario& s) {
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
}

}  // namespace

std::optional<Scenario> materialize_workload(const Scenario& s, uint64_t seed) {
  if (!s.workload || s.workload->colocated) return std::nullopt;
  const WorkloadSpec& w = *s.workload;
  constexpr uint64_t kMaxListed = 20000;
  if (w.ops > kMaxListed || s.events.size() + w.ops > kMaxTimelineEvents) return std::nullopt;
  uint32_t highest = 0;  // workload clients are numbered after the scripted ones
  for (const TimelineEvent& e : s.events) {
    if (e.kind == TimelineEvent::Kind::kClient) highest = std::max(highest, name_number(e.client));
  }
  Scenario out = s;
  out.workload.reset();
  Rng rng = Rng::derive(seed, "workload");
  for (uint64_t i = 0; i < w.ops; ++i) {
    const WorkloadOp o = draw_workload_op(w, s.nodes, i, rng);
    TimelineEvent e;
    e.at = w.start + Duration{w.interval.us * static_cast<int64_t>(i)};
    e.kind = TimelineEvent::Kind::kClient;
    e.client = "c" + std::to_string(highest + 1 + o.client);
    e.node = o.node;
    e.op = o.op;
    out.events.push_back(std::move(e));
  }
  sort_events(out);
  return out;
}

namespace {

std::vector<SentMessage> messages_of(const Scenario& s, uint64_t seed) {
  history::HistoryWriter off;
  Simulation simulation(s, seed, off);
  simulation.keep_messages();
  simulation.run();
  return simulation.messages();
}

TimelineEvent fate_event(const SentMessage& m) {
  TimelineEvent e;
  e.at = m.sent;
  e.kind = m.lost ? TimelineEvent::Kind::kDrop : TimelineEvent::Kind::kDelay;
  e.fate.from = m.from;
  e.fate.to = m.to;
  e.fate.type = m.type;
  e.fate.by = m.delay;
  return e;
}

// Loss 0, and a drop: event for each message the loss draw dropped.
std::optional<Scenario> scripted_losses(const Scenario& s, uint64_t seed) {
  if (s.network.loss.never()) return std::nullopt;
  Scenario out = s;
  out.network.loss = {};
  for (const SentMessage& m : messages_of(s, seed)) {
    if (m.lost && !m.scripted) out.events.push_back(fate_event(m));
  }
  if (out.events.size() > kMaxTimelineEvents) return std::nullopt;
  sort_events(out);
  return out;
}

// Whether the network still draws anything.
bool random_network(const Scenario& s) {
  return !s.network.loss.never() || !s.network.duplicate.never() ||
         s.network.delay.dist != DelaySpec::Dist::kConstant;
}

// Every message's fate scripted (a drop: or a delay: event each), the
// network constant and lossless: the same run with no network draws at all,
// which ddmin then thins to the fates that matter (a fate removed: the
// message arrives after 1 ms). nullopt if the run duplicated a message (no
// event says that) or sends too many to list.
std::optional<Scenario> scripted_network(const Scenario& s, uint64_t seed) {
  constexpr size_t kMaxListed = 5000;  // ddmin over more would take minutes
  const std::vector<SentMessage> messages = messages_of(s, seed);
  if (messages.size() > kMaxListed) return std::nullopt;
  Scenario out = s;
  std::erase_if(out.events, [](const TimelineEvent& e) { return e.is_fate(); });
  out.network = NetworkOptions{DelaySpec{DelaySpec::Dist::kConstant, {1000}, {}, {}, {}}, {}, {}};
  for (const SentMessage& m : messages) {
    if (m.duplicated) return std::nullopt;
    out.events.push_back(fate_event(m));
  }
  if (out.events.size() > kMaxTimelineEvents) return std::nullopt;
  sort_events(out);
  return out;
}

// `s` without node `k`: its events go, the others are renumbered, explicit
// clocks become what the mechanism says they are without node k (client-vv:
// they lose slot k). nullopt for the last node.
std::optional<Scenario> without_node(const Scenario& s, NodeIndex k) {
  if (s.nodes <= 1) return std::nullopt;
  const auto renumber = [k](NodeIndex n) { return n > k ? n - 1 : n; };
  const auto rename = [&](const std::string& name, bool& gone) {
    if (name[0] != 'n') return name;
    const NodeIndex n = name_number(name) - 1;
    gone |= n == k;
    return node_name(renumber(n));
  };
  const auto strip = [&](std::vector<NodeIndex>& list) {
    std::erase(list, k);
    for (NodeIndex& n : list) n = renumber(n);
  };
  Scenario out = s;
  out.nodes = s.nodes - 1;
  out.events.clear();
  using Kind = TimelineEvent::Kind;
  for (TimelineEvent e : s.events) {
    bool gone = false;
    switch (e.kind) {
      case Kind::kClient:
      case Kind::kCrash:
      case Kind::kRestart:
        gone = e.node == k;
        e.node = renumber(e.node);
        if (e.kind == Kind::kClient && e.op.clock) causality(s.mechanism).drop_node(*e.op.clock, k);
        break;
      case Kind::kPartition: {
        PartitionSpec& p = e.partition;
        if (p.shape == PartitionSpec::Shape::kIsolate) {
          gone = p.isolate == k;
          p.isolate = renumber(p.isolate);
        }
        for (auto& group : p.groups) strip(group);
        std::erase_if(p.groups, [](const auto& g) { return g.empty(); });
        strip(p.from);
        strip(p.to);
        gone |= p.shape == PartitionSpec::Shape::kGroups && p.groups.empty();
        gone |= p.shape == PartitionSpec::Shape::kOneWay && (p.from.empty() || p.to.empty());
        break;
      }
      case Kind::kHeal:
        break;
      case Kind::kDrop:
      case Kind::kDelay:
        e.fate.from = rename(e.fate.from, gone);
        e.fate.to = rename(e.fate.to, gone);
        break;
    }
    if (!gone) out.events.push_back(std::move(e));
  }
  return out;
}

// "a".."z", then "k27", "k28"...
std::string short_name(size_t i) {
  return i < 26 ? std::string(1, static_cast<char>('a' + i)) : "k" + std::to_string(i + 1);
}

std::vector<std::string> keys_of(const Scenario& s) {
  std::vector<std::string> keys;
  const auto add = [&](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  for (const TimelineEvent& e : s.events) {
    if (e.kind == TimelineEvent::Kind::kClient) add(e.op.key);
  }
  for (const auto& [key, count] : s.expect.siblings) add(key);
  for (const auto& [key, values] : s.expect.values) add(key);
  return keys;
}

Scenario with_keys(const Scenario& s, const std::map<std::string, std::string>& renamed) {
  const auto name = [&](const std::string& key) {
    auto it = renamed.find(key);
    return it == renamed.end() ? key : it->second;
  };
  Scenario out = s;
  for (TimelineEvent& e : out.events) {
    if (e.kind == TimelineEvent::Kind::kClient) e.op.key = name(e.op.key);
  }
  out.expect.siblings.clear();
  out.expect.values.clear();
  for (const auto& [key, count] : s.expect.siblings) out.expect.siblings[name(key)] = count;
  for (const auto& [key, values] : s.expect.values) out.expect.values[name(key)] = values;
  return out;
}

std::vector<std::string> values_of(const Scenario& s) {
  std::vector<std::string> values;
  for (const TimelineEvent& e : s.events) {
    if (e.kind != TimelineEvent::Kind::kClient || e.op.kind == MsgType::kGet) continue;
    if (std::find(values.begin(), values.end(), e.op.value_json) == values.end()) {
      values.push_back(e.op.value_json);
    }
  }
  return values;
}

// In time order, each node alternates crash and restart (the loader's rule:
// a crash of a node that is down, or a restart of one that is up, is refused).
bool crashes_alternate(const Scenario& s) {
  std::vector<uint8_t> down(s.nodes, 0);
  for (const TimelineEvent& e : s.events) {
    if (e.kind != TimelineEvent::Kind::kCrash && e.kind != TimelineEvent::Kind::kRestart) continue;
    const uint8_t crash = e.kind == TimelineEvent::Kind::kCrash ? 1 : 0;
    if (down[e.node] == crash) return false;
    down[e.node] = crash;
  }
  return true;
}

int64_t round_down(int64_t t, int64_t grain) {
  return t - t % grain;
}

constexpr int64_t kMs = 1000;

// --- the search ------------------------------------------------------------------

class Shrinker {
 public:
  Shrinker(uint64_t seed, const FailureSignature& target, uint64_t max_history)
      : seed_(seed), target_(target), max_history_(max_history) {}

  // Whether `candidate` fails with `target`; if it does, it becomes the
  // current scenario and `target` the one kept.
  bool accept(const Scenario& candidate, const FailureSignature& target) {
    if (!run(candidate, target)) return false;
    current_ = candidate;
    target_ = target;
    return true;
  }
  bool accept(const Scenario& candidate) { return accept(candidate, target_); }

  // Whether `candidate` fails with `target`. It runs as it is: loading a
  // thousand events back from YAML costs more than running them, so the
  // round trip through the writer is made once a round (confirm()).
  bool run(const Scenario& candidate, const FailureSignature& target) {
    if (!crashes_alternate(candidate)) return false;  // the loader would refuse it
    const std::string text = write_scenario(candidate);
    // A candidate's text can be a megabyte: the cache keeps its hash (seeded
    // with the target's, which key renaming changes) and length.
    const std::string wanted = target.text();
    const std::pair<uint64_t, size_t> cache_key{
        stable_hash(text.data(), text.size(), stable_hash(wanted.data(), wanted.size())),
        text.size()};
    auto cached = cache_.find(cache_key);
    if (cached != cache_.end()) return cached->second;
    ++runs_;
    const bool fails = fails_with(run_once(candidate, seed_, max_history_), target);
    cache_.emplace(cache_key, fails);
    return fails;
  }

  // The current scenario written and loaded back, and run from there: if it
  // still fails, it becomes the confirmed one (what the output file will
  // say); if not (a scenario the writer cannot say), the search goes back
  // to the last confirmed one and says false.
  bool confirm() {
    LoadResult loaded = load_scenario_text(write_scenario(current_), current_.path);
    if (loaded.ok() && fails_with(run_once(loaded.value(), seed_, max_history_), target_)) {
      current_ = std::move(loaded.value());
      confirmed_ = {current_, target_};
      return true;
    }
    std::tie(current_, target_) = confirmed_;
    return false;
  }
  std::pair<Scenario, FailureSignature> confirmed_;

  Scenario current_;
  const uint64_t seed_;
  FailureSignature target_;
  const uint64_t max_history_;
  uint64_t runs_ = 0;

  void workload_ops();
  void events();
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

// Fewer workload operations: the first half, as long as that keeps it.
void Shrinker::workload_ops() {
  while (current_.workload && current_.workload->ops > 1) {
    Scenario c = current_;
    c.workload->ops /= 2;
    if (!accept(c)) return;
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
// failure allows.
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
    if (keys[i] != short_name(i)) names[keys[i]] = short_name(i);
  }
  // A key left as it is already has its own new name, so no two keys meet.
  if (!names.empty()) accept(with_keys(current_, names), renamed_target(names));
  keys = keys_of(current_);
  for (size_t j = keys.size(); j-- > 1;) {
    for (size_t i = 0; i < j; ++i) {
      const std::map<std::string, std::string> merge = {{keys[j], keys[i]}};
      if (accept(with_keys(current_, merge), renamed_target(merge))) break;
    }
  }
}

// Values as "v1", "v2"... in order of appearance (a value left as it is
// already has its own new name, so no two values meet).
void Shrinker::values() {
  const std::vector<std::string> values = values_of(current_);
  std::map<std::string, std::string> names;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string name = "\"v" + std::to_string(i + 1) + "\"";
    if (values[i] != name) names[values[i]] = name;
  }
  if (names.empty()) return;
  Scenario c = current_;
  for (TimelineEvent& e : c.events) {
    if (e.kind != TimelineEvent::Kind::kClient || e.op.kind == MsgType::kGet) continue;
    auto it = names.find(e.op.value_json);
    if (it != names.end()) e.op.value_json = it->second;
  }
  accept(c);
}

// No duplication, no loss, a small constant delay.
void Shrinker::network() {
  if (!current_.network.duplicate.never()) {
    Scenario c = current_;
    c.network.duplicate = {};
    accept(c);
  }
  if (!current_.network.loss.never()) {
    Scenario c = current_;
    c.network.loss = {};
    accept(c);
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

}  // namespace

std::optional<FailureSignature> failure_of(const Scenario& scenario, uint64_t seed,
                                           uint64_t max_history) {
  const Outcome outcome = run_once(scenario, seed, max_history);
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
  const Outcome outcome = run_once(scenario, seed, UINT64_MAX);
  size.messages = outcome.stats.messages_sent;
  return size;
}

ShrinkResult shrink(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                    uint64_t max_history) {
  Shrinker s(seed, target, max_history);
  s.current_ = scenario;
  s.current_.seed = seed;
  // The shrunk file fails by itself: expectations go, unless they are what
  // fails.
  if (target.check != "expect") s.current_.expect = Expectations{};
  s.confirmed_ = {s.current_, target};

  ShrinkResult result;
  s.workload_ops();
  if (auto c = materialize_workload(s.current_, seed)) result.materialized = s.accept(*c);
  if (auto c = scripted_losses(s.current_, seed)) result.scripted_losses = s.accept(*c);
  constexpr int kMaxRounds = 20;
  for (int round = 0; round < kMaxRounds; ++round) {
    const std::string before = write_scenario(s.current_);
    // Whole mechanisms first (anti-entropy, retries, the network's
    // randomness, the run's length): when one can go, much else follows.
    s.workload_ops();
    s.cluster();
    s.network();
    s.run_until();
    s.events();
    if (random_network(s.current_)) {
      if (auto c = scripted_network(s.current_, seed)) result.scripted_network |= s.accept(*c);
      if (result.scripted_network) s.events();
    }
    s.nodes();
    s.keys();
    s.values();
    s.times();
    s.run_until();
    if (!s.confirm() || write_scenario(s.current_) == before) break;
  }
  result.scenario = s.current_;
  result.signature = s.target_;
  result.runs = s.runs_;
  result.minimality = check_minimality(result.scenario, seed, result.signature, max_history);
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
    if (removable(*without_node(scenario, k))) m.removable.push_back("node " + node_name(k));
  }
  return m;
}

}  // namespace kv::sim
