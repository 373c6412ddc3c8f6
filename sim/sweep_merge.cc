#include "sim/sweep_merge.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "base/file.h"

namespace kv::sim {

namespace {

// A line of a shard's sweep.jsonl, its newline included.
struct RecordLine {
  std::string text;
  size_t dir;     // its shard's index in `dirs`
  size_t number;  // its line number there
};

// Shards of one sweep agree on everything that names it but the shard.
bool same_sweep(const SweepInfo& a, const SweepInfo& b) {
  return a.scenario == b.scenario && a.file == b.file && a.scenario_hash == b.scenario_hash &&
         a.first == b.first && a.last == b.last && a.required == b.required && a.swarm == b.swarm &&
         a.mutant == b.mutant && a.mechanism == b.mechanism;
}

// `dirs[d]`'s summary.json, which must name the same sweep as `info` (the
// first shard's, which d == 0 fills in).
Status read_shard_summary(const std::vector<std::string>& dirs, size_t d, SweepInfo& info) {
  const std::string summary_path = dirs[d] + "/summary.json";
  const Result<std::string> summary_text = read_file(summary_path, kMaxSummaryBytes);
  if (!summary_text.ok()) return summary_text.status();
  const Result<SweepInfo> read = read_sweep_info(*summary_text, summary_path);
  if (!read.ok()) return read.status();
  if (d == 0) {
    info = *read;
  } else if (!same_sweep(*read, info)) {
    return Status::bad_input(dirs[d] + " is not a shard of the same sweep as " + dirs[0] +
                             " (scenario, file, its hash, the seed range, --require, --swarm, "
                             "--mutant and --mechanism must match)");
  }
  return Status();
}

// `dirs[d]`'s sweep.jsonl split into lines, each ending in a newline.
Status read_shard_lines(const std::vector<std::string>& dirs, size_t d,
                        std::vector<RecordLine>& lines) {
  const std::string records_path = dirs[d] + "/sweep.jsonl";
  const Result<std::string> records = read_file(records_path, kMaxSweepRecordsBytes);
  if (!records.ok()) return records.status();
  size_t line_number = 0;
  for (size_t at = 0; at < records->size();) {
    ++line_number;
    const size_t end = records->find('\n', at);
    if (end == std::string::npos) {
      return Status::bad_input(records_path + ":" + std::to_string(line_number) +
                               ": the last line has no end");
    }
    lines.push_back({records->substr(at, end + 1 - at), d, line_number});
    at = end + 1;
  }
  return Status();
}

// Parsing the records is most of a merge's work: it runs on every core.
// parsed[i] says whether lines[i] is a record of a seed in first..last.
void parse_records(const std::vector<RecordLine>& lines, uint64_t first, uint64_t last,
                   std::vector<SeedResult>& results, std::vector<char>& parsed) {
  results.assign(lines.size(), SeedResult());
  parsed.assign(lines.size(), 0);
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next.fetch_add(1); i < lines.size(); i = next.fetch_add(1)) {
      parsed[i] = parse_record(lines[i].text, results[i]) && results[i].seed >= first &&
                  results[i].seed <= last;
    }
  };
  std::vector<std::thread> threads(std::max(1u, std::thread::hardware_concurrency()) - 1);
  for (std::thread& t : threads) t = std::thread(work);
  work();
  for (std::thread& t : threads) t.join();
}

}  // namespace

Result<MergedSweep> merge_shards(const std::vector<std::string>& dirs) {
  MergedSweep merged;
  SweepInfo& info = merged.info;
  std::vector<RecordLine> lines;
  for (size_t d = 0; d < dirs.size(); ++d) {
    if (Status s = read_shard_summary(dirs, d, info); !s.ok()) return s;
    if (Status s = read_shard_lines(dirs, d, lines); !s.ok()) return s;
  }
  std::vector<SeedResult> results;
  std::vector<char> parsed;
  parse_records(lines, info.first, info.last, results, parsed);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!parsed[i]) {
      const std::string why = record_form_problem(lines[i].text);
      return Status::bad_input(dirs[lines[i].dir] +
                               "/sweep.jsonl:" + std::to_string(lines[i].number) +
                               ": not a record of this sweep" + (why.empty() ? "" : ": " + why));
    }
  }
  std::vector<size_t> order(results.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return results[a].seed < results[b].seed; });
  // Every seed of the range once.
  const uint64_t want = info.last - info.first;
  if (results.empty() || results.size() - 1 != want) {
    std::string why = "the shards hold " + std::to_string(results.size()) + " seeds of " +
                      std::to_string(info.first) + ".." + std::to_string(info.last);
    return Status::bad_input(why + ": a shard is missing or given twice");
  }
  merged.results.reserve(results.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const SeedResult& r = results[order[k]];
    if (r.seed != info.first + k) {
      return Status::bad_input("seed " + std::to_string(info.first + k) +
                               " is missing or given twice in the shards");
    }
    merged.records += lines[order[k]].text;
    merged.results.push_back(r);
  }
  return merged;
}

}  // namespace kv::sim
