// `kvsim run FILE`: load a scenario, simulate it, write the history, the
// summary and the pictures, check the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kv::cli {

struct RunOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;  // overrides the scenario's
  std::string out_dir;           // default out/<scenario name>/
  bool quiet = false;
  bool render = true;
  bool explain = false;
};

// Exit status: 0 every check as expected, 1 a check failed, 2 a bad scenario
// (or an output folder that cannot be written).
int run_scenario(const RunOptions& options);

}  // namespace kv::cli
