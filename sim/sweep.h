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

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/checks.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace kv::history {
class HistoryWriter;
}

namespace kv::sim {

// The coverage counters: what a seed's run may reach (a key with siblings, a
// client giving up, ...). Defined once here; sweep.jsonl, summary.json, the
// sweep's table, --require and a scenario's `sweep: require:` all read this
// table, in its order.
struct CoverageCounter {
  std::string_view name;   // as the files and --require spell it
  std::string_view label;  // as the sweep's table says it
  bool (*reached)(const RunStats&);
};
inline constexpr CoverageCounter kCoverage[] = {
    {"siblings", "a key with 2+ siblings",
     [](const RunStats& s) { return s.siblings_created > 0; }},
    {"siblings_3", "a key with 3+ siblings", [](const RunStats& s) { return s.max_siblings >= 3; }},
    {"gave_up", "a client gave up", [](const RunStats& s) { return s.client_gave_up > 0; }},
    {"duplicate", "a duplicate delivered", [](const RunStats& s) { return s.duplicated > 0; }},
    {"stale_rejected", "a stale write rejected",
     [](const RunStats& s) { return s.writes_rejected > 0; }},
    {"amnesia", "an amnesia crash", [](const RunStats& s) { return s.amnesia_crashes > 0; }},
    // A node accepted a client's resolve after a heal earlier in the run.
    {"resolve_after_heal", "a resolve after a heal",
     [](const RunStats& s) { return s.resolves_after_heal > 0; }},
};
inline constexpr size_t kCoverageCount = std::size(kCoverage);

// The counter's index in kCoverage, or none.
std::optional<size_t> coverage_index(std::string_view name);

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
  // Coverage: did this seed's run reach each situation of kCoverage at all?
  std::array<bool, kCoverageCount> coverage{};
  // Time to convergence after the last fault: from the last fault
  // (partition, heal, crash or restart) to the last store change after it
  // (an apply that left a new sibling on any node; 0 if none came after),
  // when the run ends converged (the `converged` check holds). None when the
  // run had no fault, ends not converged, or stopped at the history's cap.
  std::optional<int64_t> convergence_us;
  // A swarm sweep's (the scenario has a swarm section): what the seed drew.
  std::optional<SwarmDraw> swarm;
  // The mechanism the seed ran under when not client-vv, or "".
  std::string mechanism;
};

// One run with its history hashed, never written (history/writer.h's
// fingerprint-only mode), capped at `max_history` bytes as `kvsim run
// --max-history` caps it: what a sweep makes of each seed and the shrinker
// of each candidate. `writer` is reopened for the run (a caller running many
// keeps one, its buffer allocated once).
struct QuietRun {
  bool stopped = false;  // the history reached its cap: no checks
  uint64_t fingerprint = 0;
  RunStats stats;
  std::vector<CheckResult> checks;
};
QuietRun run_quiet(const Scenario& scenario, uint64_t seed, uint64_t max_history,
                   history::HistoryWriter& writer);

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
