#include "cli/shrink_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "base/time_text.h"
#include "cli/exit_status.h"
#include "cli/output_folder.h"
#include "history/writer.h"
#include "node/mutant.h"
#include "sim/scenario_writer.h"
#include "sim/shrink.h"
#include "sim/simulation.h"

namespace kv::cli {

namespace {

using sim::Scenario;

// The number of lines of the history `scenario` writes with `seed`, written
// to `path` and removed again.
Result<uint64_t> history_lines(const Scenario& scenario, uint64_t seed, const std::string& path) {
  history::HistoryWriter history;
  if (Status opened = history.open(path); !opened.ok()) return opened;
  sim::Simulation simulation(scenario, seed, history);
  simulation.run();
  const Status closed = history.close();
  uint64_t lines = 0;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) ++lines;
  in.close();
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (!closed.ok()) return Status::io_error(path + ": " + closed.message());
  return lines;
}

std::string named(const std::string& name) {
  const std::string suffix = "-shrunk";
  return name.substr(0, sim::kMaxNameLength - suffix.size()) + suffix;
}

std::string delay_text(const sim::DelaySpec& d) {
  switch (d.dist) {
    case sim::DelaySpec::Dist::kConstant:
      return "constant " + format_time(d.value.us);
    case sim::DelaySpec::Dist::kUniform:
      return "uniform " + format_time(d.min.us) + ".." + format_time(d.max.us);
    case sim::DelaySpec::Dist::kExponential:
      return "exponential, mean " + format_time(d.mean.us);
    case sim::DelaySpec::Dist::kPareto:
      return "pareto, xm " + format_time(d.xm.us) + ", alpha " + std::to_string(d.alpha_num) + "/" +
             std::to_string(d.alpha_den);
    case sim::DelaySpec::Dist::kMixture:
      return "a mixture of " + std::to_string(d.parts.size());
  }
  return "";
}

// "2 events (1 client operation, 1 drop)": a scenario's events by kind.
std::string events_text(const Scenario& s) {
  using Kind = sim::TimelineEvent::Kind;
  size_t ops = 0, faults = 0, drops = 0, delays = 0;
  for (const sim::TimelineEvent& e : s.events) {
    ops += e.kind == Kind::kClient;
    drops += e.kind == Kind::kDrop;
    delays += e.kind == Kind::kDelay;
    faults += e.kind != Kind::kClient && !e.is_fate();
  }
  std::string parts;
  const auto part = [&](size_t n, const char* one, const char* many) {
    if (n > 0)
      parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? one : many);
  };
  part(ops, "client operation", "client operations");
  part(faults, "fault", "faults");
  part(drops, "drop", "drops");
  part(delays, "scripted delay", "scripted delays");
  return std::to_string(s.events.size()) + (s.events.size() == 1 ? " event" : " events") +
         (parts.empty() ? "" : " (" + parts + ")");
}

size_t count_kind(const Scenario& s, sim::TimelineEvent::Kind kind) {
  size_t n = 0;
  for (const sim::TimelineEvent& e : s.events) n += e.kind == kind;
  return n;
}

// What the shrunk file says differently from what ran, a line each: only
// what the file itself shows.
std::vector<std::string> changes(const Scenario& a, const Scenario& b) {
  using Kind = sim::TimelineEvent::Kind;
  std::vector<std::string> out;
  if (a.workload && !b.workload) {
    out.push_back(
        "the workload (" + std::to_string(a.workload->ops) +
        " operations) became timeline client events; " +
        std::to_string(count_kind(b, Kind::kClient)) +
        (count_kind(b, Kind::kClient) == 1 ? " client event is left" : " client events are left"));
  } else if (a.workload && b.workload && a.workload->ops != b.workload->ops) {
    out.push_back("the workload: " + std::to_string(a.workload->ops) + " -> " +
                  std::to_string(b.workload->ops) + " operations (still generated)");
  }
  if (a.network.loss.ppb != b.network.loss.ppb) {
    const size_t drops_a = count_kind(a, Kind::kDrop), drops_b = count_kind(b, Kind::kDrop);
    out.push_back("loss " + sim::probability_text(a.network.loss) + " -> " +
                  sim::probability_text(b.network.loss) +
                  (drops_b > drops_a
                       ? "; the losses that matter are " + std::to_string(drops_b - drops_a) +
                             " scripted drop events"
                       : ""));
  }
  if (a.network.duplicate.ppb != b.network.duplicate.ppb) {
    out.push_back("duplicate " + sim::probability_text(a.network.duplicate) + " -> " +
                  sim::probability_text(b.network.duplicate));
  }
  if (delay_text(a.network.delay) != delay_text(b.network.delay)) {
    const size_t delays = count_kind(b, Kind::kDelay);
    out.push_back("delay " + delay_text(a.network.delay) + " -> " + delay_text(b.network.delay) +
                  (delays > count_kind(a, Kind::kDelay)
                       ? "; " + std::to_string(delays) +
                             " messages keep their delay as scripted "
                             "delay events"
                       : ""));
  }
  if (a.anti_entropy_interval && !b.anti_entropy_interval) {
    out.push_back("anti-entropy every " + format_time(a.anti_entropy_interval->us) + " -> off");
  }
  if (a.clients.retries != b.clients.retries) {
    out.push_back("client retries " + std::to_string(a.clients.retries) + " -> " +
                  std::to_string(b.clients.retries));
  }
  if (a.nodes != b.nodes) {
    out.push_back("nodes " + std::to_string(a.nodes) + " -> " + std::to_string(b.nodes));
  }
  if (a.run_until.us != b.run_until.us) {
    out.push_back("run_until " + format_time(a.run_until.us) + " -> " +
                  format_time(b.run_until.us));
  }
  const auto expectations = [](const Scenario& s) {
    const sim::Expectations& e = s.expect;
    return (e.converged ? 1u : 0u) + (e.lost_writes ? 1u : 0u) + (e.maximal ? 1u : 0u) +
           e.siblings.size() + e.values.size();
  };
  if (expectations(a) > expectations(b)) {
    out.push_back(expectations(b) == 0 ? "expect: none kept (the file fails by itself)"
                                       : "expect: only the failing key's own expectation kept");
  }
  return out;
}

}  // namespace

int run_shrink(const ShrinkOptions& options) {
  const Result<Scenario> loaded = load_for_command(options.scenario_path, options.swarm);
  if (!loaded.ok()) return fail(loaded.status(), "");
  const uint64_t seed = options.seed.value_or(loaded->seed.value_or(1));
  Scenario scenario = scenario_for_seed(*loaded, seed);
  if (options.mechanism) {
    scenario.mechanism = *options.mechanism;
    if (const Status refused = sim::mechanism_fits(scenario); !refused.ok()) {
      return fail(Status::bad_input("--mechanism: " + refused.message()));
    }
  }
  return shrink_scenario(scenario, seed, options);
}

int shrink_scenario(const Scenario& scenario, uint64_t seed, const ShrinkOptions& options) {
  using WallClock = std::chrono::steady_clock;
  const WallClock::time_point started = WallClock::now();
  const std::string out_dir =
      options.out_dir.empty() ? "out/" + named(scenario.name) : options.out_dir;
  if (Status s = check_output_folder(out_dir, FolderHolds::kRun, "kvsim shrink"); !s.ok()) {
    return fail(s);
  }
  bool capped = false;
  const std::optional<sim::FailureSignature> failure =
      sim::failure_of(scenario, seed, options.max_history, &capped);
  if (capped) {
    std::fprintf(stderr,
                 "kvsim: %s with seed %llu: the run reached its history cap (--max-history %s) "
                 "before its end, so it has no checks to fail: nothing to shrink. Raise the cap "
                 "(e.g. --max-history unlimited)\n",
                 scenario.path.c_str(), static_cast<unsigned long long>(seed),
                 format_size(options.max_history).c_str());
    return kExitHistoryCap;
  }
  if (!failure) {
    return fail(Status::bad_input(scenario.path + " with seed " + std::to_string(seed) +
                                  ": every check holds: nothing to shrink"));
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Status::io_error("cannot create " + out_dir + ": " + ec.message()));

  sim::ShrinkResult result = sim::shrink(scenario, seed, *failure, options.max_history);
  Scenario& shrunk = result.scenario;
  shrunk.swarm_draw_json.clear();  // the draw is in the file's own settings now
  shrunk.name = named(scenario.name);
  shrunk.description = "kvsim shrink's reproducer of " + scenario.name + " seed " +
                       std::to_string(seed) + "; the failure: " + result.signature.text() + ".";
  const double seconds = std::chrono::duration<double>(WallClock::now() - started).count();

  // A swarm draw, and a planted bug (node/mutant.h), are part of where the
  // failure came from; the shrunk file itself is explicit, but fails only
  // under the same mutant.
  const bool swarm = !scenario.swarm_draw_json.empty();
  const std::string mutant =
      active_mutant == Mutant::kNone ? "" : std::string(mutant_name(active_mutant));
  const sim::Minimality& m = result.minimality;
  std::string verdict;
  if (result.complete()) {
    verdict = m.events == 0 && m.nodes == 0
                  ? "1-minimal: nothing is left to remove (no events, one node)."
                  : "1-minimal: removing any one of its " + std::to_string(m.events) + " events" +
                        (m.nodes > 0 ? " or 1 of its " + std::to_string(m.nodes) + " nodes" : "") +
                        " makes the failure go.";
  } else {
    verdict = "NOT 1-minimal: ";
    for (size_t i = 0; i < result.shortfalls.size(); ++i) {
      verdict += (i > 0 ? "; " : "") + result.shortfalls[i];
    }
    verdict += ".";
  }
  const std::string header =
      "Shrunk by kvsim " KVSIM_VERSION " (kvsim shrink) from " + scenario.path + ", seed " +
      std::to_string(seed) + (mutant.empty() ? "" : ", under the planted bug --mutant " + mutant) +
      (swarm ? ", with --swarm, which drew " + scenario.swarm_draw_json +
                   ".\nWhat the failure needs of that draw is this file's own settings and "
                   "events: it runs without --swarm"
             : "") +
      ".\nThe failure kept: " + failure->text() +
      (result.signature == *failure ? "" : " (renamed: " + result.signature.text() + ")") + ".\n" +
      verdict + "\nRerun: kvsim run THIS_FILE" +
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

  std::printf("%s %s (seed %llu): %s\n", result.complete() ? "shrunk" : "could not shrink",
              scenario.name.c_str(), static_cast<unsigned long long>(seed),
              failure->text().c_str());
  for (const std::string& change : changes(scenario, shrunk)) {
    std::printf("  %s\n", change.c_str());
  }
  if (result.signature != *failure) {
    std::printf("  renamed: %s\n", result.signature.text().c_str());
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
  if (result.complete()) {
    std::printf("%s\n",
                m.events == 0 && m.nodes == 0
                    ? "1-minimal: nothing is left to remove (no events, one node)"
                    : ("1-minimal: removing any one of its " + events_text(shrunk) +
                       (m.nodes > 0 ? " or 1 of its " + std::to_string(m.nodes) + " nodes" : "") +
                       " makes the failure go" +
                       (m.invalid > 0 ? " (" + std::to_string(m.invalid) +
                                            " of the removals leave no valid scenario)"
                                      : ""))
                          .c_str());
  } else {
    for (const std::string& why : result.shortfalls)
      std::printf("NOT 1-minimal: %s\n", why.c_str());
    for (const std::string& r : m.removable) std::printf("  can still go: %s\n", r.c_str());
  }
  std::printf("%s in %.2f s (%llu candidate runs): %s\n",
              result.complete() ? "shrunk" : "the smaller file, failing the same way,", seconds,
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
  bool ok = result.complete();
  if (status != kExitCheckFailed) {
    // Each candidate was written, loaded back and run before it was kept; a
    // file that does not fail is a bug here, said loudly.
    std::fprintf(stderr, "kvsim: WARNING: %s does not fail under kvsim run (exit %d)\n",
                 file.c_str(), status);
    ok = false;
  }
  if (!ok) {
    std::fprintf(stderr,
                 "kvsim: could not shrink %s seed %llu to a 1-minimal reproducer (exit status "
                 "1); %s holds a smaller scenario that fails the same way\n",
                 scenario.name.c_str(), static_cast<unsigned long long>(seed), file.c_str());
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace kv::cli
