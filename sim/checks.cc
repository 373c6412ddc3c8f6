#include "sim/checks.h"

#include <algorithm>

#include "node/kv_assert.h"
#include "node/version_text.h"
#include "sim/time.h"

namespace kv::sim {

namespace {

const Oracle::AcceptedList kNone{};

std::string node_name(size_t i) {
  return "n" + std::to_string(i + 1);
}

std::string describe(const Version& v) {
  std::string out = v.value + "@";
  write_clock(v.clock, out);
  return out;
}

std::string at_time(int64_t us) {
  return "t=" + format_time(us);
}

bool holds_or_dominated(const Siblings& siblings, const Version& v) {
  for (const VersionPtr& s : siblings) {
    if (same_version(*s, v) || dominates(s->clock, v.clock)) return true;
  }
  return false;
}

// Same sibling sets (order aside).
bool same_set(const Siblings& a, const Siblings& b) {
  if (a.size() != b.size()) return false;
  for (const VersionPtr& x : a) {
    bool found = false;
    for (const VersionPtr& y : b) found |= same_version(*x, *y);
    if (!found) return false;
  }
  return true;
}

bool same_as_maximal(const Siblings& held, const Oracle::AcceptedList& maximal) {
  if (held.size() != maximal.size()) return false;
  for (const Oracle::Accepted& m : maximal) {
    bool found = false;
    for (const VersionPtr& s : held) found |= same_version(*s, *m.version);
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

CheckResult check_converged(const std::vector<NodeView>& nodes,
                            const std::vector<std::string_view>& keys, int64_t end_us) {
  CheckResult r{"converged", true, true, "every live replica holds the same siblings"};
  const NodeView* first = nullptr;
  size_t first_index = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].live) continue;
    if (first == nullptr) {
      first = &nodes[i];
      first_index = i;
      continue;
    }
    for (std::string_view key : keys) {
      if (!same_set(first->node->get(key), nodes[i].node->get(key))) {
        r.holds = false;
        r.detail = node_name(i) + " and " + node_name(first_index) + " differ on key '" +
                   std::string(key) + "' at the end (" + at_time(end_us) + ")";
        return r;
      }
    }
  }
  return r;
}

CheckResult check_lost(const Oracle& oracle, const std::vector<NodeView>& nodes,
                       const std::vector<std::string_view>& keys) {
  CheckResult r{"no_lost_write", true, true, "every accepted write survives or is superseded"};
  std::optional<int64_t> first_time;
  size_t lost = 0;
  for (std::string_view key : keys) {
    for (const Oracle::Accepted& m : oracle.maximal(key)) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!nodes[i].live || holds_or_dominated(nodes[i].node->get(key), *m.version)) continue;
        ++lost;
        if (!first_time || m.time_us < *first_time) {
          first_time = m.time_us;
          r.detail = "write " + describe(*m.version) + " to key '" + std::string(key) +
                     "', accepted by " + node_name(m.node) + " at " + at_time(m.time_us) +
                     ", is missing on " + node_name(i);
        }
      }
    }
  }
  if (lost > 0) {
    r.holds = false;
    r.detail = std::to_string(lost) + " lost (write, replica) pair(s); first: " + r.detail;
  }
  return r;
}

CheckResult check_maximal(const Oracle& oracle, const std::vector<NodeView>& nodes,
                          const std::vector<std::string_view>& keys, int64_t end_us) {
  CheckResult r{"maximal", true, true,
                "every live replica holds exactly the maximal accepted writes"};
  if (oracle.invented()) {
    r.holds = false;
    r.detail = *oracle.invented();
    return r;
  }
  for (std::string_view key : keys) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].live) continue;
      if (!same_as_maximal(nodes[i].node->get(key), oracle.maximal(key))) {
        r.holds = false;
        r.detail = node_name(i) + " holds " + std::to_string(nodes[i].node->get(key).size()) +
                   " sibling(s) for key '" + std::string(key) + "' but there are " +
                   std::to_string(oracle.maximal(key).size()) + " maximal accepted write(s) (" +
                   at_time(end_us) + ")";
        return r;
      }
    }
  }
  return r;
}

CheckResult check_expect(const Expectations& expect, const std::vector<NodeView>& nodes) {
  CheckResult r{"expect", true, true, "the scenario's expectations hold"};
  auto fail = [&](std::string detail) {
    if (r.holds) r.detail = std::move(detail);
    r.holds = false;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].live) continue;
    for (const auto& [key, count] : expect.siblings) {
      const size_t held = nodes[i].node->get(key).size();
      if (held != count) {
        fail("expected " + std::to_string(count) + " sibling(s) for key '" + key + "' but " +
             node_name(i) + " holds " + std::to_string(held));
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
             "]");
      }
    }
  }
  return r;
}

}  // namespace

void Oracle::on_accepted(std::string_view key, const VersionPtr& version, NodeIndex node,
                         int64_t time_us) {
  if (version->origin >= accepted_origins_.size()) {
    accepted_origins_.resize(std::max<size_t>(version->origin + 1, accepted_origins_.size() * 2));
  }
  accepted_origins_[version->origin] = true;

  const uint32_t id = keys_.insert(key, key_hash(key));
  if (id == maximal_.size()) maximal_.emplace_back();
  AcceptedList& max = maximal_[id];
  bool supersedes_some = false;
  for (const Accepted& m : max) {
    const Order order = compare(m.version->clock, version->clock);
    if (order == Order::kDominates) return;
    if (order == Order::kEqual && m.version->value == version->value) return;
    supersedes_some |= order == Order::kDominated;
  }
  if (supersedes_some) {
    erase_if(max, [&](const Accepted& m) { return dominates(version->clock, m.version->clock); });
  }
  max.push_back({version, node, time_us});
}

void Oracle::record_invented(std::string_view key, const VersionPtr& version, NodeIndex node,
                             int64_t time_us) {
  if (invented_) return;  // the first one is reported
  invented_ = node_name(node) + " stored " + describe(*version) + " for key '" + std::string(key) +
              "' at " + at_time(time_us) + ", a version no node accepted";
}

const Oracle::AcceptedList& Oracle::maximal(std::string_view key) const {
  const uint32_t id = keys_.find(key, key_hash(key));
  return id == KeyIndex::kAbsent ? kNone : maximal_[id];
}

std::vector<CheckResult> run_checks(const Oracle& oracle, const std::vector<NodeView>& nodes,
                                    const Expectations& expect, int64_t end_us) {
  const std::vector<std::string_view> keys = all_keys(oracle, nodes);
  std::vector<CheckResult> results;
  results.push_back(check_converged(nodes, keys, end_us));
  results.back().expected = expect.converged.value_or(true);
  results.push_back(check_lost(oracle, nodes, keys));
  results.back().expected = !expect.lost_writes.value_or(false);
  results.push_back(check_maximal(oracle, nodes, keys, end_us));
  results.back().expected = expect.maximal.value_or(true);
  results.push_back(check_expect(expect, nodes));
  return results;
}

}  // namespace kv::sim
