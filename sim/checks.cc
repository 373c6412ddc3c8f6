#include "sim/checks.h"

#include <algorithm>

#include "base/assert.h"
#include "base/time.h"
#include "node/mechanisms.h"
#include "node/version_text.h"

namespace kv::sim {

namespace {

const Oracle::AcceptedList kNone{};

std::string describe(const Version& v) {
  std::string out = v.value + "@";
  write_clock(v.clock, out);
  return out;
}

std::string at_time(int64_t us) {
  return "t=" + format_time(us);
}

// `siblings` hold `v` or a version above it.
bool covered(const Causality& rules, const Siblings& siblings, const Version& v) {
  for (const VersionPtr& s : siblings) {
    if (rules.covers(*s, v)) return true;
  }
  return false;
}

// Same sibling sets (order aside).
bool same_set(const Causality& rules, const Siblings& a, const Siblings& b) {
  if (a.size() != b.size()) return false;
  for (const VersionPtr& x : a) {
    bool found = false;
    for (const VersionPtr& y : b) found |= rules.same_version(*x, *y);
    if (!found) return false;
  }
  return true;
}

bool same_as_maximal(const Causality& rules, const Siblings& held,
                     const Oracle::AcceptedList& maximal) {
  if (held.size() != maximal.size()) return false;
  for (const Oracle::Accepted& m : maximal) {
    bool found = false;
    for (const VersionPtr& s : held) found |= rules.same_version(*s, *m.version);
    if (!found) return false;
  }
  return true;
}

// Every key the oracle or a live node knows, in byte order. The nodes mostly
// hold the same keys, so they are gathered in a KeyIndex first and only the
// distinct ones are sorted.
std::vector<std::string_view> all_keys(const Oracle& oracle, const std::vector<NodeView>& nodes) {
  KeyIndex seen;
  std::vector<std::string_view> keys;
  const auto gather = [&](const KeyIndex& from) {
    for (uint32_t id = 0; id < from.size(); ++id) {
      const std::string_view key = from.key(id);
      const size_t before = seen.size();
      seen.insert(key, stable_hash(key.data(), key.size()));
      if (seen.size() > before) keys.push_back(key);
    }
  };
  gather(oracle.key_index());
  for (const NodeView& n : nodes) {
    if (n.live) gather(n.node->store().key_index());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The checks that look at every key: converged, no_lost_write, maximal. They
// share one pass over the keys, so each node's siblings for a key are looked
// up once (a million keys on five nodes would otherwise be fifteen million
// lookups, most of them cache misses). Each check reports the failure its
// own loop order would meet first: converged, the lowest node that differs
// from the first live one, at its first key; maximal, the first key where a
// node differs from the maximal writes, at the lowest such node; lost (and
// unavailable), the earliest accepted write that no node (no live node)
// holds.
class KeyChecks {
 public:
  KeyChecks(const Oracle& oracle, const std::vector<NodeView>& nodes, int64_t end_us,
            const KeyOwners* owners)
      : oracle_(oracle),
        rules_(oracle.rules()),
        nodes_(nodes),
        end_us_(end_us),
        owners_(owners),
        stored_(nodes.size(), nullptr),
        held_(nodes.size(), nullptr),
        judged_(nodes.size(), nullptr) {
    for (size_t i = 0; i < nodes.size() && first_live_ == kNone; ++i) {
      if (nodes[i].live) first_live_ = i;
    }
  }

  void check(std::string_view key) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      stored_[i] = &nodes_[i].node->get(key);
      held_[i] = nodes_[i].live ? stored_[i] : nullptr;
      judged_[i] = owners_ == nullptr || owners_->judged(key, static_cast<NodeIndex>(i)) ? held_[i]
                                                                                         : nullptr;
    }
    const Oracle::AcceptedList& maximal = oracle_.maximal(key);
    check_converged(key);
    check_lost(key, maximal);
    check_maximal(key, maximal);
  }

  CheckResult converged() const {
    CheckResult r{"converged", true, true, "every live replica holds the same siblings"};
    if (first_live_ == kNone) r.detail = kNoLiveNode;
    if (differing_node_ != kNone) {
      r.holds = false;
      r.detail = node_name(differing_node_) + " and " + node_name(differing_first_) +
                 " differ on key '" + differing_key_ + "' at the end (" + at_time(end_us_) + ")";
      if (owners_ != nullptr) r.detail += "; " + owners_->text(differing_key_);
      r.node = static_cast<NodeIndex>(differing_node_);
      r.key = differing_key_;
      r.time_us = end_us_;
    }
    return r;
  }

  CheckResult lost() const {
    CheckResult r{"no_lost_write", true, true, "every accepted write survives or is superseded"};
    if (lost_.count > 0) {
      r.holds = false;
      r.detail = std::to_string(lost_.count) +
                 " lost write(s), held by no node, live or down; first: " + lost_.first;
      r.node = lost_.first_node;
      r.key = lost_.first_key;
      r.time_us = lost_.first_time;
    }
    if (unavailable_.count > 0) {
      r.detail +=
          (lost_.count > 0 ? "; and " : "; but ") + std::to_string(unavailable_.count) +
          " unavailable write(s), held only by nodes that are down; first: " + unavailable_.first;
    }
    return r;
  }

  FateCounts fates() const { return {lost_.count, unavailable_.count}; }

  CheckResult maximal() const {
    CheckResult r{"maximal", true, true,
                  "every live replica holds exactly the maximal accepted writes"};
    if (first_live_ == kNone) r.detail = kNoLiveNode;
    if (const auto& invented = oracle_.invented()) {
      r.holds = false;
      r.detail = invented->detail;
      r.node = invented->node;
      r.key = invented->key;
      r.time_us = invented->time_us;
    } else if (!not_maximal_.empty()) {
      r.holds = false;
      r.detail = not_maximal_;
      r.node = static_cast<NodeIndex>(not_maximal_node_);
      if (owners_ != nullptr) r.detail += "; " + owners_->text(not_maximal_key_);
      r.key = not_maximal_key_;
      r.time_us = end_us_;
    }
    return r;
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;
  static constexpr const char* kNoLiveNode = "no node is live at the end: nothing to compare";

  // Lost or unavailable writes: how many, and the earliest accepted one.
  struct Tally {
    uint64_t count = 0;
    std::optional<int64_t> first_time;
    std::string first;
    NodeIndex first_node = 0;
    std::string first_key;
    void add(const Oracle::Accepted& m, std::string_view key, const std::string& where) {
      ++count;
      if (first_time && *first_time <= m.time_us) return;
      first_time = m.time_us;
      first_node = m.node;
      first_key = std::string(key);
      first = "write " + describe(*m.version) + " to key '" + std::string(key) + "', accepted by " +
              node_name(m.node) + " at " + at_time(m.time_us) + ", " + where;
    }
  };

  void check_converged(std::string_view key) {
    // Keys come in order, so a node's first differing key is the first one
    // recorded for it; only a lower node can replace it.
    // Under quorums the first is the key's first live judged node.
    size_t first = first_live_;
    if (owners_ != nullptr) {
      first = kNone;
      for (size_t i = 0; i < nodes_.size() && first == kNone; ++i) {
        if (judged_[i] != nullptr) first = i;
      }
    }
    if (first == kNone) return;
    for (size_t i = first + 1; i < nodes_.size() && i < differing_node_; ++i) {
      if (judged_[i] == nullptr || same_set(rules_, *judged_[first], *judged_[i])) continue;
      differing_node_ = i;
      differing_first_ = first;
      differing_key_ = std::string(key);
      return;
    }
  }

  // A maximal write some live node holds (or supersedes) is available;
  // else unavailable if a down node does; else lost.
  void check_lost(std::string_view key, const Oracle::AcceptedList& maximal) {
    for (const Oracle::Accepted& m : maximal) {
      if (!m.acknowledged) continue;  // no client was promised it
      bool live_holder = false;
      for (size_t i = 0; i < nodes_.size() && !live_holder; ++i) {
        live_holder = held_[i] != nullptr && covered(rules_, *held_[i], *m.version);
      }
      if (live_holder) continue;
      std::string down_holders;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (held_[i] != nullptr || !covered(rules_, *stored_[i], *m.version)) continue;
        down_holders += (down_holders.empty() ? "" : ", ") + node_name(i);
      }
      if (down_holders.empty()) {
        lost_.add(m, key, "is held by no node");
      } else {
        unavailable_.add(m, key, "is held only by " + down_holders + " (down)");
      }
    }
  }

  void check_maximal(std::string_view key, const Oracle::AcceptedList& maximal) {
    if (!not_maximal_.empty() || oracle_.invented()) return;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (judged_[i] == nullptr || same_as_maximal(rules_, *judged_[i], maximal)) continue;
      not_maximal_ = node_name(i) + " holds " + std::to_string(judged_[i]->size()) +
                     " sibling(s) for key '" + std::string(key) + "' but there are " +
                     std::to_string(maximal.size()) + " maximal accepted write(s) (" +
                     at_time(end_us_) + ")";
      not_maximal_node_ = i;
      not_maximal_key_ = std::string(key);
      return;
    }
  }

  const Oracle& oracle_;
  const Causality& rules_;
  const std::vector<NodeView>& nodes_;
  const int64_t end_us_;
  const KeyOwners* owners_;
  // By node, for the key being checked: what it stores, and the same for
  // live nodes only (null if down).
  std::vector<const Siblings*> stored_;
  std::vector<const Siblings*> held_;
  // The same for the nodes the key is judged on (all of held_ without
  // quorums; KeyOwners with them).
  std::vector<const Siblings*> judged_;
  size_t first_live_ = kNone;

  size_t differing_node_ = kNone;
  size_t differing_first_ = kNone;
  std::string differing_key_;
  Tally lost_;
  Tally unavailable_;
  std::string not_maximal_;
  size_t not_maximal_node_ = kNone;
  std::string not_maximal_key_;
};

CheckResult check_expect(const Oracle& oracle, const Expectations& expect,
                         const std::vector<NodeView>& nodes, int64_t end_us) {
  CheckResult r{"expect", true, true, "the scenario's expectations hold"};
  auto fail = [&](std::string detail, size_t node, const std::string& key,
                  ExpectMismatch mismatch) {
    if (r.holds) {
      r.detail = std::move(detail);
      r.node = static_cast<NodeIndex>(node);
      r.key = key;
      r.time_us = end_us;
      mismatch.written = !oracle.maximal(key).empty();
      r.mismatch = std::move(mismatch);
    }
    r.holds = false;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].live) continue;
    for (const auto& [key, count] : expect.siblings) {
      const size_t held = nodes[i].node->get(key).size();
      if (held != count) {
        fail("expected " + std::to_string(count) + " sibling(s) for key '" + key + "' but " +
                 node_name(i) + " holds " + std::to_string(held),
             i, key, ExpectMismatch{false, {std::to_string(count)}, {std::to_string(held)}});
      }
    }
    for (const auto& [key, values] : expect.values) {
      std::vector<std::string> held;
      for (const VersionPtr& s : nodes[i].node->get(key)) held.push_back(s->value);
      std::vector<std::string> want = values;
      std::sort(held.begin(), held.end());
      std::sort(want.begin(), want.end());
      if (held != want) {
        std::string text;
        for (const std::string& v : held) text += (text.empty() ? "" : ", ") + v;
        fail("expected other values for key '" + key + "': " + node_name(i) + " holds [" + text +
                 "]",
             i, key, ExpectMismatch{true, std::move(want), std::move(held)});
      }
    }
  }
  return r;
}

std::string list_text(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i > 0 ? ", " : "") + values[i];
  return out + "]";
}

}  // namespace

std::string FailureSignature::text() const {
  std::string out = key ? check + " on key '" + *key + "'" : check;
  if (expect) {
    const ExpectMismatch& m = *expect;
    if (m.values) {
      out += ": values " + list_text(m.expected) + " expected, " + list_text(m.held) + " held";
    } else {
      out += ": " + m.expected.front() + " sibling(s) expected, " + m.held.front() + " held";
    }
    if (!m.written) out += ", never written";
  }
  return out;
}

void Oracle::on_accepted(const HashedKey& key, const VersionPtr& version, NodeIndex node,
                         int64_t time_us) {
  accepted_origins_.add(version->origin);
  add_maximal(key, version, node, time_us, /*acknowledged=*/true);
}

void Oracle::on_landed(std::string_view key, const VersionPtr& version, NodeIndex node,
                       int64_t time_us) {
  const uint64_t origin = version->origin;
  if (accepted_origins_.has(origin)) return;
  if (!attempted_origins_.has(origin)) {
    return record_invented(key, version, node, time_us);
  }
  add_maximal(key, version, node, time_us, /*acknowledged=*/false);
}

void Oracle::add_maximal(const HashedKey& key, const VersionPtr& version, NodeIndex node,
                         int64_t time_us, bool acknowledged) {
  const uint32_t id = keys_.insert(key.text, key.hash);
  if (id == maximal_.size()) maximal_.emplace_back();
  with_rules(mechanism_, [&]<class Rules>() {
    accept<Rules>(maximal_[id], version, node, time_us, acknowledged);
  });
}

// Keeps `max` the maximal accepted writes of a key as `version` is accepted:
// nothing changes when one of them is it or above it; otherwise it joins
// them, and those below it go.
template <class Rules>
void Oracle::accept(AcceptedList& max, const VersionPtr& version, NodeIndex node, int64_t time_us,
                    bool acknowledged) {
  bool supersedes_some = false;
  for (Accepted& m : max) {
    const Order order = Rules::order_of(*m.version, *version);
    if (order == Order::kDominates) return;
    if (order == Order::kEqual) {
      if (acknowledged && !m.acknowledged) m = {version, node, time_us, true};
      return;
    }
    supersedes_some |= order == Order::kDominated;
  }
  if (supersedes_some) {
    erase_if(max, [&](const Accepted& m) {
      return Rules::order_of(*version, *m.version) == Order::kDominates;
    });
  }
  max.push_back({version, node, time_us, acknowledged});
}

void Oracle::record_invented(std::string_view key, const VersionPtr& version, NodeIndex node,
                             int64_t time_us) {
  if (invented_) return;  // the first one is reported
  invented_ =
      Invented{node_name(node) + " stored " + describe(*version) + " for key '" + std::string(key) +
                   "' at " + at_time(time_us) + ", a version no node accepted",
               node, std::string(key), time_us};
}

void Oracle::on_crash(NodeIndex node, int64_t time_us) {
  if (node >= down_since_.size()) down_since_.resize(node + 1, -1);
  if (down_since_[node] < 0) down_since_[node] = time_us;
}

void Oracle::on_restart(NodeIndex node) {
  if (node < down_since_.size()) down_since_[node] = -1;
}

std::string Oracle::describe_refusal(NodeIndex node, Act act, int64_t time_us) const {
  const char* what = act == Act::kApply    ? "applied a write"
                     : act == Act::kSend   ? "sent a message"
                     : act == Act::kHandle ? "handled a message"
                                           : "ran its timer";
  return node_name(node) + " " + what + " at " + at_time(time_us) + " while down (it crashed at " +
         at_time(down_since_[node]) + "): a crashed node does nothing until it restarts";
}

const Oracle::AcceptedList& Oracle::maximal(std::string_view key) const {
  const uint32_t id = keys_.find(key, Store::key_hash(key));
  return id == KeyIndex::kAbsent ? kNone : maximal_[id];
}

bool KeyOwners::judged(std::string_view key, NodeIndex node) const {
  if (placement->holds(key, node)) return true;
  const auto it = std::lower_bound(
      hinted.begin(), hinted.end(), std::make_pair(key, node), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second < b.second;
      });
  return it != hinted.end() && it->first == key && it->second == node;
}

std::string KeyOwners::text(std::string_view key) const {
  std::string out = "key '" + std::string(key) + "' lives on ";
  bool first = true;
  for (const Endpoint e : placement->replicas_of(key)) {
    out += (first ? "" : ", ") + node_name(e);
    first = false;
  }
  std::string hints;
  for (const auto& [k, node] : hinted) {
    if (k == key) hints += (hints.empty() ? "" : ", ") + node_name(node);
  }
  if (!hints.empty()) out += " (and hinted on " + hints + ")";
  return out;
}

std::vector<CheckResult> run_checks(const Oracle& oracle, const std::vector<NodeView>& nodes,
                                    const Expectations& expect, int64_t end_us, FateCounts* fates,
                                    const KeyOwners* owners) {
  KeyChecks checks(oracle, nodes, end_us, owners);
  for (std::string_view key : all_keys(oracle, nodes)) checks.check(key);
  if (fates != nullptr) *fates = checks.fates();
  std::vector<CheckResult> results;
  results.push_back(checks.converged());
  results.back().expected = expect.converged.value_or(true);
  results.push_back(checks.lost());
  results.back().expected = !expect.lost_writes.value_or(false);
  results.push_back(checks.maximal());
  results.back().expected = expect.maximal.value_or(true);
  results.push_back(check_expect(oracle, expect, nodes, end_us));
  return results;
}

}  // namespace kv::sim
