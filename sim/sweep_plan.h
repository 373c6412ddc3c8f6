// A sweep's plan: from a loaded scenario and what the command line asks,
// the seeds this process runs and the SweepInfo that names the sweep in its
// summary.json (and that sweep-merge compares across shards).
//
// The seeds are --seeds when given, else the scenario's `sweep: seeds:`;
// the requirements are the scenario's `sweep: require:` with --require's
// merged over them (a counter given on both takes the command line's
// percentage, in the scenario's place); --shard I/N narrows the run to the
// I-th of N contiguous slices. A process runs at most kMaxSweepSeeds seeds.
// Every refusal is bad input, in the order the command line is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "sim/scenario.h"
#include "sim/sweep_report.h"

namespace kv::sim {

// At most this many seeds run in one process (a shard's slice counts):
// the results are held until the end. Beyond, shard the sweep.
inline constexpr uint64_t kMaxSweepSeeds = 10000000;

// What the command line asks of a sweep.
struct SweepRequest {
  std::string scenario_path;         // the file the scenario was loaded from
  std::string seeds;                 // "A..B", inclusive; empty: the scenario's `sweep: seeds:`
  std::string shard;                 // "I/N" (1 <= I <= N), or empty: the whole range
  std::vector<std::string> require;  // "COUNTER=PERCENT" each
  bool swarm = false;
};

struct SweepPlan {
  SweepInfo info;  // everything but what the records hold
  // The seeds this process runs: the shard's slice, or the whole range.
  uint64_t slice_first = 0;
  uint64_t slice_last = 0;
};

// The plan for sweeping `scenario` (loaded from request.scenario_path, its
// mechanism already final) as `request` asks. The scenario's hash is of the
// file's text read once more (of "" if it cannot be read now).
Result<SweepPlan> plan_sweep(const Scenario& scenario, const SweepRequest& request);

}  // namespace kv::sim
