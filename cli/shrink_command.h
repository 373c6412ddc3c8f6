// `kvsim shrink FILE --seed S`: a failing run reduced to a small standalone
// scenario that fails the same way (sim/shrink.h), written with the shrunk
// run's history, summary, pictures and story beside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/run_command.h"
#include "sim/scenario.h"

namespace kv::cli {

struct ShrinkOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;  // overrides the scenario's
  bool swarm = false;            // shrink what the seed draws (`kvsim run --swarm`)
  std::string out_dir;           // default out/<scenario name>-shrunk
  bool render = true;
  uint64_t max_history = kDefaultMaxHistoryBytes;  // each candidate run's cap
  // --mechanism: overrides the scenario's `mechanism:`; the shrunk file
  // keeps it.
  std::optional<Mechanism> mechanism;
};

// Exit status: 0 shrunk (the file fails as the original did and is
// 1-minimal), 1 could not shrink to a 1-minimal file (a workload or a loss
// rate left, or an event or node that can still go: said, and the smaller
// file written all the same), 2 bad input (a bad scenario, a sweep's folder
// as --out, or a seed on which every check holds), 3 the failing run reaches
// the history cap (no checks to shrink), 4 an I/O failure.
int run_shrink(const ShrinkOptions& options);

// The same for a scenario already in hand: `scenario` is what runs with the
// seed (a swarm draw passes the drawn scenario; its `path` names the file it
// came from).
int shrink_scenario(const sim::Scenario& scenario, uint64_t seed, const ShrinkOptions& options);

}  // namespace kv::cli
