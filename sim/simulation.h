// The simulated cluster: N nodes (each a kv::Replica, the same code as
// `kvsim node`), clients, a seeded network, faults, and the event loop.
//
// Everything that happens is a ScheduledEvent in one queue ordered by (time, seq).
// Randomness comes from generators derived from the run's seed, one per
// subsystem (network, faults, workload, each node's anti-entropy), so a draw
// in one never shifts another's. Every event is written to the history by the
// Recorder (sim/recorder.h; when enabled) and reported to the Oracle for the
// checks.
//
// Messages live in a slab and are referred to by slot from delivery events;
// a version travels as a shared immutable object, so replicating a write to
// N-1 peers copies a pointer, not the value.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"
#include "history/truth.h"
#include "history/writer.h"
#include "node/node.h"
#include "sim/checks.h"
#include "sim/event_queue.h"
#include "sim/outside_node.h"
#include "sim/run_end.h"
#include "sim/scenario.h"

namespace kv::sim {

struct RunStats {
  uint64_t events = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_delivered = 0;  // deliveries, duplicates included
  uint64_t dropped_loss = 0;
  uint64_t dropped_partition = 0;
  uint64_t dropped_crashed = 0;
  uint64_t duplicated = 0;
  uint64_t client_ops = 0;          // client operations sent (colocated puts included)
  uint64_t client_ops_waiting = 0;  // due, but still waiting for their client at the end
  uint64_t client_timeouts = 0;
  uint64_t client_gave_up = 0;
  uint64_t writes_accepted = 0;  // client writes a node accepted
  uint64_t writes_rejected = 0;  // client writes a node rejected as stale
  uint64_t writes_refused = 0;   // client writes refused: too many siblings
  // Client requests a coordinator answered with error 11: its quorum not
  // gathered in time (replication.coordinator: node).
  uint64_t quorum_errors = 0;
  uint64_t siblings_created = 0;  // applies that left a key with more siblings than before, >= 2
  uint64_t max_siblings = 0;      // the most siblings an apply left a key with
  uint64_t amnesia_crashes = 0;   // crashes with amnesia (of a node up or down)
  uint64_t anti_entropy_rounds = 0;
  uint64_t versions_repaired = 0;  // versions anti-entropy applied
  uint64_t heals = 0;
  // Client resolves a node accepted (status written, conflict or resolved)
  // after a heal earlier in the run (an earlier event, or the same instant
  // but handled before).
  uint64_t resolves_after_heal = 0;
  // The last fault (partition, heal, crash, restart), and the last store
  // change (an apply that left a new sibling) after it, or the fault's own
  // time if none came after: their difference is the time to convergence
  // after the last fault (sim/sweep.h). -1 while there was no fault.
  int64_t last_fault_us = -1;
  int64_t last_change_after_fault_us = -1;
  int64_t end_us = 0;            // run_until; or, when stopped, the time of the last event
  bool stopped = false;          // the history stopped taking lines, so the run ended early
  int64_t last_op_sent_us = -1;  // when the last client operation was sent
  // What was still under way at run_until (sim/run_end.h); empty when stopped.
  RunEnd run_end;
};

// A rough count of the events a run of `scenario` handles, from its shape
// alone (no simulation): each node's anti-entropy ticks and the round's
// messages, and each client operation's request, replication to every other
// node and reply. Within a small factor for shipped-like scenarios; meant to
// tell a run of seconds from one of days before it starts. Saturates at
// UINT64_MAX.
uint64_t estimate_events(const Scenario& scenario);

// A message sent and its fate: what a shrinker needs to script the same
// fate (sim/shrink.h).
struct SentMessage {
  SimTime sent;
  std::string from, to;  // endpoint names: n1.., c1..
  MsgType type = MsgType::kReplicate;
  bool lost = false;
  Duration delay{};  // when not lost
  bool duplicated = false;
  Duration duplicate_delay{};  // when duplicated: the second delivery's delay
  bool scripted = false;       // a drop: or delay: event decided it
};

// The workload's operation number `i` (not colocated), drawn from `rng` (the
// run's "workload" stream, after the draws of operations 0..i-1): which of
// the workload's clients sends it (0-based), to which node, and what it is.
// The simulation and sim/shrink.h's materializer share it, so that the same
// draws make the same operations.
struct WorkloadOp {
  uint32_t client = 0;
  NodeIndex node = 0;
  ClientOp op;
};
WorkloadOp draw_workload_op(const WorkloadSpec& w, uint32_t nodes, uint64_t i, Rng& rng);

// The staleness experiment (`kvsim staleness`, PBS's "t-visibility"): trial
// after trial, each on a key of its own, a client writes the key, and a
// read is sent `delta` after the write commits (its client got the w-th
// acknowledgement); the read is consistent when the merge of the first r
// responses holds the write or a version that supersedes it. The scenario's
// network, replication, anti-entropy and events apply (`kvsim staleness`
// drops its client operations and workload first). Trial t uses
// deltas[t % deltas.size()].
struct StalenessProbe {
  std::vector<Duration> deltas;
  uint64_t trials = 0;  // per delta
};
struct StalenessCounts {
  std::vector<uint64_t> trials;            // by delta: trials whose write and read completed
  std::vector<uint64_t> consistent;        // by delta
  std::vector<uint64_t> failed;            // by delta: the write or the read did not complete
  std::vector<uint32_t> write_latency_us;  // commit - write sent, per completed write
  std::vector<uint32_t> read_latency_us;   // r-th response - read sent
};

class Simulation {
 public:
  // `history` may be disabled; it must outlive the simulation.
  Simulation(const Scenario& scenario, uint64_t seed, history::HistoryWriter& history);
  ~Simulation();

  // Runs until the queue is empty or the next event is past run_until, then
  // writes the `final` and `end` history lines. Calls `progress(now_us,
  // events)` every 2^16 events when given. If the history stops taking lines
  // (HistoryWriter::stopped(): a write failed, or its limit), the run ends after
  // that event, without the final lines, and stats().stopped says so.
  void run(void (*progress)(void* ctx, int64_t now_us, uint64_t events) = nullptr,
           void* ctx = nullptr);

  // Runs the staleness experiment instead of the scenario's clients (call
  // instead of run()); the history, if enabled, records it as any run.
  StalenessCounts run_staleness(const StalenessProbe& probe);

  // Runs the checks (sim/checks.h); fills `fates` when given.
  std::vector<CheckResult> check(FateCounts* fates = nullptr) const;
  const RunStats& stats() const;
  // The truth's figures at the end of the run (history/truth.h): true and
  // false siblings on the live nodes, lost updates.
  // REQUIRES: no_truth() not called.
  history::Truth::Figures truth_figures() const;
  // Call before run() to keep no truth, when nobody will ask for its figures
  // (`kvsim bench`, `kvsim staleness`): the truth costs about 15% of a write
  // workload's instructions (BENCHMARKS.md, "The truth's cost").
  void no_truth();
  // Call before run(): every node is a process outside the simulator
  // (sim/outside_node.h), moved by `processes`, which must outlive the run.
  // The scenario must have no colocated workload and no quorum replication
  // (cli/run_command.cc refuses them).
  void use_outside_nodes(NodeProcesses& processes);
  // Ok, or why a node outside failed: the run stopped there, without final
  // lines (stats().end_us is when).
  const Status& outside_error() const;
  const OutsideReport& outside_report() const;
  // Call before run() to keep every message sent, with its fate.
  void keep_messages();
  const std::vector<SentMessage>& messages() const;
  // Call before run() to note, for each workload operation (not colocated),
  // whether an event the run itself queued (a delivery, a timeout, an
  // anti-entropy tick) fell in the same microsecond and was handled before
  // it. A timeline event is queued before the run starts, so it is handled
  // before such events: sim/shrink.h's materializer moves these operations
  // 1 us later to keep the order.
  void keep_workload_ties();
  const std::vector<bool>& workload_ties() const;
  const Node& node(NodeIndex i) const;
  bool live(NodeIndex i) const;
  size_t node_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kv::sim
