// The shrinker: a failing run (a scenario and a seed) reduced to a small
// standalone scenario that fails the same way on the same seed.
//
// A failure's signature is the check that does not hold and the key it
// names (FailureSignature, sim/checks.h). A candidate scenario is kept only if its run (in process,
// the history only fingerprinted, as a sweep runs a seed) fails with that
// signature: the same check does not hold, naming the same key (or the key
// it was renamed to). Other checks may fail as well.
//
// Candidates run as they are (one that leaves a restart without its crash,
// which the loader refuses, is not tried); once a round the scenario kept
// so far is written as YAML (sim/scenario_writer.h), loaded back and run
// again from the text, so what is kept is exactly what the output file says.
//
// The reductions, repeated until none applies:
//   the workload's first half while that keeps the failure; the workload as
//   timeline client events (the same draws, draw_workload_op); the messages
//   the loss draw dropped as `drop:` events with loss 0; then each round:
//   anti-entropy off, fewer retries; duplication and loss to zero, the
//   delay a small constant; run_until shorter; delta debugging (ddmin) over
//   the timeline events, in chunks of halving size; while the network still
//   draws, every message's fate as a `drop:` or `delay:` event (no draws
//   left), thinned by ddmin; nodes (removing one renumbers the others and
//   drops its clock slot); keys renamed to a, b, ... and merged; values to
//   "v1", "v2"...; each event's time as early as it can be, on a 10 ms then
//   a 1 ms grid; run_until again.
// Deterministic: the same input gives the same output (no clock, no
// unordered iteration; candidates are tried in a fixed order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/checks.h"
#include "sim/scenario.h"

namespace kv::sim {

// The failure of `scenario` run with `seed`: the first check not as the
// scenario expects; or, when every check is as expected but one does not
// hold (a scenario that expects its failure, as amnesia-lost-write does), the
// first that does not hold. nullopt when every check holds or the history
// reached `max_history`.
std::optional<FailureSignature> failure_of(const Scenario& scenario, uint64_t seed,
                                           uint64_t max_history);

// `scenario` with its workload's operations as timeline client events
// (clients numbered after the scripted ones, clock: auto), drawn with
// `seed` exactly as the simulation draws them (draw_workload_op); nullopt
// for a colocated workload (its clocks come from the node's store at the
// time) or one of more than 20,000 operations. The run can differ from the
// original's where an operation and another event fall in the same
// microsecond (a timeline event is queued first), so the shrinker keeps it
// only if the failure stays.
std::optional<Scenario> materialize_workload(const Scenario& scenario, uint64_t seed);

// What a run amounts to, for the before/after counts.
struct RunSize {
  size_t events = 0;  // timeline events, plus workload operations
  uint32_t nodes = 0;
  uint64_t messages = 0;  // sent
};
RunSize run_size(const Scenario& scenario, uint64_t seed);

// Whether removing any single event or node makes the run lose the failure.
struct Minimality {
  size_t events = 0;   // events tried
  size_t nodes = 0;    // nodes tried (none with one node)
  size_t invalid = 0;  // removals that leave no valid scenario (a restart without its crash)
  // What can be removed with the failure kept ("event 3: {at: ...}", "node n2").
  std::vector<std::string> removable;
  bool one_minimal() const { return removable.empty(); }
};

struct ShrinkResult {
  Scenario scenario;              // the shrunk scenario, its seed set
  FailureSignature signature;     // the failure it keeps, with its key as renamed
  bool materialized = false;      // the workload became timeline events
  bool scripted_losses = false;   // the loss rate became drop: events
  bool scripted_network = false;  // every message's fate became an event, then thinned
  uint64_t runs = 0;              // candidate runs
  Minimality minimality;
};

// Shrinks the failure `target` of `scenario` on `seed`. `scenario` is
// already what runs (a swarm draw hands in the drawn scenario). The result
// keeps `expect:` only when the failure is the expect check; otherwise its
// run fails by itself. REQUIRES: failure_of(scenario, seed, max_history)
// == target.
ShrinkResult shrink(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                    uint64_t max_history);

// Each single event and node removed in turn (sim/shrink.cc's own removal
// of a node: renumbered, its clock slot dropped).
Minimality check_minimality(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                            uint64_t max_history);

}  // namespace kv::sim
