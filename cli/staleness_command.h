// `kvsim staleness FILE...`: how stale are reads? PBS's t-visibility
// experiment on a scenario's cluster (sim/simulation.h, StalenessProbe):
// for each delta, the probability that a read sent delta after a write
// commits returns it (or something newer), with a 95% confidence interval
// (Wilson's), and the write and read latency percentiles. A table, or one
// JSON object with --json; with --out also staleness.json and a plot of
// probability against delta (staleness.svg, staleness.png) drawn by gnuplot,
// one line per file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kv::cli {

struct StalenessOptions {
  std::vector<std::string> scenario_paths;
  uint64_t trials = 10000;  // per delta
  std::string deltas = "0ms,1ms,10ms";
  uint64_t seed = 1;
  unsigned jobs = 0;  // 0: one per core
  bool json = false;
  std::string out_dir;  // empty: no files
};

// Exit status (cli/exit_status.h): 0 done, 2 bad input (a scenario, a
// delta), 4 an output cannot be written or gnuplot cannot be run.
int run_staleness(const StalenessOptions& options);

}  // namespace kv::cli
