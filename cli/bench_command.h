// `kvsim bench`: the reference workloads of BENCHMARKS.md, run through the real
// simulator (the same nodes, network, event queue and generator as `kvsim
// run`), reporting events per second and memory.
#pragma once

#include <cstdint>
#include <string>

#include "node/causality.h"

namespace kv::cli {

struct FanoutOptions {
  uint32_t nodes = 5;
  uint64_t keys = 1000;
  uint64_t puts = 200000;
  uint64_t seed = 1;
  std::string history;  // empty: no history
  // Keep the truth (history/truth.h) as `kvsim run` does; without, the
  // benchmark measures the simulator alone, since it prints no figures.
  bool truth = false;
  // The conflict-detection mechanism (node/causality.h). Under a server-side
  // one the colocated client sends the node's context for the key (the
  // merge of what the node holds), as `clock: auto` does in a scenario, and
  // the node stamps the write.
  Mechanism mechanism = Mechanism::kClientVv;
};

// W1: prints one JSON line. Returns the exit status.
int run_fanout(const FanoutOptions& options);

// W2: runs W1 at each size in a child process (so that each size's peak
// memory is its own) and prints a table.
int run_scale(uint64_t seed);

}  // namespace kv::cli
