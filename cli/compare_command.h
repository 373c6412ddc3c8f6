// `kvsim compare FILE --mechanisms client-vv,server-vv,dvv,lww --seeds A..B`:
// one scenario, the same seeds, run under each mechanism (sim/compare.h),
// and the comparison written into its folder (default
// out/<scenario name>-compare):
//   compare.json  every count, per mechanism and per seed (sim/compare.h);
//   compare.dat, compare.gp  the chart's data and gnuplot script;
//   compare.svg, compare.png  the chart, drawn by gnuplot;
//   compare.html  the table, the chart and a sentence per mechanism.
// The table and the sentences are printed too. Exit status
// (cli/exit_status.h): 0 done; 2 bad input (an unknown or repeated
// mechanism, a mechanism the scenario refuses, a bad seed range, a scenario
// that does not load, a folder holding a run's or a sweep's output); 4 a
// file cannot be written, or gnuplot cannot draw (compare.json and the page
// are written first).
#pragma once

#include <string>

namespace kv::cli {

struct CompareOptions {
  std::string scenario_path;
  std::string mechanisms = "client-vv,server-vv,dvv,lww";  // comma-separated
  std::string seeds;                                       // "A..B", inclusive
  unsigned jobs = 0;                                       // 0: one per core
  std::string out_dir;                                     // default out/<scenario name>-compare
  std::string command;                                     // the command line, for the page
};

// At most this many seeds in one comparison (each runs once per mechanism).
inline constexpr uint64_t kMaxCompareSeeds = 1000000;

int run_compare(const CompareOptions& options);

}  // namespace kv::cli
