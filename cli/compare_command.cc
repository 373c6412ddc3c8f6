#include "cli/compare_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

#include "base/file.h"
#include "cli/exit_status.h"
#include "cli/output_folder.h"
#include "cli/run_command.h"
#include "sim/compare.h"
#include "sim/compare_report.h"
#include "sim/yaml_values.h"

namespace kv::cli {

namespace {

constexpr const char* kWho = "kvsim compare";

// "client-vv,dvv" -> the mechanisms, in order.
Result<std::vector<Mechanism>> parse_mechanisms(std::string_view text) {
  std::vector<Mechanism> out;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    const std::optional<Mechanism> m = mechanism_by_name(name);
    if (!m) {
      return Status::bad_input("--mechanisms: '" + std::string(name) + "' is not one of " +
                               mechanism_list() + " (comma-separated, e.g. client-vv,lww)");
    }
    out.push_back(*m);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// gnuplot compare.gp in `dir`; its own messages go to stderr.
Status draw_chart(const std::string& dir) {
  if (dir.find('\'') != std::string::npos) {
    return Status::io_error("cannot run gnuplot in a folder whose name has a quote: " + dir);
  }
  const std::string command = "cd '" + dir + "' && gnuplot compare.gp";
  if (std::system(command.c_str()) != 0) {
    return Status::io_error(
        "gnuplot failed to draw compare.svg and compare.png (is it installed? apt-get install "
        "gnuplot-nox); compare.json, compare.html, compare.dat and compare.gp are written in " +
        dir);
  }
  return Status();
}

}  // namespace

int run_compare(const CompareOptions& options) {
  const Result<std::vector<Mechanism>> mechanisms = parse_mechanisms(options.mechanisms);
  if (!mechanisms.ok()) return fail(mechanisms.status(), kWho);
  const auto range = sim::yaml::parse_seed_range(options.seeds);
  if (!range) {
    return fail(Status::bad_input("--seeds: '" + options.seeds +
                                  "' is not a range A..B of seeds with A <= B (e.g. 1..100)"),
                kWho);
  }
  const auto [first, last] = *range;
  if (last - first >= kMaxCompareSeeds) {
    return fail(Status::bad_input("--seeds: " + options.seeds + " is more than " +
                                  std::to_string(kMaxCompareSeeds) + " seeds"),
                kWho);
  }
  Result<sim::Scenario> loaded = load_for_command(options.scenario_path, /*swarm=*/false);
  if (!loaded.ok()) return fail(loaded.status(), "");
  const sim::Scenario& scenario = *loaded;
  if (Status s = sim::check_mechanisms(scenario, *mechanisms); !s.ok()) return fail(s, kWho);

  const std::string out_dir =
      options.out_dir.empty() ? "out/" + scenario.name + "-compare" : options.out_dir;
  if (const FolderHolds holds = folder_holds(out_dir); holds != FolderHolds::kNothing) {
    return fail(Status::bad_input("--out: " + out_dir + " holds a " +
                                  (holds == FolderHolds::kRun ? "run's" : "sweep's") +
                                  " output; give compare a folder of its own"),
                kWho);
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return fail(Status::io_error("cannot create " + out_dir + ": " + ec.message()), kWho);
  // Fail before hours of runs, not after: the folder must take a file.
  const std::string probe = out_dir + "/.compare-probe";
  if (Status s = write_file(probe, ""); !s.ok()) return fail(s, kWho);
  std::filesystem::remove(probe, ec);

  const unsigned jobs =
      options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  const auto start = std::chrono::steady_clock::now();
  const sim::Comparison comparison = sim::run_compare(scenario, *mechanisms, first, last, jobs);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::fputs(sim::compare_table(comparison).c_str(), stdout);
  std::printf("\n");
  for (const sim::MechanismResult& m : comparison.mechanisms) {
    std::printf("%s\n\n", sim::mechanism_sentence(comparison, m).c_str());
  }
  const struct {
    const char* name;
    std::string text;
  } files[] = {
      {"compare.json", sim::compare_json(comparison)},
      {"compare.dat", sim::compare_plot_data(comparison)},
      {"compare.gp", sim::compare_plot_script(comparison)},
      {"compare.html", sim::compare_page(comparison, options.command)},
  };
  for (const auto& f : files) {
    if (Status s = write_file(out_dir + "/" + f.name, f.text); !s.ok()) return fail(s, kWho);
  }
  if (Status s = draw_chart(out_dir); !s.ok()) return fail(s, kWho);
  std::printf(
      "%llu runs (%zu mechanisms x %llu seeds) on %u jobs in %.2f s; compare.json, "
      "compare.svg, compare.png and compare.html in %s\n",
      static_cast<unsigned long long>(comparison.mechanisms.size() * (last - first + 1)),
      comparison.mechanisms.size(), static_cast<unsigned long long>(last - first + 1),
      std::min<unsigned>(jobs,
                         static_cast<unsigned>(std::min<uint64_t>(last - first + 1, UINT32_MAX))),
      wall, out_dir.c_str());
  return kExitOk;
}

}  // namespace kv::cli
