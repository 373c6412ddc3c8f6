#include "sim/sweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "history/writer.h"
#include "sim/simulation.h"
#include "sim/swarm.h"

namespace kv::sim {

namespace {

// One seed, with a writer a thread keeps from seed to seed (its buffer is
// allocated once).
SeedResult run_one(const Scenario& scenario, uint64_t seed, uint64_t max_history,
                   history::HistoryWriter& history) {
  if (scenario.swarm) {
    auto [drawn, draw] = draw_swarm(scenario, seed);
    SeedResult r = run_one(drawn, seed, max_history, history);
    r.swarm = std::move(draw);
    return r;
  }
  QuietRun run = run_quiet(scenario, seed, max_history, history);
  SeedResult r;
  r.seed = seed;
  if (scenario.mechanism != Mechanism::kClientVv) {
    r.mechanism = std::string(mechanism_name(scenario.mechanism));
  }
  const RunStats& s = run.stats;
  r.events = s.events;
  r.messages = s.messages_sent;
  r.fingerprint = run.fingerprint;
  for (size_t i = 0; i < kCoverageCount; ++i) r.coverage[i] = kCoverage[i].reached(s);
  if (run.stopped) {
    r.ok = false;
    r.failed_check = "history_cap";
    r.failed_detail = "the history reached its cap after " + std::to_string(s.events) + " events";
    r.failed_time_us = s.end_us;
    return r;
  }
  for (CheckResult& c : run.checks) {
    r.checks.emplace_back(c.name, c.ok());
    if (c.name == "converged" && c.holds && s.last_fault_us >= 0) {
      r.convergence_us = s.last_change_after_fault_us - s.last_fault_us;
    }
    if (!c.ok() && r.ok) {
      r.ok = false;
      r.failed_check = c.name;
      r.failed_detail = std::move(c.detail);
      r.failed_node = c.node;
      r.failed_key = std::move(c.key);
      r.failed_time_us = c.time_us;
    }
  }
  return r;
}

}  // namespace

std::optional<size_t> coverage_index(std::string_view name) {
  for (size_t i = 0; i < kCoverageCount; ++i) {
    if (kCoverage[i].name == name) return i;
  }
  return std::nullopt;
}

QuietRun run_quiet(const Scenario& scenario, uint64_t seed, uint64_t max_history,
                   history::HistoryWriter& writer) {
  writer.open_fingerprint_only();
  writer.set_limit(max_history);
  Simulation simulation(scenario, seed, writer);
  simulation.run();
  (void)writer.close();  // no file: closing cannot fail
  QuietRun run;
  run.stopped = writer.stopped();
  run.fingerprint = writer.fingerprint();
  run.stats = simulation.stats();
  if (!run.stopped) run.checks = simulation.check();
  return run;
}

SeedResult run_seed(const Scenario& scenario, uint64_t seed, uint64_t max_history) {
  history::HistoryWriter history;
  return run_one(scenario, seed, max_history, history);
}

std::vector<SeedResult> run_seeds(const Scenario& scenario, uint64_t first, uint64_t last,
                                  unsigned jobs, uint64_t max_history,
                                  void (*progress)(void* ctx, uint64_t done, uint64_t failed),
                                  void* ctx) {
  const uint64_t count = last - first + 1;  // callers keep ranges to what memory holds
  std::vector<SeedResult> results(count);
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failed{0};
  const auto work = [&] {
    history::HistoryWriter history;
    for (uint64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      results[i] = run_one(scenario, first + i, max_history, history);
      if (!results[i].ok) failed.fetch_add(1, std::memory_order_relaxed);
      done.fetch_add(1, std::memory_order_release);
    }
  };
  jobs = static_cast<unsigned>(std::clamp<uint64_t>(jobs, 1, count));
  std::vector<std::thread> threads;
  // With progress to report, the calling thread reports and `jobs` threads
  // work; without, it is one of them.
  const unsigned helpers = progress == nullptr ? jobs - 1 : jobs;
  for (unsigned j = 0; j < helpers; ++j) threads.emplace_back(work);
  if (progress == nullptr) {
    work();
  } else {
    for (int tick = 0; done.load() < count; ++tick) {
      if (tick % 10 == 0) progress(ctx, done.load(), failed.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    progress(ctx, count, failed.load());
  }
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace kv::sim
