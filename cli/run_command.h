// `kvsim run FILE`: load a scenario, simulate it, write the history, the
// summary and the pictures, check the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/json_text.h"
#include "node/causality.h"
#include "sim/network.h"
#include "sim/scenario.h"

namespace kv::cli {

// The default cap on a run's history file: 4 GiB (`--max-history`).
inline constexpr uint64_t kDefaultMaxHistoryBytes = uint64_t{4} << 30;
// A run estimated past this many events gets a warning before it starts
// (about 10 s at the simulator's speed with its history on, a few GB of history).
inline constexpr uint64_t kLargeRunEvents = 20000000;

struct RunOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;  // overrides the scenario's
  std::string out_dir;           // default out/<scenario name>/
  bool quiet = false;
  bool render = true;
  bool explain = false;
  uint64_t max_history = kDefaultMaxHistoryBytes;  // UINT64_MAX: no cap
  // Run what the seed draws within the scenario's `swarm:` bounds (or the
  // default bounds without one): sim/swarm.h.
  bool swarm = false;
  // Every node is this shell command, run as a process per node
  // (cli/node_processes.h, sim/outside_node.h); empty: the built-in replicas.
  std::string node_cmd;
  int64_t node_timeout_us = 10000000;  // the longest a node may take to react
  // --mechanism: overrides the scenario's `mechanism:` (node/causality.h).
  std::optional<Mechanism> mechanism;
};

// Exit status (cli/exit_status.h): 0 every check as expected, 1 a check
// failed, 2 a bad scenario, 3 the history reached `max_history`: the run
// stopped there, keeping the history so far (whole lines) and a summary
// saying so, 4 the scenario cannot be read or an output cannot be written
// (the history's write failing part way stops the run there). With
// `node_cmd`: 4 when a node fails while the cluster starts (the command
// cannot be run as a node), 1 when one fails later (exits, goes silent
// past node_timeout_us, or writes what the protocol does not have); the
// history stops there, and the summary says so.
int run_scenario(const RunOptions& options);

// The scenario a run (or a sweep) simulates: the loaded one without its
// swarm section, or with --swarm, with the section (its defaults when the
// file has none) for each seed to draw from.
void set_swarm(sim::Scenario& scenario, bool swarm);

// Loads FILE for run, sweep or shrink, its swarm section as --swarm says
// (set_swarm). A failure says "FILE:LINE: what is wrong" (or the I/O error):
// the caller prints it as it is, fail(status, "").
Result<sim::Scenario> load_for_command(const std::string& path, bool swarm);

// What seed `seed` of `scenario` (after set_swarm) runs: its swarm draw when
// it has a swarm section, else the scenario itself.
sim::Scenario scenario_for_seed(const sim::Scenario& scenario, uint64_t seed);

// "4GiB", "500MB", "10gb", "1000000" (bytes), "unlimited" (UINT64_MAX): KB,
// MB, GB, TB are powers of 1000, KiB, MiB, GiB, TiB of 1024; case does not
// matter. False for anything else, zero, or more than UINT64_MAX bytes.
bool parse_size(std::string_view text, uint64_t& bytes);

// "4 GiB", "500 MB", "1234 bytes": a size as parse_size would read it back.
std::string format_size(uint64_t bytes);

}  // namespace kv::cli
