// kvsim: a deterministic simulator of a Dynamo-style key-value cluster.
// The CLI is thin: parse the command line, hand over to the subcommand.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "base/time_text.h"
#include "cli/bench_command.h"
#include "cli/compare_command.h"
#include "cli/diff_command.h"
#include "cli/exit_status.h"
#include "cli/grade_command.h"
#include "cli/mutant_option.h"
#include "cli/node_command.h"
#include "cli/run_command.h"
#include "cli/shrink_command.h"
#include "cli/staleness_command.h"
#include "cli/sweep_command.h"
#include "cli/viz_commands.h"
#include "sim/yaml_fields.h"

namespace {

// Every number on the command line: decimal digits only, from `min` to
// `max` (no sign, no exponent, no wrapping: `-1` and a 21-digit number are
// refused, not read as something else).
CLI::Validator whole_number(uint64_t min, uint64_t max, const std::string& name) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const std::string why = "must be an integer from " + std::to_string(min) + " to " +
                                std::to_string(max) + ", not '" + text + "'";
        if (text.empty() || text.size() > 20) return why;
        for (char c : text) {
          if (c < '0' || c > '9') return why;
        }
        if (text.size() == 20 && text > "18446744073709551615") return why;
        const uint64_t value = std::stoull(text);
        return value < min || value > max ? why : "";
      },
      name);
}

const CLI::Validator kSeed = whole_number(0, UINT64_MAX, "SEED");

// A folder: not empty, and not something that reads as an option (`--out
// --quiet` would otherwise make a folder named "--quiet").
const CLI::Validator kFolder(
    [](std::string& text) -> std::string {
      if (text.empty()) return "needs a folder name";
      if (text[0] == '-') {
        return "needs a folder name, not '" + text +
               "' (a name starting with '-' reads as an option; write ./" + text + " for that)";
      }
      return "";
    },
    "DIR");

const CLI::Validator kSize(
    [](std::string& text) -> std::string {
      uint64_t bytes = 0;
      if (kv::cli::parse_size(text, bytes)) return "";
      return "must be a size such as 500MB, 10GB, 4GiB, 1000000 (bytes) or unlimited, not '" +
             text + "'";
    },
    "SIZE");

// `kvsim runn x.yaml`: CLI11 would only say that a subcommand is required.
// Names the unknown word and the nearest subcommand (within two edits), or
// else all of them; nullopt when argv[at] is an option or a subcommand.
std::optional<int> unknown_subcommand(const CLI::App& app, int argc, char** argv, int at,
                                      const std::string& command) {
  if (argc <= at || argv[at][0] == '-') return std::nullopt;
  const std::string word = argv[at];
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return std::nullopt;
    names.push_back(sub->get_name());
  }
  const std::vector<std::string_view> views(names.begin(), names.end());
  const std::optional<std::string_view> near = kv::sim::yaml::suggest(word, views);
  std::string all;
  for (const std::string& name : names) all += (all.empty() ? "" : ", ") + name;
  std::fprintf(stderr, "%s: unknown subcommand '%s' (%s%s)\n", command.c_str(), word.c_str(),
               near ? ("did you mean '" + std::string(*near) + "'? ").c_str() : "",
               ("the subcommands: " + all).c_str());
  return kv::cli::kExitBadInput;
}

int run_command(int argc, char** argv);

}  // namespace

// Every subcommand, --help and --version: output that does not reach stdout
// (a full disk, /dev/full) is an I/O failure (exit status 4), said on stderr,
// whatever the subcommand would have ended with.
int main(int argc, char** argv) {
  const int status = run_command(argc, argv);
  std::cout.flush();
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = flushed ? 0 : errno;
  if (!flushed || std::ferror(stdout) || !std::cout) {
    std::fprintf(stderr, "kvsim: cannot write to standard output: %s\n",
                 error != 0 ? std::strerror(error) : "a write failed");
    return kv::cli::kExitIoError;
  }
  return status;
}

namespace {

int run_command(int argc, char** argv) {
  CLI::App app{"kvsim: a deterministic simulator of a Dynamo-style key-value cluster"};
  app.require_subcommand(1);
  // KVSIM_VERSION: meson's project version (cli/meson.build).
  app.set_version_flag("--version", "kvsim " KVSIM_VERSION, "Print kvsim's version and exit");
  app.footer(kv::cli::kExitStatusHelp);
  kv::cli::add_mutants_flag(app);
  std::string mutant;  // --mutant of run and sweep

  CLI::App* node = app.add_subcommand(
      "node", "Run one node speaking the JSON line protocol on stdin/stdout (docs/PROTOCOL.md)");
  kv::cli::NodeOptions node_options;
  std::string node_interval;
  node->add_flag("--replicate", node_options.replicate,
                 "Take part in a cluster: send writes and anti-entropy to the peers in init's "
                 "node_ids as Maelstrom messages on stdout, and take theirs on stdin");
  node->add_option("--anti-entropy-interval", node_interval,
                   "With --replicate: an anti-entropy round with a random peer this often "
                   "(wall-clock; e.g. 100ms, 1s; default: none)");
  node->add_option("--disk", node_options.disk,
                   "With --replicate: keep the node's state in this folder, saved at every "
                   "harness sync and read back at start (default: $KVSIM_NODE_DIR, which "
                   "kvsim run --node-cmd sets)");
  node->add_option("--seed", node_options.seed, "With --replicate: picks anti-entropy peers")
      ->capture_default_str()
      ->check(kSeed);

  kv::cli::RunOptions run_options;
  uint64_t seed = 0;
  CLI::App* run =
      app.add_subcommand("run", "Simulate a scenario; write history, summary, pictures");
  run->add_option("scenario", run_options.scenario_path, "Scenario file (YAML)")->required();
  CLI::Option* seed_option =
      run->add_option("--seed", seed, "Seed (overrides the scenario's)")->check(kSeed);
  run->add_option("--out", run_options.out_dir, "Output folder (default out/<scenario name>)")
      ->check(kFolder);
  std::string max_history;  // empty: kDefaultMaxHistoryBytes
  run->add_option("--max-history", max_history,
                  "Cap on the history file; the run stops there (default " +
                      kv::cli::format_size(kv::cli::kDefaultMaxHistoryBytes) +
                      "; 500MB, 10GB, unlimited)")
      ->check(kSize);
  run->add_flag("--quiet", run_options.quiet, "Print only failures");
  bool no_render = false;
  run->add_flag("--no-render", no_render, "Skip the pictures and the report");
  run->add_flag("--explain", run_options.explain, "Tell the story of the run on stdout");
  run->add_flag(
      "--swarm", run_options.swarm,
      "Run the fault mix the seed draws within the scenario's swarm: bounds (docs/SCENARIOS.md)");
  run->add_option("--node-cmd", run_options.node_cmd,
                  "Run every node as this shell command, a process speaking the protocol of "
                  "docs/PROTOCOL.md (e.g. 'build/cli/kvsim node --replicate')");
  std::string node_timeout;
  run->add_option("--node-timeout", node_timeout,
                  "With --node-cmd: the longest a node may take to react to one message "
                  "(default 10s)");
  kv::cli::add_mutant_option(run, mutant);
  // --mechanism NAME on run, sweep, shrink and bench fanout (one variable:
  // one subcommand runs).
  std::string mechanism;
  auto add_mechanism_option = [&mechanism](
                                  CLI::App* command,
                                  const std::string& what = "overriding the scenario's mechanism") {
    command
        ->add_option("--mechanism", mechanism,
                     "Conflict-detection mechanism, " + what + ": (" + kv::mechanism_list() + ")")
        ->check(CLI::Validator(
            [](std::string& name) -> std::string {
              return kv::mechanism_by_name(name)
                         ? ""
                         : "'" + name + "' is not one of " + kv::mechanism_list();
            },
            "NAME"));
  };
  add_mechanism_option(run);

  kv::cli::SweepOptions sweep_options;
  CLI::App* sweep = app.add_subcommand(
      "sweep", "Run a scenario with many seeds in process; a line per seed, a table, a summary");
  sweep->add_option("scenario", sweep_options.scenario_path, "Scenario file (YAML)")->required();
  sweep->add_option("--seeds", sweep_options.seeds,
                    "Seed range A..B (inclusive), e.g. 1..1000 (default: the scenario's "
                    "sweep: seeds:)");
  sweep->add_option("--jobs", sweep_options.jobs, "Threads (default: one per core)")
      ->check(whole_number(1, 1024, "N"));
  sweep
      ->add_option("--out", sweep_options.out_dir,
                   "Output folder (default out/<scenario name>-sweep)")
      ->check(kFolder);
  sweep->add_option("--shard", sweep_options.shard,
                    "Run only the I-th of N contiguous slices of the range (I/N, 1 <= I <= N); "
                    "merge the shards' folders with sweep-merge");
  sweep
      ->add_option("--keep-failures", sweep_options.keep_failures,
                   "Write the whole run folder (as kvsim run) of the first K failing seeds "
                   "into OUT/seed-S")
      ->capture_default_str()
      ->check(whole_number(0, UINT64_MAX, "K"));
  sweep
      ->add_option("--require", sweep_options.require,
                   "Coverage the sweep must reach, else it fails: COUNTER=PERCENT, e.g. "
                   "siblings=50% (siblings, siblings_3, gave_up, duplicate, stale_rejected, "
                   "amnesia, resolve_after_heal); repeatable; adds to the scenario's "
                   "sweep: require:, or overrides it for the same counter")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sweep->add_flag("--shrink", sweep_options.shrink,
                  "Shrink the first failing seed into DIR/shrunk (as kvsim shrink does)");
  sweep->add_flag("--progress", sweep_options.progress,
                  "Show the progress line on stderr even when it is not a terminal");
  sweep->add_flag("--swarm", sweep_options.swarm,
                  "Each seed runs the fault mix it draws within the scenario's swarm: bounds");
  kv::cli::ShrinkOptions shrink_options;
  uint64_t shrink_seed = 0;
  std::string shrink_max_history;
  CLI::App* shrink = app.add_subcommand(
      "shrink", "Reduce a failing run to a small scenario file that fails the same way");
  shrink->add_option("scenario", shrink_options.scenario_path, "Scenario file (YAML)")->required();
  CLI::Option* shrink_seed_option =
      shrink->add_option("--seed", shrink_seed, "The failing seed (default: the scenario's)")
          ->check(kSeed);
  shrink
      ->add_option("--out", shrink_options.out_dir,
                   "Output folder (default out/<scenario name>-shrunk)")
      ->check(kFolder);
  shrink
      ->add_option("--max-history", shrink_max_history,
                   "Cap on each candidate run's history (default " +
                       kv::cli::format_size(kv::cli::kDefaultMaxHistoryBytes) + ")")
      ->check(kSize);
  bool shrink_no_render = false;
  shrink->add_flag("--no-render", shrink_no_render, "Skip the pictures and the report");
  shrink->add_flag("--swarm", shrink_options.swarm,
                   "Shrink the fault mix the seed draws (as kvsim run --swarm runs it)");
  kv::cli::add_mutant_option(shrink, mutant);
  kv::cli::add_mutant_option(sweep, mutant);
  add_mechanism_option(sweep);
  add_mechanism_option(shrink);
  kv::cli::CompareOptions compare_options;
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Run a scenario's seeds under several conflict-detection mechanisms; a table, "
      "compare.json, a chart and a page");
  compare->add_option("scenario", compare_options.scenario_path, "Scenario file (YAML)")
      ->required();
  compare
      ->add_option("--mechanisms", compare_options.mechanisms,
                   "Mechanisms, comma-separated, the first the network's reference (" +
                       kv::mechanism_list() + ")")
      ->capture_default_str();
  compare->add_option("--seeds", compare_options.seeds, "Seed range A..B (inclusive), e.g. 1..100")
      ->required();
  compare->add_option("--jobs", compare_options.jobs, "Threads (default: one per core)")
      ->check(whole_number(1, 1024, "N"));
  compare
      ->add_option("--out", compare_options.out_dir,
                   "Output folder (default out/<scenario name>-compare)")
      ->check(kFolder);
  std::vector<std::string> merge_dirs;
  std::string merge_out;
  CLI::App* merge = app.add_subcommand(
      "sweep-merge", "Merge the folders of a sharded sweep into the unsharded sweep's files");
  merge->add_option("dirs", merge_dirs, "The shards' output folders")->required();
  merge->add_option("--out", merge_out, "Output folder")->required()->check(kFolder);

  std::string render_history, render_out, render_from, render_to;
  CLI::App* render = app.add_subcommand(
      "render", "Draw a saved history: siblings and spacetime .dot/.svg/.png, and index.html");
  render->add_option("history", render_history, "A run's history.jsonl")->required();
  render->add_option("--out", render_out, "Output folder (default: the history's folder)")
      ->check(kFolder);
  render->add_option("--from", render_from,
                     "Space-time window start: a time (150ms, 1.5s, 300us) or a history line");
  render->add_option("--to", render_to, "Space-time window end: a time or a history line");
  bool render_partial = false;
  render->add_flag("--partial", render_partial,
                   "Draw a history that stops before its end (a run killed or still going)");
  std::string explain_history;
  CLI::App* explain = app.add_subcommand("explain", "Tell the story of a saved run, key by key");
  explain->add_option("history", explain_history, "A run's history.jsonl")->required();
  bool explain_partial = false;
  explain->add_flag("--partial", explain_partial,
                    "Tell a history that stops before its end (a run killed or still going)");

  kv::cli::StalenessOptions staleness_options;
  CLI::App* staleness = app.add_subcommand(
      "staleness",
      "How stale are reads? P(a read sent delta after a write commits returns it), PBS-style");
  staleness->add_option("scenario", staleness_options.scenario_paths, "Scenario files (YAML)")
      ->required();
  staleness->add_option("--trials", staleness_options.trials, "Trials per delta")
      ->capture_default_str();
  staleness->add_option("--delta", staleness_options.deltas, "Deltas, comma-separated")
      ->capture_default_str();
  staleness->add_option("--seed", staleness_options.seed, "Seed of the experiment")
      ->check(kSeed)
      ->capture_default_str();
  staleness->add_option("--jobs", staleness_options.jobs, "Threads (default: one per core)");
  staleness->add_flag("--json", staleness_options.json, "One JSON object on stdout");
  staleness
      ->add_option("--out", staleness_options.out_dir,
                   "Also write staleness.json and a plot (svg, png) here")
      ->check(kFolder);

  kv::cli::GradeCommand grade_command;
  CLI::App* grade = kv::cli::add_grade_command(app, grade_command, kSeed, kFolder);

  kv::cli::DiffOptions diff_options;
  CLI::App* diff = app.add_subcommand(
      "diff", "Compare two runs' folders: where their histories part, stores and verdicts");
  diff->add_option("a", diff_options.a, "A run's folder (or its history.jsonl)")->required();
  diff->add_option("b", diff_options.b, "The other run's folder (or its history.jsonl)")
      ->required();
  diff->add_option("--out", diff_options.out_dir,
                   "Folder for the page, index.html (default out/diff)")
      ->check(kFolder);
  diff->add_option("--context", diff_options.context,
                   "Lines shown before the first difference and from it on each side")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  bool diff_no_page = false;
  diff->add_flag("--no-page", diff_no_page, "Print the comparison only; write no page");

  CLI::App* bench = app.add_subcommand("bench", "Reference workloads of BENCHMARKS.md");
  bench->require_subcommand(1);
  kv::cli::FanoutOptions fanout_options;
  CLI::App* fanout = bench->add_subcommand("fanout", "W1: full replication, random delays");
  fanout->add_option("-N", fanout_options.nodes, "Nodes")
      ->capture_default_str()
      ->check(whole_number(1, 1000, "N"));
  fanout->add_option("-K", fanout_options.keys, "Keys")
      ->capture_default_str()
      ->check(whole_number(1, UINT32_MAX, "K"));
  fanout->add_option("-P", fanout_options.puts, "Client puts")
      ->capture_default_str()
      ->check(whole_number(1, 1000000000, "P"));
  fanout->add_option("--seed", fanout_options.seed, "Seed")->capture_default_str()->check(kSeed);
  fanout->add_option("--history", fanout_options.history, "Write the history to this file");
  fanout->add_flag("--truth", fanout_options.truth,
                   "Keep the truth as kvsim run does (to measure its cost)");
  add_mechanism_option(fanout, "default client-vv");
  uint64_t scale_seed = 1;
  CLI::App* scale = bench->add_subcommand("scale", "W2: how cost grows with N, K and P");
  scale->add_option("--seed", scale_seed, "Seed")->capture_default_str()->check(kSeed);

  if (auto stop = unknown_subcommand(app, argc, argv, 1, "kvsim")) return *stop;
  if (argc > 1 && std::string(argv[1]) == "bench") {
    if (auto stop = unknown_subcommand(*bench, argc, argv, 2, "kvsim bench")) return *stop;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end with 0; any other parse error is bad input.
    const int code = app.exit(e);
    return code == 0 ? kv::cli::kExitOk : kv::cli::kExitBadInput;
  }
  if (node->parsed()) {
    if (!node_interval.empty()) {
      if (!node_options.replicate) {
        std::fprintf(stderr, "kvsim node: --anti-entropy-interval needs --replicate\n");
        return kv::cli::kExitBadInput;
      }
      const std::optional<int64_t> interval = kv::parse_time_us(node_interval);
      if (interval) node_options.anti_entropy_interval_us = *interval;
      if (!interval || *interval <= 0) {
        std::fprintf(stderr,
                     "kvsim node: --anti-entropy-interval: '%s' is not a positive time such as "
                     "100ms\n",
                     node_interval.c_str());
        return kv::cli::kExitBadInput;
      }
    }
    if (node_options.replicate && node_options.disk.empty()) {
      if (const char* dir = std::getenv("KVSIM_NODE_DIR"); dir != nullptr && *dir != '\0') {
        node_options.disk = dir;
      }
    }
    return kv::cli::run_node(node_options);
  }
  if (staleness->parsed()) return kv::cli::run_staleness(staleness_options);
  if (run->parsed()) {
    if (auto stop = kv::cli::use_mutant_option(mutant, "run")) return *stop;
    if (seed_option->count() > 0) run_options.seed = seed;
    run_options.render = !no_render;
    if (!max_history.empty()) kv::cli::parse_size(max_history, run_options.max_history);
    if (!node_timeout.empty()) {
      const std::optional<int64_t> timeout = kv::parse_time_us(node_timeout);
      if (!timeout || *timeout <= 0 || run_options.node_cmd.empty()) {
        std::fprintf(stderr, "kvsim run: --node-timeout: %s\n",
                     run_options.node_cmd.empty()
                         ? "needs --node-cmd"
                         : ("'" + node_timeout + "' is not a positive time such as 5s").c_str());
        return kv::cli::kExitBadInput;
      }
      run_options.node_timeout_us = *timeout;
    }
    if (!mechanism.empty()) run_options.mechanism = kv::mechanism_by_name(mechanism);
    return kv::cli::run_scenario(run_options);
  }
  if (sweep->parsed()) {
    if (auto stop = kv::cli::use_mutant_option(mutant, "sweep")) return *stop;
    if (!mechanism.empty()) sweep_options.mechanism = kv::mechanism_by_name(mechanism);
    return kv::cli::run_sweep(sweep_options);
  }
  if (shrink->parsed()) {
    if (auto stop = kv::cli::use_mutant_option(mutant, "shrink")) return *stop;
    if (shrink_seed_option->count() > 0) shrink_options.seed = shrink_seed;
    shrink_options.render = !shrink_no_render;
    if (!mechanism.empty()) shrink_options.mechanism = kv::mechanism_by_name(mechanism);
    if (!shrink_max_history.empty()) {
      kv::cli::parse_size(shrink_max_history, shrink_options.max_history);
    }
    return kv::cli::run_shrink(shrink_options);
  }
  if (compare->parsed()) {
    for (int i = 0; i < argc; ++i) {
      compare_options.command += (i ? " " : "") + std::string(i ? argv[i] : "kvsim");
    }
    return kv::cli::run_compare(compare_options);
  }
  if (merge->parsed()) return kv::cli::run_sweep_merge(merge_dirs, merge_out);
  if (render->parsed()) {
    return kv::cli::run_render(render_history, render_out, render_from, render_to, render_partial);
  }
  if (explain->parsed()) return kv::cli::run_explain(explain_history, explain_partial);
  if (grade->parsed()) return kv::cli::run_grade(grade_command);
  if (diff->parsed()) {
    diff_options.page = !diff_no_page;
    return kv::cli::run_diff(diff_options);
  }
  if (fanout->parsed()) {
    if (!mechanism.empty()) fanout_options.mechanism = *kv::mechanism_by_name(mechanism);
    return kv::cli::run_fanout(fanout_options);
  }
  if (scale->parsed()) return kv::cli::run_scale(scale_seed);
  return kv::cli::kExitBadInput;
}

}  // namespace
