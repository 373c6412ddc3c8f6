#include "cli/run_command.h"

#include "cli/exit_status.h"
#include "cli/node_processes.h"
#include "cli/output_folder.h"
#include "cli/progress.h"
#include "cli/viz_commands.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/hash.h"
#include "base/json_text.h"
#include "base/time_text.h"
#include "history/writer.h"
#include "node/mutant.h"
#include "node/names.h"
#include "node/version.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "sim/swarm.h"
#include "sim/sweep_report.h"

namespace kv::cli {

namespace {

using json::Json;

// What was under way when the run ended (sim/run_end.h), for summary.json.
Json run_end_json(const sim::RunEnd& e, int64_t run_until_us) {
  Json j;
  j["early"] = e.early();
  j["ops_unsent"] = e.ops_unsent;
  j["requests_in_flight"] = e.requests_in_flight;
  j["writes_in_flight"] = e.writes_in_flight;
  j["nodes_down"] = Json::array();
  for (sim::NodeIndex n : e.nodes_down) j["nodes_down"].push_back(node_name(n));
  j["links_cut"] = e.links_cut;
  j["last_op_sent"] = e.last_op_sent_us >= 0 ? Json(format_time(e.last_op_sent_us)) : Json(nullptr);
  j["sentence"] = e.sentence(run_until_us);
  return j;
}

Json summary_json(const sim::Scenario& scenario, uint64_t seed, const std::string& text,
                  const sim::RunStats& s, const std::vector<sim::CheckResult>& checks,
                  const sim::FateCounts& fates, const history::Truth::Figures& truth,
                  uint64_t history_bytes, uint64_t fingerprint) {
  Json j;
  j["scenario"] = scenario.name;
  j["description"] = scenario.description;
  j["file"] = scenario.path;
  j["seed"] = seed;
  if (!scenario.swarm_draw_json.empty()) j["swarm"] = Json::parse(scenario.swarm_draw_json);
  j["scenario_hash"] = hex64(stable_hash(text.data(), text.size()));
  if (active_mutant != Mutant::kNone) j["mutant"] = std::string(mutant_name(active_mutant));
  if (scenario.mechanism != Mechanism::kClientVv) {
    j["mechanism"] = std::string(mechanism_name(scenario.mechanism));
  }
  j["fingerprint"] = hex64(fingerprint);
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
    sim::write_offence(c[check.name], check.node, check.key, check.time_us);
  }
  if (!s.stopped) j["run_end"] = run_end_json(s.run_end, scenario.run_until.us);
  Json& f = j["figures"];
  f["events"] = s.events;
  f["messages_sent"] = s.messages_sent;
  f["messages_delivered"] = s.messages_delivered;
  f["dropped_loss"] = s.dropped_loss;
  f["dropped_partition"] = s.dropped_partition;
  f["dropped_crashed"] = s.dropped_crashed;
  f["duplicated"] = s.duplicated;
  f["client_ops"] = s.client_ops;
  f["client_ops_unsent"] = s.client_ops_waiting;
  f["client_timeouts"] = s.client_timeouts;
  f["client_gave_up"] = s.client_gave_up;
  f["writes_accepted"] = s.writes_accepted;
  f["writes_rejected"] = s.writes_rejected;
  f["writes_refused"] = s.writes_refused;
  f["siblings_created"] = s.siblings_created;
  f["lost_writes"] = fates.lost;
  f["unavailable_writes"] = fates.unavailable;
  f["true_siblings"] = truth.true_siblings;
  f["false_siblings"] = truth.false_siblings;
  f["lost_updates"] = truth.lost_updates;
  f["anti_entropy_rounds"] = s.anti_entropy_rounds;
  f["versions_repaired"] = s.versions_repaired;
  if (scenario.replication.quorum()) f["quorum_errors"] = s.quorum_errors;
  f["history_bytes"] = history_bytes;
  return j;
}

// "kvsim: MESSAGE" on stderr; returns the status's exit status.
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "2.0e12", "35000": a count for people, exact below a million.
std::string rough_count(uint64_t n) {
  char buf[32];
  if (n < 1000000) {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
  } else {
    double mantissa = static_cast<double>(n);
    int exponent = 0;
    while (mantissa >= 9.95) {
      mantissa /= 10;
      ++exponent;
    }
    std::snprintf(buf, sizeof buf, "%.1fe%d", mantissa, exponent);
  }
  return buf;
}

// "3.4 GB", "120 TB": a size for people, in powers of 1000.
std::string rough_size(double bytes) {
  static const char* const kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000;
    ++unit;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, bytes < 10 && unit > 0 ? "%.1f %s" : "%.0f %s", bytes,
                kUnits[unit]);
  return buf;
}

// "40 s", "3 hours", "12 days".
std::string rough_duration(double seconds) {
  char buf[48];
  if (seconds < 120) {
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  } else if (seconds < 2 * 3600) {
    std::snprintf(buf, sizeof buf, "%.0f minutes", seconds / 60);
  } else if (seconds < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%.0f hours", seconds / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f days", seconds / 86400);
  }
  return buf;
}

// Says up front when a scenario is far larger than a run one waits for.
// Rough figures: about 200 history bytes and 2 million events a second.
void warn_if_large(const sim::Scenario& scenario, const RunOptions& options) {
  const uint64_t events = sim::estimate_events(scenario);
  if (events <= kLargeRunEvents) return;
  constexpr double kBytesPerEvent = 200;
  constexpr double kEventsPerSecond = 2e6;
  std::string shape = std::to_string(scenario.nodes) + " nodes";
  if (scenario.anti_entropy_interval) {
    shape += ", anti-entropy every " + kv::format_time(scenario.anti_entropy_interval->us);
  }
  if (scenario.workload && scenario.workload->ops > 0) {
    shape += ", " + std::to_string(scenario.workload->ops) + " workload operations";
  }
  shape += ", run_until " + kv::format_time(scenario.run_until.us);
  const std::string cap =
      options.max_history == UINT64_MAX
          ? "the history has no cap (--max-history unlimited): only the disk stops it"
          : "the run stops when its history reaches " + format_size(options.max_history) +
                " (--max-history)";
  std::fprintf(stderr,
               "kvsim: warning: %s is a very large run: about %s events (%s), roughly %s of "
               "history and %s at about 2 million events a second; %s\n",
               scenario.path.c_str(), rough_count(events).c_str(), shape.c_str(),
               rough_size(static_cast<double>(events) * kBytesPerEvent).c_str(),
               rough_duration(static_cast<double>(events) / kEventsPerSecond).c_str(), cap.c_str());
}

// The files `kvsim run` may leave in its output folder that an earlier run's
// must not outlive: the summary, the pictures (and any sheets of them:
// spacetime-2.png...), the story and the report. (history.jsonl is
// rewritten from its first line.)
bool is_run_output(const std::string& name) {
  if (name == "summary.json" || name == "story.txt" || name == "index.html") return true;
  for (std::string_view base : {"siblings", "spacetime"}) {
    if (name.rfind(base, 0) != 0) continue;
    const std::string_view rest = std::string_view(name).substr(base.size());
    if (rest.size() < 4) continue;
    const std::string_view ext = rest.substr(rest.size() - 4);
    if (ext != ".dot" && ext != ".svg" && ext != ".png") continue;
    if (rest.size() == 4 || rest[0] == '-' || rest[0] == '_' || rest[0] == '.') return true;
  }
  return false;
}

// A run owns its output folder: if `dir` holds an earlier run, its
// summary, pictures, story and report go, so that nothing there describes
// another run (not even a summary this run then fails to write). Other files
// are left alone. An I/O error if one cannot be removed.
Status remove_earlier_outputs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (folder_holds(dir) != FolderHolds::kRun) return Status();
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec) && is_run_output(it->path().filename().string())) {
      stale.push_back(it->path());
    }
  }
  for (const fs::path& path : stale) {
    if (!fs::remove(path, ec) && ec) {
      return Status::io_error("cannot remove " + path.string() +
                              " (an earlier run's): " + ec.message());
    }
  }
  if (ec) return Status::io_error("cannot list " + dir + ": " + ec.message());
  return Status();
}

// The run ended early because its history stopped taking lines: says why
// on stderr, writes a summary saying so, and returns the exit status.
int report_stopped(const history::HistoryWriter& history, const sim::Scenario& scenario,
                   const std::string& history_path, const sim::RunStats& stats, Json summary,
                   const std::string& summary_path, const std::string& error) {
  const bool cap = history.stop() == history::HistoryWriter::Stop::kLimit;
  const std::string at = kv::format_time(stats.end_us) + " of " +
                         kv::format_time(scenario.run_until.us) + ", after " +
                         std::to_string(stats.events) + " events";
  const std::string bytes = std::to_string(history.bytes_written()) + " bytes";
  Json& stopped = summary["stopped"];
  stopped["reason"] = cap ? "history_cap" : "write_error";
  stopped["at_us"] = stats.end_us;
  stopped["history_bytes"] = history.bytes_written();
  if (cap) {
    stopped["max_history_bytes"] = history.limit();
  } else {
    stopped["error"] = error;
  }
  summary["ok"] = false;
  const bool summary_written = write_file(summary_path, json::dump(summary) + "\n").ok();
  if (cap) {
    std::fprintf(stderr,
                 "kvsim: %s: the history reached its cap, %s (--max-history), at %s; the run "
                 "stopped at t=%s.\n"
                 "kvsim: the history keeps the run up to there (whole lines, without the final "
                 "stores); no checks, pictures or story. Raise the cap with --max-history "
                 "(e.g. 20GB, or unlimited).\n",
                 history_path.c_str(), format_size(history.limit()).c_str(), bytes.c_str(),
                 at.c_str());
  } else {
    std::fprintf(stderr, "kvsim: %s: history write failed: %s after %s; the run stopped at t=%s\n",
                 history_path.c_str(), error.c_str(), bytes.c_str(), at.c_str());
  }
  if (!summary_written) {
    std::fprintf(stderr, "kvsim: cannot write %s either\n", summary_path.c_str());
    return kExitIoError;
  }
  return cap ? kExitHistoryCap : kExitIoError;
}

}  // namespace

void set_swarm(sim::Scenario& scenario, bool swarm) {
  if (!swarm) {
    scenario.swarm.reset();
  } else if (!scenario.swarm) {
    scenario.swarm = sim::SwarmSpec();
  }
}

Result<sim::Scenario> load_for_command(const std::string& path, bool swarm) {
  sim::LoadResult loaded = sim::load_scenario_file(path);
  if (loaded.ok()) set_swarm(loaded.value(), swarm);
  return loaded;
}

sim::Scenario scenario_for_seed(const sim::Scenario& scenario, uint64_t seed) {
  return scenario.swarm ? sim::draw_swarm(scenario, seed).first : scenario;
}

bool parse_size(std::string_view text, uint64_t& bytes) {
  const std::string t = lower(text);
  if (t == "unlimited") {
    bytes = UINT64_MAX;
    return true;
  }
  size_t digits = 0;
  uint64_t number = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) {
    if (__builtin_mul_overflow(number, 10, &number) ||
        __builtin_add_overflow(number, static_cast<uint64_t>(t[digits] - '0'), &number)) {
      return false;
    }
    ++digits;
  }
  if (digits == 0 || number == 0) return false;
  static const std::pair<std::string_view, uint64_t> kUnits[] = {{"", 1},
                                                                 {"b", 1},
                                                                 {"kb", 1000},
                                                                 {"mb", 1000000},
                                                                 {"gb", 1000000000},
                                                                 {"tb", 1000000000000},
                                                                 {"kib", uint64_t{1} << 10},
                                                                 {"mib", uint64_t{1} << 20},
                                                                 {"gib", uint64_t{1} << 30},
                                                                 {"tib", uint64_t{1} << 40}};
  const std::string_view unit = std::string_view(t).substr(digits);
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) return !__builtin_mul_overflow(number, scale, &bytes);
  }
  return false;
}

std::string format_size(uint64_t bytes) {
  if (bytes == UINT64_MAX) return "unlimited";
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"TiB", uint64_t{1} << 40}, {"TB", 1000000000000},
      {"GiB", uint64_t{1} << 30}, {"GB", 1000000000},
      {"MiB", uint64_t{1} << 20}, {"MB", 1000000},
      {"KiB", uint64_t{1} << 10}, {"kB", 1000}};
  for (const auto& [name, scale] : kUnits) {
    if (bytes % scale == 0) return std::to_string(bytes / scale) + " " + name;
  }
  return std::to_string(bytes) + " bytes";
}

// What --node-cmd cannot run: a colocated workload (its puts are made in
// the node's memory, with no message to carry), quorum replication (the
// harness's init names no quorum) and a mechanism other than client-vv (nor
// does it name a mechanism).
static Status refuse_for_node_cmd(const sim::Scenario& scenario) {
  if (scenario.workload && scenario.workload->colocated) {
    return Status::bad_input(
        "--node-cmd: the workload is colocated (its clients write into the node's memory, with "
        "no message a process could be sent); use a workload without colocated: true");
  }
  if (scenario.replication.quorum()) {
    return Status::bad_input(
        "--node-cmd: the scenario has a replication: section; nodes run outside replicate to "
        "every node (the protocol's init names no quorum)");
  }
  if (scenario.mechanism != Mechanism::kClientVv) {
    return Status::bad_input("--node-cmd: the mechanism is " +
                             std::string(mechanism_name(scenario.mechanism)) +
                             "; nodes run outside keep the protocol's rules, client-vv's (the "
                             "protocol's init names no mechanism)");
  }
  return {};
}

int run_scenario(const RunOptions& options) {
  const Result<sim::Scenario> loaded = load_for_command(options.scenario_path, options.swarm);
  if (!loaded.ok()) return fail(loaded.status(), "");
  const uint64_t seed = options.seed.value_or(loaded->seed.value_or(1));
  // A swarm run runs what its seed draws.
  sim::Scenario scenario = scenario_for_seed(*loaded, seed);
  if (options.mechanism) {
    scenario.mechanism = *options.mechanism;
    if (const Status refused = sim::mechanism_fits(scenario); !refused.ok()) {
      return fail(Status::bad_input("--mechanism: " + refused.message()));
    }
  }
  const std::string out_dir = options.out_dir.empty() ? "out/" + scenario.name : options.out_dir;
  if (Status s = check_output_folder(out_dir, FolderHolds::kRun, "kvsim run"); !s.ok()) {
    return fail(s);
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Status::io_error("cannot create " + out_dir + ": " + ec.message()));
  if (const Status removed = remove_earlier_outputs(out_dir); !removed.ok()) return fail(removed);
  if (!options.quiet) warn_if_large(scenario, options);

  history::HistoryWriter history;
  const std::string history_path = out_dir + "/history.jsonl";
  if (const Status opened = history.open(history_path); !opened.ok()) return fail(opened);
  history.set_limit(options.max_history);
  history.enable_fingerprint();
  sim::Simulation simulation(scenario, seed, history);
  std::optional<NodeProcessSet> processes;
  if (!options.node_cmd.empty()) {
    if (const Status refused = refuse_for_node_cmd(scenario); !refused.ok()) return fail(refused);
    processes.emplace(options.node_cmd, out_dir + "/disk", scenario.nodes, options.node_timeout_us);
    if (const Status prepared = processes->prepare(); !prepared.ok()) return fail(prepared);
    simulation.use_outside_nodes(*processes);
  }
  Progress progress;
  progress.until_us = scenario.run_until.us;
  simulation.run(&Progress::simulating, &progress);
  progress.end_line();
  const Status closed = history.close();
  const uint64_t history_bytes = history.bytes_written();
  if (!closed.ok() && !history.stopped()) {
    return fail(Status::io_error(history_path + ": " + closed.message()));
  }

  // The scenario's text, for its fingerprint in the summary (the loader has
  // read it already, with the same limit).
  const Result<std::string> read = read_file(options.scenario_path, sim::kMaxScenarioBytes);
  const std::string text = read.ok() ? *read : std::string();
  if (const Status& failed = simulation.outside_error(); !failed.ok()) {
    processes.reset();  // stop them all before saying so
    Json summary = summary_json(scenario, seed, text, simulation.stats(), {}, {}, {}, history_bytes,
                                history.fingerprint());
    Json& stopped = summary["stopped"];
    stopped["reason"] = "node_failed";
    stopped["at_us"] = simulation.stats().end_us;
    stopped["error"] = failed.message();
    (void)write_file(out_dir + "/summary.json", json::dump(summary) + "\n");
    std::fprintf(stderr,
                 "kvsim: --node-cmd: %s\nkvsim: the run stopped there; %s holds it so far\n",
                 failed.message().c_str(), history_path.c_str());
    return simulation.stats().events == 0 ? kExitIoError : kExitCheckFailed;
  }
  if (history.stopped()) {
    return report_stopped(history, scenario, history_path, simulation.stats(),
                          summary_json(scenario, seed, text, simulation.stats(), {}, {}, {},
                                       history_bytes, history.fingerprint()),
                          out_dir + "/summary.json", history.write_error());
  }
  sim::FateCounts fates;
  const std::vector<sim::CheckResult> checks = simulation.check(&fates);
  Json summary = summary_json(scenario, seed, text, simulation.stats(), checks, fates,
                              simulation.truth_figures(), history_bytes, history.fingerprint());
  const sim::OutsideReport& outside = simulation.outside_report();
  if (processes) {
    Json& nodes = summary["node_cmd"];
    nodes["command"] = options.node_cmd;
    nodes["divergences"] = outside.divergences;
    nodes["first_divergence"] = outside.first.empty() ? Json() : Json(outside.first);
  }
  if (const Status written = write_file(out_dir + "/summary.json", json::dump(summary) + "\n");
      !written.ok()) {
    return fail(written);
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
    std::printf("fingerprint %s\n", hex64(history.fingerprint()).c_str());
  }
  if (outside.divergences > 0) {
    std::fprintf(stderr,
                 "kvsim: --node-cmd: %llu time(s) a node's store differed from the store's "
                 "rules; the first: %s\n",
                 static_cast<unsigned long long>(outside.divergences), outside.first.c_str());
  }
  for (const auto& c : checks) {
    if (c.ok() && options.quiet) continue;
    const char* verdict = c.ok() ? "ok  " : "FAIL";
    const char* expectation = c.expected ? "" : " (expected to fail)";
    std::FILE* stream = c.ok() ? stdout : stderr;
    std::fprintf(stream, "%s %s%s: %s%s\n", verdict, c.name.c_str(), expectation,
                 c.holds ? "holds" : "fails", c.detail.empty() ? "" : (" — " + c.detail).c_str());
  }
  // What the run left under way, beside the verdicts it may explain.
  const std::string early = simulation.stats().run_end.sentence(scenario.run_until.us);
  if (!early.empty() && (!options.quiet || !ok)) {
    std::fprintf(ok ? stdout : stderr, "note: %s\n", early.c_str());
  }
  if (!ok) {
    std::fprintf(stderr, "kvsim: %s failed with seed %llu (rerun: kvsim run %s --seed %llu%s)\n",
                 scenario.name.c_str(), static_cast<unsigned long long>(seed),
                 options.scenario_path.c_str(), static_cast<unsigned long long>(seed),
                 options.swarm ? " --swarm" : "");
  }
  std::fflush(stdout);
  // The run's verdict is the exit status: pictures that could not be made
  // are said on stderr only.
  if (options.render) {
    if (const Status drawn = write_run_outputs(out_dir, true, options.quiet); !drawn.ok()) {
      std::fprintf(stderr, "kvsim: %s\nkvsim: the pictures or the report in %s are incomplete\n",
                   drawn.message().c_str(), out_dir.c_str());
    }
  }
  if (options.explain) run_explain(history_path);

  return ok ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
