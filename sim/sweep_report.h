// A sweep's reports: the records of sweep.jsonl (one line a seed), written
// and read back; the tally of a sweep's records; its coverage requirements;
// and summary.json. `kvsim sweep` writes them and `kvsim sweep-merge` reads
// shards' records back and writes the merged sweep's, through the same code.
//
// A record is written exactly as record_line writes it, and sweep-merge
// copies shards' lines byte for byte, so reading one back also checks its
// form (record_form_problem). The coverage counters are sim/sweep.h's
// kCoverage table, in its order, everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json_text.h"
#include "base/status.h"
#include "sim/sweep.h"

namespace kv::sim {

// Failing seeds listed per check, in the table and summary.json.
inline constexpr size_t kListedSeeds = 20;

// What names a sweep, besides its records.
struct SweepInfo {
  std::string scenario;
  std::string file;
  std::string scenario_hash;
  uint64_t first = 0;  // the whole sweep's range
  uint64_t last = 0;
  // A shard's: its index (1-based) and count, and its slice.
  uint64_t shard = 0;
  uint64_t shards = 0;
  uint64_t shard_first = 0;
  uint64_t shard_last = 0;
  // --require: coverage counter name, the least percentage of seeds.
  std::vector<std::pair<std::string, uint64_t>> required;
  bool swarm = false;     // --swarm: each seed ran its own draw
  std::string mutant;     // --mutant (a build with mutants): the planted bug, or ""
  std::string mechanism;  // the mechanism when not client-vv (--mechanism or the file's), or ""
};

// What a failing check names, as summary.json's checks and sweep.jsonl's
// failure write it: "node" ("n2"), "key", "time" (base/time_text.h's text),
// each null when the check names none.
void write_offence(json::Json& into, const std::optional<NodeIndex>& node,
                   const std::optional<std::string>& key, const std::optional<int64_t>& time_us);

// One line of sweep.jsonl, its newline included.
std::string record_line(const SeedResult& r);
// A line of sweep.jsonl read back; false if it is not one as record_line
// writes it.
bool parse_record(const std::string& line, SeedResult& r);
// Why `line` is not a record as record_line writes it (a CR before the line
// end, a field kvsim does not write, other spacing or order, not JSON); ""
// when it is.
std::string record_form_problem(const std::string& line);

// The I-th (1-based) of N contiguous slices of first..last, as even as
// they go.
// --shard "I/N" for a range of `count` seeds: 1 <= I <= N <= count, or bad
// input saying why.
Status parse_shard(std::string_view text, uint64_t count, uint64_t& index, uint64_t& shards);

void shard_slice(uint64_t first, uint64_t last, uint64_t index, uint64_t shards,
                 uint64_t& slice_first, uint64_t& slice_last);

// Per check: seeds as expected, seeds not, the first failing ones.
struct CheckTally {
  uint64_t passed = 0;
  uint64_t failed = 0;
  std::vector<uint64_t> failing;  // the first kListedSeeds
};

struct Tally {
  std::vector<std::pair<std::string, CheckTally>> checks;  // first seen first
  uint64_t seeds = 0;
  uint64_t failed = 0;
  std::vector<uint64_t> failing;                    // the first kListedSeeds
  uint64_t stopped = 0;                             // runs that reached the history cap
  std::array<uint64_t, kCoverageCount> coverage{};  // seeds that reached each
  std::vector<int64_t> convergence_us;              // of the seeds that have one, sorted
};
Tally tally(const std::vector<SeedResult>& results);

// The p-th percentile of sorted, non-empty `values` by nearest rank: the
// smallest value with at least p% of the values at or below it.
int64_t percentile(const std::vector<int64_t>& values, uint64_t p);

// The seeds that reached coverage `name`, if there is such a counter.
std::optional<uint64_t> coverage_count(const Tally& t, std::string_view name);
// True if `n` of `runs` seeds is at least `percent` of them.
bool meets(uint64_t n, uint64_t runs, uint64_t percent);
// Every requirement met. A shard's slice is not the sweep: its coverage is
// judged once, when sweep-merge has every seed (a shard's summary says
// "met": null).
bool requirements_met(const SweepInfo& info, const Tally& t);
// "siblings=50%" (or "siblings=50"): a coverage counter and a percentage.
Status parse_requirement(std::string_view text, std::pair<std::string, uint64_t>& out);

// summary.json of a sweep (or of a shard of one).
json::Json summary_json(const SweepInfo& info, const Tally& t);
// A shard's summary.json read back into what names its sweep.
Result<SweepInfo> read_sweep_info(const std::string& text, const std::string& path);

}  // namespace kv::sim
