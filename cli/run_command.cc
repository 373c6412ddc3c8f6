#include "cli/run_command.h"

#include "cli/viz_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "node/json_text.h"
#include "node/version.h"
#include "sim/history.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace kv::cli {

namespace {

using json::Json;
using Clock = std::chrono::steady_clock;

// Progress on stderr for runs longer than a second. Wall time never reaches
// the history or the summary.
struct Progress {
  Clock::time_point start = Clock::now();
  int64_t until_us = 0;
  bool shown = false;

  static void report(void* ctx, int64_t now_us, uint64_t events) {
    auto* self = static_cast<Progress*>(ctx);
    const double wall = std::chrono::duration<double>(Clock::now() - self->start).count();
    if (wall < 1.0) return;
    self->shown = true;
    std::fprintf(stderr, "\rkvsim: t=%s of %s, %llu events, %.1f s",
                 sim::format_time(now_us).c_str(), sim::format_time(self->until_us).c_str(),
                 static_cast<unsigned long long>(events), wall);
  }
};

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Json summary_json(const sim::Scenario& scenario, uint64_t seed, const std::string& text,
                  const sim::RunStats& s, const std::vector<sim::CheckResult>& checks,
                  uint64_t history_bytes) {
  Json j;
  j["scenario"] = scenario.name;
  j["description"] = scenario.description;
  j["file"] = scenario.path;
  j["seed"] = seed;
  j["scenario_hash"] = hex64(stable_hash(text.data(), text.size()));
  j["end_us"] = s.end_us;
  bool ok = true;
  for (const auto& c : checks) ok &= c.ok();
  j["ok"] = ok;
  Json& c = j["checks"];
  c = Json::object();
  for (const auto& check : checks) {
    c[check.name] = Json{{"ok", check.ok()},
                         {"holds", check.holds},
                         {"expected", check.expected},
                         {"detail", check.detail}};
  }
  Json& f = j["figures"];
  f["events"] = s.events;
  f["messages_sent"] = s.messages_sent;
  f["messages_delivered"] = s.messages_delivered;
  f["dropped_loss"] = s.dropped_loss;
  f["dropped_partition"] = s.dropped_partition;
  f["dropped_crashed"] = s.dropped_crashed;
  f["duplicated"] = s.duplicated;
  f["client_ops"] = s.client_ops;
  f["client_timeouts"] = s.client_timeouts;
  f["client_gave_up"] = s.client_gave_up;
  f["writes_accepted"] = s.writes_accepted;
  f["writes_rejected"] = s.writes_rejected;
  f["writes_refused"] = s.writes_refused;
  f["siblings_created"] = s.siblings_created;
  f["anti_entropy_rounds"] = s.anti_entropy_rounds;
  f["versions_repaired"] = s.versions_repaired;
  f["history_bytes"] = history_bytes;
  return j;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int run_scenario(const RunOptions& options) {
  const sim::LoadResult loaded = sim::load_scenario_file(options.scenario_path);
  if (!loaded.scenario) {
    std::fprintf(stderr, "%s\n", loaded.error.c_str());
    return 2;
  }
  const sim::Scenario& scenario = *loaded.scenario;
  const uint64_t seed = options.seed.value_or(scenario.seed.value_or(1));
  const std::string out_dir = options.out_dir.empty() ? "out/" + scenario.name : options.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "kvsim: cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return 2;
  }

  sim::History history;
  std::string error;
  const std::string history_path = out_dir + "/history.jsonl";
  if (!history.open(history_path, error)) {
    std::fprintf(stderr, "kvsim: %s\n", error.c_str());
    return 2;
  }
  sim::Simulation simulation(scenario, seed, history);
  Progress progress;
  progress.until_us = scenario.run_until.us;
  simulation.run(&Progress::report, &progress);
  if (progress.shown) std::fprintf(stderr, "\n");
  const uint64_t history_bytes = history.bytes_written();
  if (!history.close(error)) {
    std::fprintf(stderr, "kvsim: %s: %s\n", history_path.c_str(), error.c_str());
    return 2;
  }

  const std::vector<sim::CheckResult> checks = simulation.check();
  std::ifstream in(options.scenario_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const Json summary =
      summary_json(scenario, seed, text.str(), simulation.stats(), checks, history_bytes);
  if (!write_file(out_dir + "/summary.json", json::dump(summary) + "\n")) {
    std::fprintf(stderr, "kvsim: cannot write %s/summary.json\n", out_dir.c_str());
    return 2;
  }

  // The verdicts first: drawing a long run takes a while.
  bool ok = true;
  for (const auto& c : checks) ok &= c.ok();
  if (!options.quiet) {
    std::printf("%s (seed %llu): %llu events, %llu messages, history in %s\n",
                scenario.name.c_str(), static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(simulation.stats().events),
                static_cast<unsigned long long>(simulation.stats().messages_sent),
                history_path.c_str());
  }
  for (const auto& c : checks) {
    if (c.ok() && options.quiet) continue;
    const char* verdict = c.ok() ? "ok  " : "FAIL";
    const char* expectation = c.expected ? "" : " (expected to fail)";
    std::FILE* stream = c.ok() ? stdout : stderr;
    std::fprintf(stream, "%s %s%s: %s%s\n", verdict, c.name.c_str(), expectation,
                 c.holds ? "holds" : "fails", c.detail.empty() ? "" : (" — " + c.detail).c_str());
  }
  if (!ok) {
    std::fprintf(stderr, "kvsim: %s failed with seed %llu (rerun: kvsim run %s --seed %llu)\n",
                 scenario.name.c_str(), static_cast<unsigned long long>(seed),
                 options.scenario_path.c_str(), static_cast<unsigned long long>(seed));
  }
  std::fflush(stdout);
  if (options.render && write_run_outputs(out_dir, true) != 0) {
    std::fprintf(stderr, "kvsim: the pictures or the report in %s are incomplete\n",
                 out_dir.c_str());
  }
  if (options.explain) run_explain(history_path);

  return ok ? 0 : 1;
}

}  // namespace kv::cli
