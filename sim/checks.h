// The run's checks (SPEC §3 "Checks on every run"), kept apart from what they
// check: the simulation reports what nodes accepted and what entered their
// stores; the Oracle keeps, per key, the maximal accepted writes, computed by
// its own code from the definition, and the checks compare the nodes' final
// stores against it.
//
//   converged   every live replica holds the same siblings for every key;
//   no lost write   every accepted write is a sibling at the end, or dominated
//               by one, on every live replica (equivalently: every *maximal*
//               accepted write is, since dominance is transitive);
//   maximal     every live replica holds exactly the maximal accepted writes,
//               and no replica ever held a version no node accepted;
//   expect      the scenario's own expectations.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/key_index.h"
#include "node/node.h"
#include "node/small_vector.h"
#include "sim/scenario.h"

namespace kv::sim {

// A check's verdict. A scenario may expect a check to fail (an amnesia demo
// expects a lost write): the check is `ok` when what happened is what was
// expected.
struct CheckResult {
  std::string name;  // converged, no_lost_write, maximal, expect
  bool holds = true;
  bool expected = true;  // whether the scenario expects it to hold
  std::string detail;    // what was found: the first offending node, key and time
  bool ok() const { return holds == expected; }
};

class Oracle {
 public:
  // A node answered a client write written/conflict/resolved at `time_us`.
  void on_accepted(std::string_view key, const VersionPtr& version, NodeIndex node,
                   int64_t time_us);
  // A version entered a node's store; records a violation if no node ever
  // accepted it (an invented value, or a stale write that was rejected).
  void on_stored(std::string_view key, const VersionPtr& version, NodeIndex node, int64_t time_us) {
    const uint64_t origin = version->origin;
    if (origin < accepted_origins_.size() && accepted_origins_[origin]) return;
    record_invented(key, version, node, time_us);
  }

  struct Accepted {
    VersionPtr version;
    NodeIndex node;
    int64_t time_us;
  };
  // Usually one per key, as a key usually holds one sibling.
  using AcceptedList = SmallVector<Accepted, 1>;
  // The maximal accepted writes of `key` (empty if none).
  const AcceptedList& maximal(std::string_view key) const;
  // The keys of accepted writes, in the order they were first accepted.
  const KeyIndex& key_index() const { return keys_; }
  const std::optional<std::string>& invented() const { return invented_; }

 private:
  static uint64_t key_hash(std::string_view key) { return stable_hash(key.data(), key.size()); }
  KeyIndex keys_;
  std::vector<AcceptedList> maximal_;  // by key id
  // accepted_origins_[o]: some node accepted the client write numbered o
  // (Version::origin). One bit per write, whatever the run's length.
  std::vector<bool> accepted_origins_;
  void record_invented(std::string_view key, const VersionPtr& version, NodeIndex node,
                       int64_t time_us);
  std::optional<std::string> invented_;
};

struct NodeView {
  const Node* node;
  bool live;
};

// Runs every check; `nodes[i]` is n(i+1). `end_us` is the end of the run.
std::vector<CheckResult> run_checks(const Oracle& oracle, const std::vector<NodeView>& nodes,
                                    const Expectations& expect, int64_t end_us);

}  // namespace kv::sim
