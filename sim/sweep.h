// A sweep: the same scenario run with many seeds, in process, on a few
// threads, each seed's history fingerprinted but never written.
//
// Each seed's run is exactly `kvsim run FILE --seed S`: the same Simulation,
// the same history bytes (only hashed, history/writer.h's fingerprint), the same
// checks, the same cap on the history (a run that reaches it is a failure
// here). Results come back in seed order whatever the number of threads:
// each seed's Simulation is independent of every other's, and threads only
// take the next seed and fill its slot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/checks.h"
#include "sim/scenario.h"

namespace kv::sim {

// What a sweep keeps of one seed's run.
struct SeedResult {
  uint64_t seed = 0;
  bool ok = true;  // every check as the scenario expects, and the run not stopped
  std::vector<std::pair<std::string, bool>> checks;  // check name, as expected
  // The first check not as expected (in the checks' order), with its detail
  // and what it names (CheckResult's node, key and time); "history_cap" when
  // the run stopped at the history's cap (its time: the last event's).
  std::string failed_check;
  std::string failed_detail;
  std::optional<NodeIndex> failed_node;
  std::optional<std::string> failed_key;
  std::optional<int64_t> failed_time_us;
  uint64_t events = 0;
  uint64_t messages = 0;  // sent
  uint64_t fingerprint = 0;
  // Coverage: did this seed's run reach these situations at all?
  bool siblings = false;        // a key got two siblings or more
  bool siblings_3 = false;      // a key got three siblings or more
  bool gave_up = false;         // a client gave up on an operation
  bool duplicate = false;       // the network duplicated a message
  bool stale_rejected = false;  // a node rejected a client's stale write
  bool amnesia = false;         // a node crashed with amnesia
  // A node accepted a client's resolve after a heal earlier in the run
  // (RunStats::resolves_after_heal).
  bool resolve_after_heal = false;
  // Time to convergence after the last fault: from the last fault
  // (partition, heal, crash or restart) to the last store change after it
  // (an apply that left a new sibling on any node; 0 if none came after),
  // when the run ends converged (the `converged` check holds). None when the
  // run had no fault, ends not converged, or stopped at the history's cap.
  std::optional<int64_t> convergence_us;
  // A swarm sweep's (the scenario has a swarm section): what the seed drew.
  std::optional<SwarmDraw> swarm;
};

// The coverage counters, as sweep.jsonl, summary.json, --require and a
// scenario's `sweep: require:` name them.
inline constexpr std::string_view kCoverageNames[] = {
    "siblings",       "siblings_3", "gave_up",           "duplicate",
    "stale_rejected", "amnesia",    "resolve_after_heal"};
bool is_coverage_name(std::string_view name);

// Runs `scenario` with `seed`, the history fingerprinted only, capped at
// `max_history` bytes as `kvsim run --max-history` caps it. When the
// scenario has a swarm section, the seed's draw (sim/swarm.h) is what runs,
// as `kvsim run --swarm` runs it.
SeedResult run_seed(const Scenario& scenario, uint64_t seed, uint64_t max_history);

// Runs seeds first..last (inclusive, first <= last) on `jobs` threads (at
// least 1); the results in seed order. When given, `progress(ctx, done,
// failed)` is called from the calling thread (which then only reports)
// about ten times a second and once at the end.
std::vector<SeedResult> run_seeds(
    const Scenario& scenario, uint64_t first, uint64_t last, unsigned jobs, uint64_t max_history,
    void (*progress)(void* ctx, uint64_t done, uint64_t failed) = nullptr, void* ctx = nullptr);

}  // namespace kv::sim
