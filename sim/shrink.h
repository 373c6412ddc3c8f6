// The shrinker: a failing run (a scenario and a seed) reduced to a small
// standalone scenario that fails the same way on the same seed.
//
// A failure's signature is the check that does not hold and the key it
// names, and for the `expect` check the expectation of that key, what the
// first node not as expected holds, and whether the key was written
// (FailureSignature, sim/checks.h). A candidate scenario is kept only if the
// file it writes (sim/scenario_writer.h), loaded back, runs to a failure with
// that signature: the same check does not hold, naming the same key (or the
// key it was renamed to). Other checks may fail as well. Runs are in
// process, the history only fingerprinted, as a sweep runs a seed.
//
// The edits (sim/shrink_edits.h), in rounds until a round changes nothing:
//   the workload's operations fewer (a shorter tail), then as timeline client
//   events (the same draws); anti-entropy off, fewer retries; duplication
//   and loss to zero, the delay a small constant; the messages the loss draw
//   dropped as `drop:` events with loss 0; run_until shorter; delta
//   debugging (ddmin) over the timeline events, in chunks of halving size;
//   while the network still draws, every message's fate as a `drop:` or
//   `delay:` event (no draws left), thinned by ddmin; nodes (removing one
//   renumbers the others and drops its clock slot); keys renamed to a, b,
//   ... and merged (never two keys with different expectations); values to
//   "v1", "v2"...; each event's time as early as it can be, on a 10 ms then
//   a 1 ms grid; run_until again.
//
// A round that changes nothing has tried removing each single event and each
// node, so the result is 1-minimal over them; check_minimality() checks it
// again on the written file. A result that still holds a workload or a loss
// rate is not: ShrinkResult::shortfalls says why, and the command says it
// could not shrink.
//
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
// reached `max_history` (then `*capped`, when given, is set: a run cut
// short has no checks).
std::optional<FailureSignature> failure_of(const Scenario& scenario, uint64_t seed,
                                           uint64_t max_history, bool* capped = nullptr);

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
  Scenario scenario;           // the shrunk scenario, its seed set
  FailureSignature signature;  // the failure it keeps, with its key (and values) as renamed
  uint64_t runs = 0;           // candidate runs
  Minimality minimality;       // of `scenario`, checked on its written text
  // Why `scenario` is not a 1-minimal reproducer, a sentence each: a
  // workload or a loss rate left (a generated workload or random losses are
  // not single events one can remove), or what can still go. Empty when it
  // is one.
  std::vector<std::string> shortfalls;
  bool complete() const { return shortfalls.empty(); }
};

// Shrinks the failure `target` of `scenario` on `seed`. `scenario` is
// already what runs (a swarm draw hands in the drawn scenario). The result
// keeps `expect:` only when the failure is the expect check, and then only
// the failing key's own expectation; otherwise its run fails by itself.
// REQUIRES: failure_of(scenario, seed, max_history) == target.
ShrinkResult shrink(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                    uint64_t max_history);

// Each single event and node removed in turn (sim/shrink_edits.h's removal
// of a node: renumbered, its clock slot dropped), each removal written and
// loaded back.
Minimality check_minimality(const Scenario& scenario, uint64_t seed, const FailureSignature& target,
                            uint64_t max_history);

}  // namespace kv::sim
