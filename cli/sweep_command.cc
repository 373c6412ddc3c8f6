#include "cli/sweep_command.h"

#include "cli/shrink_command.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>

#include <unistd.h>

#include "base/file.h"
#include "base/hash.h"
#include "base/json_text.h"
#include "base/number_text.h"
#include "base/time_text.h"
#include "cli/exit_status.h"
#include "cli/output_folder.h"
#include "cli/run_command.h"
#include "node/mutant.h"
#include "sim/scenario.h"
#include "sim/sweep.h"
#include "sim/sweep_report.h"
#include "sim/yaml_values.h"

namespace kv::cli {

namespace {

using json::Json;
using sim::SeedResult;
using sim::SweepInfo;
using sim::Tally;

// What sweep-merge reads at most: a shard's summary.json, and its
// sweep.jsonl (a few hundred bytes a seed, kMaxSweepSeeds of them).
constexpr size_t kMaxScenarioSummaryBytes = size_t{1} << 20;
constexpr size_t kMaxSweepRecordsBytes = size_t{8} << 30;

// "A..B" with A <= B.
Status parse_seeds(std::string_view text, uint64_t& first, uint64_t& last) {
  const auto range = sim::yaml::parse_seed_range(text);
  if (!range) {
    return Status::bad_input("--seeds: '" + std::string(text) +
                             "' is not a range A..B of seeds with A <= B (e.g. 1..1000)");
  }
  std::tie(first, last) = *range;
  return Status();
}

std::string seed_list(const std::vector<uint64_t>& seeds, uint64_t count) {
  std::string out;
  for (uint64_t s : seeds) out += (out.empty() ? "" : " ") + std::to_string(s);
  if (count > seeds.size()) out += " ...";
  return out;
}

void print_table(const SweepInfo& info, const Tally& t) {
  std::printf("%-24s %10s %10s  %s\n", "check", "passed", "failed", "failing seeds");
  for (const auto& [name, c] : t.checks) {
    const std::string seeds = seed_list(c.failing, c.failed);
    std::printf(
        "%-24s %10llu %10llu%s%s\n", name.c_str(), static_cast<unsigned long long>(c.passed),
        static_cast<unsigned long long>(c.failed), seeds.empty() ? "" : "  ", seeds.c_str());
  }
  if (t.stopped > 0) {
    std::printf("%-24s %10s %10llu\n", "(history cap reached)", "",
                static_cast<unsigned long long>(t.stopped));
  }
  const auto share = [&](std::string_view what, uint64_t n) {
    std::printf("  %-28.*s %llu of %llu seeds\n", static_cast<int>(what.size()), what.data(),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(t.seeds));
  };
  std::printf("coverage:\n");
  for (size_t i = 0; i < sim::kCoverageCount; ++i) share(sim::kCoverage[i].label, t.coverage[i]);
  if (t.convergence_us.empty()) {
    std::printf("time to convergence after the last fault: no seed has one\n");
  } else {
    const std::vector<int64_t>& c = t.convergence_us;
    std::printf(
        "time to convergence after the last fault: p50 %s, p99 %s, max %s (%zu of %llu "
        "seeds)\n",
        format_time(sim::percentile(c, 50)).c_str(), format_time(sim::percentile(c, 99)).c_str(),
        format_time(c.back()).c_str(), c.size(), static_cast<unsigned long long>(t.seeds));
  }
  for (const auto& [name, percent] : info.required) {
    const uint64_t n = sim::coverage_count(t, name).value_or(0);
    const bool met = sim::meets(n, t.seeds, percent);
    if (info.shards > 0) {
      std::printf(
          "required: %s on at least %llu%% of the seeds: %llu of this shard's %llu (judged when "
          "sweep-merge has every shard)\n",
          name.c_str(), static_cast<unsigned long long>(percent),
          static_cast<unsigned long long>(n), static_cast<unsigned long long>(t.seeds));
      continue;
    }
    std::printf("required: %s on at least %llu%% of the seeds: %llu of %llu, %s\n", name.c_str(),
                static_cast<unsigned long long>(percent), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(t.seeds), met ? "met" : "NOT MET");
    if (!met) {
      std::fprintf(stderr,
                   "kvsim: the sweep misses its required coverage: %s on %llu of %llu seeds, "
                   "less than %llu%%\n",
                   name.c_str(), static_cast<unsigned long long>(n),
                   static_cast<unsigned long long>(t.seeds),
                   static_cast<unsigned long long>(percent));
    }
  }
  if (t.failed == 0) {
    std::printf("all %llu seeds as the scenario expects\n",
                static_cast<unsigned long long>(t.seeds));
  } else {
    std::printf("%llu of %llu seeds failed: %s\nrerun one: kvsim run %s --seed %llu%s\n",
                static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.seeds),
                seed_list(t.failing, t.failed).c_str(), info.file.c_str(),
                static_cast<unsigned long long>(t.failing.front()), info.swarm ? " --swarm" : "");
  }
}

// A sweep owns its folder's seed-S/ folders: those of an earlier sweep there
// (a folder holding sweep.jsonl) go, so that every one describes this sweep's
// failures. Only folders named seed-DIGITS that hold a summary.json.
Status remove_earlier_kept_runs(const std::string& out_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(out_dir) / "sweep.jsonl", ec)) return Status();
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("seed-", 0) == 0 && parse_u64(std::string_view(name).substr(5)) &&
        it->is_directory(ec) && fs::exists(it->path() / "summary.json", ec)) {
      stale.push_back(it->path());
    }
  }
  for (const fs::path& path : stale) {
    fs::remove_all(path, ec);
    if (ec) {
      return Status::io_error("cannot remove " + path.string() +
                              " (an earlier sweep's): " + ec.message());
    }
  }
  return Status();
}

Status write_outputs(const std::string& out_dir, const std::string& lines, const SweepInfo& info,
                     const Tally& t) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status::io_error("cannot create " + out_dir + ": " + ec.message());
  if (Status s = write_file(out_dir + "/sweep.jsonl", lines); !s.ok()) return s;
  return write_file(out_dir + "/summary.json", json::dump(sim::summary_json(info, t)) + "\n");
}

// The progress line on stderr: seeds done of total, failures so far,
// seeds/s, time left. Wall time never reaches the sweep's files.
struct SweepProgress {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  uint64_t total = 0;

  static void report(void* ctx, uint64_t done, uint64_t failed) {
    auto* self = static_cast<SweepProgress*>(ctx);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - self->start).count();
    const double rate = wall > 0 ? static_cast<double>(done) / wall : 0;
    const double left = rate > 0 ? static_cast<double>(self->total - done) / rate : 0;
    std::fprintf(
        stderr, "\rkvsim sweep: %llu of %llu seeds, %llu failed, %.0f seeds/s, %.0f s left ",
        static_cast<unsigned long long>(done), static_cast<unsigned long long>(self->total),
        static_cast<unsigned long long>(failed), rate, left);
    if (done == self->total) std::fprintf(stderr, "\n");
  }
};

}  // namespace

int run_sweep(const SweepOptions& options) {
  const Result<sim::Scenario> loaded = load_for_command(options.scenario_path, options.swarm);
  if (!loaded.ok()) return fail(loaded.status(), "");
  sim::Scenario with_mechanism = *loaded;
  if (options.mechanism) {
    with_mechanism.mechanism = *options.mechanism;
    if (const Status refused = sim::mechanism_fits(with_mechanism); !refused.ok()) {
      return fail(Status::bad_input("--mechanism: " + refused.message()));
    }
  }
  const sim::Scenario& scenario = with_mechanism;
  // --seeds overrides the scenario's `sweep: seeds:`.
  uint64_t first = 0, last = 0;
  if (!options.seeds.empty()) {
    if (Status s = parse_seeds(options.seeds, first, last); !s.ok()) return fail(s);
  } else if (scenario.sweep.seeds) {
    std::tie(first, last) = *scenario.sweep.seeds;
  } else {
    return fail(
        Status::bad_input("no seeds to sweep: give --seeds A..B, or `sweep: seeds: A..B` "
                          "in " +
                          options.scenario_path));
  }
  SweepInfo info;
  info.first = first;
  info.last = last;
  info.swarm = options.swarm;
  if (scenario.mechanism != Mechanism::kClientVv) {
    info.mechanism = std::string(mechanism_name(scenario.mechanism));
  }
  if (active_mutant != Mutant::kNone) info.mutant = mutant_name(active_mutant);
  // The scenario's `sweep: require:`, then --require: a counter given on the
  // command line too takes the command line's percentage, in its place.
  info.required = scenario.sweep.require;
  for (const std::string& text : options.require) {
    std::pair<std::string, uint64_t> requirement;
    if (Status s = sim::parse_requirement(text, requirement); !s.ok()) return fail(s);
    auto same = std::find_if(info.required.begin(), info.required.end(),
                             [&](const auto& r) { return r.first == requirement.first; });
    if (same != info.required.end()) {
      same->second = requirement.second;
    } else {
      info.required.push_back(requirement);
    }
  }
  uint64_t slice_first = first, slice_last = last;
  if (!options.shard.empty()) {
    const uint64_t count_minus_one = last - first;
    const uint64_t count = count_minus_one == UINT64_MAX ? UINT64_MAX : count_minus_one + 1;
    if (Status s = sim::parse_shard(options.shard, count, info.shard, info.shards); !s.ok()) {
      return fail(s);
    }
    sim::shard_slice(first, last, info.shard, info.shards, slice_first, slice_last);
    info.shard_first = slice_first;
    info.shard_last = slice_last;
  }
  if (slice_last - slice_first >= kMaxSweepSeeds) {
    return fail(Status::bad_input("seeds " + std::to_string(first) + ".." + std::to_string(last) +
                                  " are more than " + std::to_string(kMaxSweepSeeds) +
                                  " seeds for one process; split them with --shard I/N"));
  }

  // Read once more for its hash; it was read a moment ago, so a failure now
  // leaves the hash of an empty text rather than stopping the sweep.
  const Result<std::string> read = read_file(options.scenario_path, sim::kMaxScenarioBytes);
  const std::string text = read.ok() ? *read : std::string();
  info.scenario = scenario.name;
  info.file = options.scenario_path;
  info.scenario_hash = hex64(stable_hash(text.data(), text.size()));
  std::string out_dir = options.out_dir;
  if (out_dir.empty()) {
    out_dir = "out/" + scenario.name + "-sweep";
    if (info.shards > 0) {
      out_dir += "-" + std::to_string(info.shard) + "-of-" + std::to_string(info.shards);
    }
  }
  if (Status s = check_output_folder(out_dir, FolderHolds::kSweep, "kvsim sweep"); !s.ok()) {
    return fail(s);
  }
  unsigned jobs = options.jobs;
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());

  const auto start = std::chrono::steady_clock::now();
  SweepProgress progress;
  progress.total = slice_last - slice_first + 1;
  const bool show = options.progress || isatty(STDERR_FILENO);
  const std::vector<SeedResult> results =
      sim::run_seeds(scenario, slice_first, slice_last, jobs, kDefaultMaxHistoryBytes,
                     show ? &SweepProgress::report : nullptr, &progress);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (Status s = remove_earlier_kept_runs(out_dir); !s.ok()) return fail(s);
  std::string lines;
  for (const SeedResult& r : results) lines += sim::record_line(r);
  const Tally t = sim::tally(results);
  if (Status s = write_outputs(out_dir, lines, info, t); !s.ok()) return fail(s);

  std::printf("%s: %sseeds %llu..%llu", scenario.name.c_str(), info.swarm ? "swarm, " : "",
              static_cast<unsigned long long>(slice_first),
              static_cast<unsigned long long>(slice_last));
  if (info.shards > 0) {
    std::printf(" (shard %llu of %llu of %llu..%llu)", static_cast<unsigned long long>(info.shard),
                static_cast<unsigned long long>(info.shards),
                static_cast<unsigned long long>(first), static_cast<unsigned long long>(last));
  }
  std::printf(", %zu runs on %llu jobs in %.2f s (%.0f seeds/s); results in %s\n", results.size(),
              static_cast<unsigned long long>(std::min<uint64_t>(jobs, results.size())), wall,
              static_cast<double>(results.size()) / std::max(wall, 1e-9), out_dir.c_str());
  print_table(info, t);
  std::fflush(stdout);

  // The first failures get their whole run folder, as `kvsim run` writes it.
  // Only the runs written are announced; one that cannot be written (a file
  // where its folder goes, a full disk) ends the keeping, and the sweep ends
  // with that run's status (4): the verdicts are in sweep.jsonl, the runs
  // are not. (A run that passes is kept: the fingerprint below says why.)
  uint64_t kept = 0;
  int keeping_failed = kExitOk;
  for (const SeedResult& r : results) {
    if (r.ok || kept >= options.keep_failures || keeping_failed != kExitOk) continue;
    RunOptions run;
    run.scenario_path = options.scenario_path;
    run.seed = r.seed;
    run.out_dir = out_dir + "/seed-" + std::to_string(r.seed);
    run.quiet = true;
    run.swarm = options.swarm;
    run.mechanism = options.mechanism;
    const int status = run_scenario(run);
    if (status == kExitIoError || status == kExitBadInput) {
      std::fprintf(stderr,
                   "kvsim: seed %llu's run could not be kept in %s (kvsim run ended with exit "
                   "status %d); no more failing runs are kept\n",
                   static_cast<unsigned long long>(r.seed), run.out_dir.c_str(), status);
      keeping_failed = status;
      continue;
    }
    ++kept;
    // The kept run is the swept one: a different fingerprint would be a
    // determinism bug, said loudly.
    const Result<std::string> kept_summary =
        read_file(run.out_dir + "/summary.json", kMaxScenarioSummaryBytes);
    std::string fingerprint;
    try {
      if (kept_summary.ok()) {
        fingerprint = Json::parse(*kept_summary).at("fingerprint").get<std::string>();
      }
    } catch (const nlohmann::json::exception&) {
    }
    if (fingerprint.empty()) {
      std::fprintf(stderr,
                   "kvsim: seed %llu: the kept run's %s/summary.json cannot be read back "
                   "(%s), so its fingerprint is not compared with the sweep's\n",
                   static_cast<unsigned long long>(r.seed), run.out_dir.c_str(),
                   kept_summary.ok() ? "no fingerprint in it" : kept_summary.error().c_str());
    } else if (fingerprint != hex64(r.fingerprint)) {
      std::fprintf(stderr,
                   "kvsim: seed %llu: the kept run's fingerprint %s is not the sweep's %s "
                   "(a determinism bug)\n",
                   static_cast<unsigned long long>(r.seed), fingerprint.c_str(),
                   hex64(r.fingerprint).c_str());
    }
  }
  if (kept > 0) {
    std::printf("the first %llu failing seeds' runs: %s/seed-S/\n",
                static_cast<unsigned long long>(kept), out_dir.c_str());
  }
  if (options.shrink) {
    for (const SeedResult& r : results) {
      if (r.ok) continue;
      ShrinkOptions shrink;
      shrink.out_dir = out_dir + "/shrunk";
      const int status = shrink_scenario(scenario_for_seed(scenario, r.seed), r.seed, shrink);
      if (status == kExitIoError) return status;
      break;
    }
  }
  if (keeping_failed != kExitOk) return keeping_failed;
  return t.failed == 0 && sim::requirements_met(info, t) ? kExitOk : kExitCheckFailed;
}

int run_sweep_merge(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (Status s = check_not_an_input(out_dir, dirs); !s.ok()) return fail(s);
  if (Status s = check_output_folder(out_dir, FolderHolds::kSweep, "kvsim sweep-merge"); !s.ok()) {
    return fail(s);
  }
  SweepInfo info;
  struct Line {
    std::string text;
    size_t dir;  // its shard's index in `dirs`, and its line number there
    size_t number;
  };
  std::vector<Line> lines;
  for (size_t d = 0; d < dirs.size(); ++d) {
    const std::string summary_path = dirs[d] + "/summary.json";
    const Result<std::string> summary_text = read_file(summary_path, kMaxScenarioSummaryBytes);
    if (!summary_text.ok()) return fail(summary_text.status());
    const Result<SweepInfo> read = sim::read_sweep_info(*summary_text, summary_path);
    if (!read.ok()) return fail(read.status());
    const SweepInfo& shard = read.value();
    if (d == 0) {
      info = shard;
    } else if (shard.scenario != info.scenario || shard.file != info.file ||
               shard.scenario_hash != info.scenario_hash || shard.first != info.first ||
               shard.last != info.last || shard.required != info.required ||
               shard.swarm != info.swarm || shard.mutant != info.mutant ||
               shard.mechanism != info.mechanism) {
      return fail(Status::bad_input(
          dirs[d] + " is not a shard of the same sweep as " + dirs[0] +
          " (scenario, file, its hash, the seed range, --require, --swarm, --mutant and "
          "--mechanism must match)"));
    }
    const std::string records_path = dirs[d] + "/sweep.jsonl";
    const Result<std::string> records = read_file(records_path, kMaxSweepRecordsBytes);
    if (!records.ok()) return fail(records.status());
    size_t line_number = 0;
    for (size_t at = 0; at < records->size();) {
      ++line_number;
      const size_t end = records->find('\n', at);
      if (end == std::string::npos) {
        return fail(Status::bad_input(records_path + ":" + std::to_string(line_number) +
                                      ": the last line has no end"));
      }
      lines.push_back({records->substr(at, end + 1 - at), d, line_number});
      at = end + 1;
    }
  }
  // Parsing the records is most of a merge's work: it runs on every core.
  std::vector<SeedResult> results(lines.size());
  std::vector<char> parsed(lines.size(), 0);
  {
    std::atomic<size_t> next{0};
    const auto work = [&] {
      for (size_t i = next.fetch_add(1); i < lines.size(); i = next.fetch_add(1)) {
        parsed[i] = sim::parse_record(lines[i].text, results[i]) && results[i].seed >= info.first &&
                    results[i].seed <= info.last;
      }
    };
    std::vector<std::thread> threads(std::max(1u, std::thread::hardware_concurrency()) - 1);
    for (std::thread& t : threads) t = std::thread(work);
    work();
    for (std::thread& t : threads) t.join();
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!parsed[i]) {
      const std::string why = sim::record_form_problem(lines[i].text);
      return fail(
          Status::bad_input(dirs[lines[i].dir] + "/sweep.jsonl:" + std::to_string(lines[i].number) +
                            ": not a record of this sweep" + (why.empty() ? "" : ": " + why)));
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
    return fail(Status::bad_input(why + ": a shard is missing or given twice"));
  }
  std::string text;
  std::vector<SeedResult> sorted;
  sorted.reserve(results.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const SeedResult& r = results[order[k]];
    if (r.seed != info.first + k) {
      return fail(Status::bad_input("seed " + std::to_string(info.first + k) +
                                    " is missing or given twice in the shards"));
    }
    text += lines[order[k]].text;
    sorted.push_back(r);
  }
  const Tally t = sim::tally(sorted);
  if (Status s = write_outputs(out_dir, text, info, t); !s.ok()) return fail(s);
  std::printf("%s: seeds %llu..%llu merged from %zu folders into %s\n", info.scenario.c_str(),
              static_cast<unsigned long long>(info.first),
              static_cast<unsigned long long>(info.last), dirs.size(), out_dir.c_str());
  print_table(info, t);
  return t.failed == 0 && sim::requirements_met(info, t) ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
