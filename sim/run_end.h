// What a run left under way when it reached run_until: client operations
// that fell due but were never sent, requests still waiting for their reply,
// writes still travelling between nodes, and faults still in place.
//
// A run that ends with any of these ended "too early" for a quiet cluster:
// its checks judge stores that were still being written to or repaired, so
// a `converged` that fails there may say no more than "the run stopped
// mid-way". The simulator counts these at the end (RunStats::run_end); the
// run's summary.json records them (`run_end`), `kvsim run` prints the
// sentence beside the verdicts, a failing `converged` check adds it to its
// detail, and the page and the story read it back from summary.json.
//
// Invariant: early() is true exactly when sentence() is not empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/network.h"

namespace kv::sim {

struct RunEnd {
  // Operations that fell due while their client had a request in flight and
  // were still queued at the end (RunStats::client_ops_waiting).
  uint64_t ops_unsent = 0;
  // Client requests sent and neither answered nor given up on.
  uint64_t requests_in_flight = 0;
  // Node-to-node messages carrying versions (a replicate, a quorum's store or
  // handoff, or an anti-entropy diff or push with at least one version) that
  // had not arrived; a duplicated one counts once.
  uint64_t writes_in_flight = 0;
  // Nodes down at the end, in index order.
  std::vector<NodeIndex> nodes_down;
  // Directed node-to-node links cut at the end (a partition never healed).
  uint64_t links_cut = 0;
  // When the last client operation was sent; -1 if none was.
  int64_t last_op_sent_us = -1;

  bool work_left() const {
    return ops_unsent > 0 || requests_in_flight > 0 || writes_in_flight > 0;
  }
  bool faults_left() const { return !nodes_down.empty() || links_cut > 0; }
  bool early() const { return work_left() || faults_left(); }

  // "" when the run ended quiet; else one sentence (lower case first, no
  // full stop) saying what was left and why, e.g. "the run ended with 79
  // operations never sent and 3 requests in flight (the last operation was
  // sent at 9.96s): the workload outlasts run_until = 10s; a longer
  // run_until leaves a quiet tail".
  std::string sentence(int64_t run_until_us) const;
};

}  // namespace kv::sim
