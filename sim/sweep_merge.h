// Shards of a sweep made one (`kvsim sweep-merge`): every shard folder's
// summary.json and sweep.jsonl read back, checked to be shards of one sweep
// that cover its seed range exactly once, and their records put in seed
// order.
//
// The merged sweep.jsonl is the shards' lines byte for byte, so a line that
// is not exactly as kvsim writes a record is refused (sweep_report.h's
// record_form_problem says why): the merged files are then the ones the
// unsharded sweep writes. Every refusal is bad input naming the folder, or
// the file and line; a file that cannot be read is its read_file error.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "sim/sweep.h"
#include "sim/sweep_report.h"

namespace kv::sim {

// The most of a shard's sweep.jsonl that is read (a few hundred bytes a
// seed, sweep_plan.h's kMaxSweepSeeds of them).
inline constexpr size_t kMaxSweepRecordsBytes = size_t{8} << 30;

struct MergedSweep {
  SweepInfo info;                   // the sweep's, as its first shard names it
  std::string records;              // sweep.jsonl: every shard's lines, in seed order
  std::vector<SeedResult> results;  // the same records read, in seed order
};

// Reads the shard folders `dirs` (each written by `kvsim sweep --shard`) and
// merges them. The records are parsed on every core.
Result<MergedSweep> merge_shards(const std::vector<std::string>& dirs);

}  // namespace kv::sim
