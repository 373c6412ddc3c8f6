#include "sim/shrink_edits.h"

#include <algorithm>
#include <utility>

#include "history/writer.h"
#include "node/causality.h"
#include "node/names.h"
#include "sim/simulation.h"

namespace kv::sim {

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
  if (m.duplicated) e.fate.again = m.duplicate_delay;
  return e;
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

}  // namespace

void sort_events(Scenario& s) {
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
}

std::optional<Scenario> materialize_workload(const Scenario& s, uint64_t seed, bool keep_order) {
  if (!s.workload || s.workload->colocated) return std::nullopt;
  const WorkloadSpec& w = *s.workload;
  constexpr uint64_t kMaxListed = 20000;
  if (w.ops > kMaxListed || s.events.size() + w.ops > kMaxTimelineEvents) return std::nullopt;
  std::vector<bool> ties;
  if (keep_order) {
    history::HistoryWriter off;
    Simulation simulation(s, seed, off);
    simulation.keep_workload_ties();
    simulation.run();
    ties = simulation.workload_ties();
  }
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
    if (i < ties.size() && ties[i] && e.at.us < s.run_until.us) e.at.us += 1;
    e.kind = TimelineEvent::Kind::kClient;
    e.client = "c" + std::to_string(highest + 1 + o.client);
    e.node = o.node;
    e.op = o.op;
    out.events.push_back(std::move(e));
  }
  sort_events(out);
  return out;
}

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

bool random_network(const Scenario& s) {
  return !s.network.loss.never() || !s.network.duplicate.never() ||
         s.network.delay.dist != DelaySpec::Dist::kConstant;
}

std::optional<Scenario> scripted_network(const Scenario& s, uint64_t seed) {
  constexpr size_t kMaxListed = 5000;  // ddmin over more would take minutes
  const std::vector<SentMessage> messages = messages_of(s, seed);
  if (messages.size() > kMaxListed) return std::nullopt;
  Scenario out = s;
  std::erase_if(out.events, [](const TimelineEvent& e) { return e.is_fate(); });
  out.network = NetworkOptions{DelaySpec{DelaySpec::Dist::kConstant, {1000}, {}, {}, {}}, {}, {}};
  for (const SentMessage& m : messages) out.events.push_back(fate_event(m));
  if (out.events.size() > kMaxTimelineEvents) return std::nullopt;
  sort_events(out);
  return out;
}

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
  // Clocks given per node lose node k's.
  if (!out.clocks.skews_us.empty()) out.clocks.skews_us.erase(out.clocks.skews_us.begin() + k);
  if (!out.clocks.drifts_ppm.empty()) {
    out.clocks.drifts_ppm.erase(out.clocks.drifts_ppm.begin() + k);
  }
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

std::string short_key(size_t i) {
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

std::optional<Scenario> with_keys(const Scenario& s,
                                  const std::map<std::string, std::string>& renamed) {
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
  for (const auto& [key, count] : s.expect.siblings) {
    const auto [it, fresh] = out.expect.siblings.emplace(name(key), count);
    if (!fresh && it->second != count) return std::nullopt;
  }
  for (const auto& [key, values] : s.expect.values) {
    std::vector<std::string> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const auto [it, fresh] = out.expect.values.emplace(name(key), values);
    if (fresh) continue;
    std::vector<std::string> other = it->second;
    std::sort(other.begin(), other.end());
    if (other != sorted) return std::nullopt;
  }
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

Scenario with_values(const Scenario& s, const std::map<std::string, std::string>& renamed) {
  const auto name = [&](const std::string& value) {
    auto it = renamed.find(value);
    return it == renamed.end() ? value : it->second;
  };
  Scenario out = s;
  for (TimelineEvent& e : out.events) {
    if (e.kind == TimelineEvent::Kind::kClient && e.op.kind != MsgType::kGet) {
      e.op.value_json = name(e.op.value_json);
    }
  }
  for (auto& [key, values] : out.expect.values) {
    for (std::string& v : values) v = name(v);
  }
  return out;
}

bool plausible(const Scenario& s) {
  if (!crashes_alternate(s)) return false;
  for (const TimelineEvent& e : s.events) {
    if (e.at > s.run_until) return false;
  }
  if (s.workload && s.workload->ops > 0) {
    // start + (ops - 1) * interval <= run_until, without overflow (the loader's rule).
    const WorkloadSpec& w = *s.workload;
    if (w.start > s.run_until) return false;
    const uint64_t span = static_cast<uint64_t>(s.run_until.us - w.start.us);
    if (w.interval.us > 0 && w.ops - 1 > span / static_cast<uint64_t>(w.interval.us)) return false;
  }
  return true;
}

}  // namespace kv::sim
