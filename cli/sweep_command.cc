#include "cli/sweep_command.h"

#include "cli/shrink_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <unistd.h>

#include "base/time_text.h"
#include "cli/exit_status.h"
#include "cli/output_folder.h"
#include "cli/run_command.h"
#include "sim/scenario.h"
#include "sim/sweep.h"
#include "sim/sweep_merge.h"
#include "sim/sweep_plan.h"
#include "sim/sweep_report.h"

namespace kv::cli {

namespace {

using sim::SeedResult;
using sim::SweepInfo;
using sim::Tally;

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
  sim::SweepRequest request;
  request.scenario_path = options.scenario_path;
  request.seeds = options.seeds;
  request.shard = options.shard;
  request.require = options.require;
  request.swarm = options.swarm;
  const Result<sim::SweepPlan> plan = sim::plan_sweep(scenario, request);
  if (!plan.ok()) return fail(plan.status());
  const SweepInfo& info = plan->info;
  const uint64_t slice_first = plan->slice_first, slice_last = plan->slice_last;
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

  if (Status s = sim::remove_earlier_kept_runs(out_dir); !s.ok()) return fail(s);
  std::string lines;
  for (const SeedResult& r : results) lines += sim::record_line(r);
  const Tally t = sim::tally(results);
  if (Status s = sim::write_sweep_reports(out_dir, lines, info, t); !s.ok()) return fail(s);

  std::printf("%s: %sseeds %llu..%llu", scenario.name.c_str(), info.swarm ? "swarm, " : "",
              static_cast<unsigned long long>(slice_first),
              static_cast<unsigned long long>(slice_last));
  if (info.shards > 0) {
    std::printf(" (shard %llu of %llu of %llu..%llu)", static_cast<unsigned long long>(info.shard),
                static_cast<unsigned long long>(info.shards),
                static_cast<unsigned long long>(info.first),
                static_cast<unsigned long long>(info.last));
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
    const std::string problem = sim::kept_run_problem(run.out_dir, r);
    if (!problem.empty()) std::fprintf(stderr, "kvsim: %s\n", problem.c_str());
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
  const Result<sim::MergedSweep> merged = sim::merge_shards(dirs);
  if (!merged.ok()) return fail(merged.status());
  const SweepInfo& info = merged->info;
  const Tally t = sim::tally(merged->results);
  if (Status s = sim::write_sweep_reports(out_dir, merged->records, info, t); !s.ok()) {
    return fail(s);
  }
  std::printf("%s: seeds %llu..%llu merged from %zu folders into %s\n", info.scenario.c_str(),
              static_cast<unsigned long long>(info.first),
              static_cast<unsigned long long>(info.last), dirs.size(), out_dir.c_str());
  print_table(info, t);
  return t.failed == 0 && sim::requirements_met(info, t) ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
