// `kvsim sweep FILE --seeds A..B`: one scenario, many seeds, in process;
// `kvsim sweep-merge DIR...`: shards of a sweep made one.
//
// A sweep writes, into its folder:
//   sweep.jsonl   one line per seed, in seed order whatever --jobs:
//                 {"seed", "swarm" (with --swarm: the draw), "ok", "checks":
//                 {name: as expected}, "failure": null or {"check", "node",
//                 "key", "time", "detail"} (node, key, time null when the
//                 check names none), "events", "messages", "fingerprint",
//                 "coverage": {"siblings", ..., "resolve_after_heal"},
//                 "convergence": time text or null}
//   summary.json  computed from sweep.jsonl's records alone (so sweep-merge
//                 recomputes it byte for byte): the scenario, the seed range,
//                 per check seeds passed and failed and the first failing
//                 seeds, coverage counters, the time to convergence (p50,
//                 p99, max); a shard's also says which shard
//   seed-S/       for the first --keep-failures failing seeds: the folder
//                 `kvsim run FILE --seed S --out DIR/seed-S` writes
//   shrunk/       with --shrink: the first failing seed shrunk, as
//                 `kvsim shrink FILE --seed S --out DIR/shrunk` writes it
// and a table on stdout. Exit status as `kvsim run` (cli/exit_status.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/causality.h"

namespace kv::cli {

struct SweepOptions {
  std::string scenario_path;
  std::string seeds;    // "A..B", inclusive; empty: the scenario's `sweep: seeds:`
  unsigned jobs = 0;    // 0: one per core
  std::string out_dir;  // default out/<scenario name>-sweep[-I-of-N]
  std::string shard;    // "I/N" (1 <= I <= N), or empty: the whole range
  uint64_t keep_failures = 3;
  // "COUNTER=PERCENT": a coverage counter of summary.json that at least
  // PERCENT of the seeds must reach, or the sweep fails (exit 1). Added to
  // the scenario's `sweep: require:`; for the same counter, it overrides it.
  std::vector<std::string> require;
  bool progress = false;  // the progress line on stderr even when not a terminal
  // --swarm: each seed runs what it draws (sim/swarm.h), as `kvsim run
  // --seed S --swarm` does; its line in sweep.jsonl records the draw.
  bool swarm = false;
  bool shrink = false;  // shrink the first failing seed into DIR/shrunk (`kvsim shrink`)
  // --mechanism: overrides the scenario's `mechanism:` (node/causality.h).
  std::optional<Mechanism> mechanism;
};

// At most this many seeds run in one process (a shard's slice counts):
// the results are held until the end. Beyond, shard the sweep.
inline constexpr uint64_t kMaxSweepSeeds = 10000000;

int run_sweep(const SweepOptions& options);

// Merges shard folders (each written by `sweep --shard`) into `out_dir`:
// the sweep.jsonl and summary.json the unsharded sweep writes. Bad input
// (2) if the folders are not shards of one sweep covering its range once.
int run_sweep_merge(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace kv::cli
