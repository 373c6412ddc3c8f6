#include "cli/shrink_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "cli/exit_status.h"
#include "history/writer.h"
#include "node/mutant.h"
#include "sim/scenario_writer.h"
#include "sim/shrink.h"
#include "sim/simulation.h"

namespace kv::cli {

namespace {

int fail(const Status& status) {
  std::fprintf(stderr, "kvsim: %s\n", status.message().c_str());
  return exit_status(status);
}

// The number of lines of the history `scenario` writes with `seed`, written
// to `path` and removed again.
Result<uint64_t> history_lines(const sim::Scenario& scenario, uint64_t seed,
                               const std::string& path) {
  history::HistoryWriter history;
  std::string error;
  if (!history.open(path, error)) return Status::io_error(error);
  sim::Simulation simulation(scenario, seed, history);
  simulation.run();
  const bool closed = history.close(error);
  uint64_t lines = 0;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) ++lines;
  in.close();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (!closed) return Status::io_error(path + ": " + error);
  return lines;
}

std::string named(const std::string& name) {
  const std::string suffix = "-shrunk";
  return name.substr(0, sim::kMaxNameLength - suffix.size()) + suffix;
}

}  // namespace

int run_shrink(const ShrinkOptions& options) {
  int exit = kExitOk;
  const std::optional<sim::Scenario> loaded =
      load_for_command(options.scenario_path, options.swarm, exit);
  if (!loaded) return exit;
  const uint64_t seed = options.seed.value_or(loaded->seed.value_or(1));
  return shrink_scenario(scenario_for_seed(*loaded, seed), seed, options);
}

int shrink_scenario(const sim::Scenario& scenario, uint64_t seed, const ShrinkOptions& options) {
  using WallClock = std::chrono::steady_clock;
  const WallClock::time_point started = WallClock::now();
  const std::optional<sim::FailureSignature> failure =
      sim::failure_of(scenario, seed, options.max_history);
  if (!failure) {
    return fail(Status::bad_input(scenario.path + " with seed " + std::to_string(seed) +
                                  ": every check holds (or the run reached its history cap): "
                                  "nothing to shrink"));
  }
  const std::string out_dir =
      options.out_dir.empty() ? "out/" + named(scenario.name) : options.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Status::io_error("cannot create " + out_dir + ": " + ec.message()));

  sim::ShrinkResult result = sim::shrink(scenario, seed, *failure, options.max_history);
  sim::Scenario& shrunk = result.scenario;
  shrunk.swarm_draw_json.clear();  // the draw is in the file's own settings now
  shrunk.name = named(scenario.name);
  shrunk.description = "kvsim shrink's reproducer of " + scenario.name + " seed " +
                       std::to_string(seed) + ": " + result.signature.text() + " does not hold.";
  const double seconds = std::chrono::duration<double>(WallClock::now() - started).count();

  // A swarm draw, and a planted bug (node/mutant.h), are part of where the
  // failure came from; the shrunk file itself is explicit, but fails only
  // under the same mutant.
  const bool swarm = !scenario.swarm_draw_json.empty();
  const std::string mutant =
      active_mutant == Mutant::kNone ? "" : std::string(mutant_name(active_mutant));
  const std::string header =
      "Shrunk by kvsim " KVSIM_VERSION " (kvsim shrink) from " + scenario.path + ", seed " +
      std::to_string(seed) + (swarm ? " with --swarm (the draw is spelled out below)" : "") +
      (mutant.empty() ? "" : ", under the planted bug --mutant " + mutant) +
      ".\nThe failure kept: " + failure->text() +
      (result.signature == *failure ? "" : " (its key renamed: " + result.signature.text() + ")") +
      ".\nRerun: kvsim run THIS_FILE" +
      (mutant.empty() ? "" : " --mutant " + mutant + " (a build with -Dmutants=true)") +
      " (the seed is in the file).";
  const std::string file = out_dir + "/" + shrunk.name + ".yaml";
  if (const Status written = write_file(file, sim::write_scenario(shrunk, header)); !written.ok()) {
    return fail(written);
  }

  const sim::RunSize before = sim::run_size(scenario, seed);
  const sim::RunSize after = sim::run_size(shrunk, seed);
  const Result<uint64_t> lines_before = history_lines(scenario, seed, out_dir + "/.before.jsonl");
  if (!lines_before.ok()) return fail(lines_before.status());

  const Result<uint64_t> lines_after = history_lines(shrunk, seed, out_dir + "/.after.jsonl");
  if (!lines_after.ok()) return fail(lines_after.status());

  std::printf("shrunk %s (seed %llu): %s\n", scenario.name.c_str(),
              static_cast<unsigned long long>(seed), failure->text().c_str());
  if (result.materialized) std::printf("  the workload became timeline events\n");
  if (result.scripted_losses) std::printf("  the loss rate became scripted drop events\n");
  if (result.scripted_network) {
    std::printf("  the network's draws became scripted drop and delay events (then thinned)\n");
  }
  std::printf("                    before      after\n");
  const auto row = [](const char* what, uint64_t a, uint64_t b) {
    std::printf("  %-14s %9llu  %9llu\n", what, static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  };
  row("events", before.events, after.events);
  row("nodes", before.nodes, after.nodes);
  row("messages", before.messages, after.messages);
  row("history lines", *lines_before, *lines_after);
  const sim::Minimality& m = result.minimality;
  const std::string tried = "removing any of the " + std::to_string(m.events) + " events" +
                            (m.nodes > 0 ? " or 1 of " + std::to_string(m.nodes) + " nodes" : "");
  if (m.events == 0 && m.nodes == 0) {
    std::printf("1-minimal: nothing is left to remove (no events, one node)\n");
  } else if (m.one_minimal()) {
    std::printf(
        "1-minimal: %s makes the failure go%s\n", tried.c_str(),
        m.invalid > 0
            ? (" (" + std::to_string(m.invalid) + " of them leave no valid scenario)").c_str()
            : "");
  } else {
    std::printf("NOT 1-minimal: %s: the failure stays without\n", tried.c_str());
    for (const std::string& r : m.removable) std::printf("  %s\n", r.c_str());
  }
  std::printf("shrunk in %.2f s (%llu candidate runs): %s\n", seconds,
              static_cast<unsigned long long>(result.runs), file.c_str());
  std::fflush(stdout);

  // The shrunk file's own run, as `kvsim run` makes it (its FAIL lines say
  // the failure it keeps).
  RunOptions run;
  run.scenario_path = file;
  run.out_dir = out_dir;
  run.quiet = true;
  run.render = options.render;
  const int status = run_scenario(run);
  if (status == kExitIoError) return kExitIoError;
  if (status != kExitCheckFailed) {
    // Each candidate was checked in process after a round trip through the
    // writer; a file that does not fail is a bug here, said loudly.
    std::fprintf(stderr, "kvsim: WARNING: %s does not fail under kvsim run (exit %d)\n",
                 file.c_str(), status);
  }
  return kExitOk;
}

}  // namespace kv::cli
