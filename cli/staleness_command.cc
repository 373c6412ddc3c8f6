#include "cli/staleness_command.h"
#include "base/number_text.h"

#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/json_text.h"
#include "base/rng.h"
#include "base/time_text.h"
#include "cli/exit_status.h"
#include "cli/run_command.h"
#include "sim/simulation.h"

namespace kv::cli {

namespace {

// Trials per delta that one simulation runs: its keys and operations stay
// in memory until it ends, so a large experiment is cut into chunks, each
// seeded from the experiment's seed and its number (and run on --jobs
// threads); the counts are added up in chunk order.
constexpr uint64_t kChunkTrials = 2000;

struct Row {
  int64_t delta_us = 0;
  uint64_t trials = 0, consistent = 0, failed = 0;
  double p = 0, low = 0, high = 0;
};

struct Experiment {
  std::string name;
  std::string path;
  Replication replication;
  std::vector<Row> rows;
  uint64_t write_p50 = 0, write_p99 = 0, read_p50 = 0, read_p99 = 0;
};

// Wilson's score interval at 95% for `k` successes in `n` trials (what the
// report prints; it orders no event).
void wilson(uint64_t k, uint64_t n, double& low, double& high) {
  if (n == 0) {
    low = 0;
    high = 1;
    return;
  }
  const double z = 1.959963984540054;
  const double p = static_cast<double>(k) / static_cast<double>(n);
  const double nn = static_cast<double>(n);
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
  low = std::max(0.0, centre - half);
  high = std::min(1.0, centre + half);
}

uint64_t percentile(std::vector<uint32_t>& v, uint64_t per_mille) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(v.size() * per_mille / 1000));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

std::optional<std::vector<Duration>> parse_deltas(const std::string& text, std::string& error) {
  std::vector<Duration> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    const std::optional<int64_t> us = parse_time_us(part, int64_t{3600} * 1000000);
    if (!us) {
      error = "--delta: '" + part + "' is not a time from 0 to 1h such as 0ms, 250us, 1.5ms";
      return std::nullopt;
    }
    out.push_back(Duration{*us});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 100) {
    error = "--delta: at most 100 values";
    return std::nullopt;
  }
  return out;
}

Experiment measure(const sim::Scenario& loaded, const StalenessOptions& options,
                   const std::vector<Duration>& deltas, unsigned jobs) {
  // The trials are the clients: the scenario's own client operations and
  // workload are dropped; its faults (partitions, crashes) and scripted
  // fates stay, at their times in each chunk's run.
  sim::Scenario scenario = loaded;
  std::erase_if(scenario.events, [](const sim::TimelineEvent& e) {
    return e.kind == sim::TimelineEvent::Kind::kClient;
  });
  scenario.workload.reset();
  scenario.run_until = SimTime{sim::kMaxRunUntilUs};
  const uint64_t chunks = (options.trials + kChunkTrials - 1) / kChunkTrials;
  std::vector<sim::StalenessCounts> parts(chunks);
  std::atomic<uint64_t> next{0};
  auto work = [&] {
    for (uint64_t c = next++; c < chunks; c = next++) {
      sim::StalenessProbe probe;
      probe.deltas = deltas;
      probe.trials = std::min(kChunkTrials, options.trials - c * kChunkTrials);
      const uint64_t seed = Rng::derive(options.seed, "staleness", c).next();
      history::HistoryWriter history;  // disabled
      sim::Simulation simulation(scenario, seed, history);
      simulation.no_truth();  // no figures: a staleness run reports probabilities
      parts[c] = simulation.run_staleness(probe);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs && j < chunks; ++j) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();

  Experiment r;
  r.name = scenario.name;
  r.path = scenario.path;
  r.replication = scenario.replication;
  r.rows.resize(deltas.size());
  std::vector<uint32_t> writes, reads;
  for (const sim::StalenessCounts& p : parts) {
    for (size_t d = 0; d < deltas.size(); ++d) {
      r.rows[d].trials += p.trials[d];
      r.rows[d].consistent += p.consistent[d];
      r.rows[d].failed += p.failed[d];
    }
    writes.insert(writes.end(), p.write_latency_us.begin(), p.write_latency_us.end());
    reads.insert(reads.end(), p.read_latency_us.begin(), p.read_latency_us.end());
  }
  for (size_t d = 0; d < deltas.size(); ++d) {
    Row& row = r.rows[d];
    row.delta_us = deltas[d].us;
    row.p = row.trials ? static_cast<double>(row.consistent) / static_cast<double>(row.trials) : 0;
    wilson(row.consistent, row.trials, row.low, row.high);
  }
  r.write_p50 = percentile(writes, 500);
  r.write_p99 = percentile(writes, 990);
  r.read_p50 = percentile(reads, 500);
  r.read_p99 = percentile(reads, 990);
  return r;
}

std::string to_json(const Experiment& r) {
  std::string out = "{\"scenario\": ";
  json::dump_string(r.name, out);
  out += ", \"rows\": [";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const Row& row = r.rows[i];
    out += (i ? ", " : "") + std::string("{\"delta_us\": ") + std::to_string(row.delta_us) +
           ", \"trials\": " + std::to_string(row.trials) +
           ", \"failed\": " + std::to_string(row.failed) +
           ", \"p_consistent\": " + fixed_text(row.p, 6) +
           ", \"ci_low\": " + fixed_text(row.low, 6) + ", \"ci_high\": " + fixed_text(row.high, 6) +
           "}";
  }
  out += "], \"write_latency_us\": {\"p50\": " + std::to_string(r.write_p50) +
         ", \"p99\": " + std::to_string(r.write_p99) +
         "}, \"read_latency_us\": {\"p50\": " + std::to_string(r.read_p50) +
         ", \"p99\": " + std::to_string(r.read_p99) + "}}";
  return out;
}

std::string all_json(const std::vector<Experiment>& results) {
  if (results.size() == 1) return to_json(results[0]) + "\n";
  std::string out = "{\"configurations\": [";
  for (size_t i = 0; i < results.size(); ++i) out += (i ? ", " : "") + to_json(results[i]);
  return out + "]}\n";
}

std::string table(const Experiment& r) {
  std::string out = r.name;
  if (r.replication.quorum()) {
    out += ": N=" + std::to_string(r.replication.n) + " R=" + std::to_string(r.replication.r) +
           " W=" + std::to_string(r.replication.w);
  }
  out += "\n  delta        trials   P(consistent)   95% interval\n";
  for (const Row& row : r.rows) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s %8llu   %12s%%   [%s%%, %s%%]%s\n",
                  format_time(row.delta_us).c_str(), static_cast<unsigned long long>(row.trials),
                  fixed_text(100 * row.p, 3).c_str(), fixed_text(100 * row.low, 3).c_str(),
                  fixed_text(100 * row.high, 3).c_str(),
                  row.failed ? ("  (" + std::to_string(row.failed) + " failed)").c_str() : "");
    out += line;
  }
  out += "  write latency p50 " + format_time(static_cast<int64_t>(r.write_p50)) + ", p99 " +
         format_time(static_cast<int64_t>(r.write_p99)) + "; read latency p50 " +
         format_time(static_cast<int64_t>(r.read_p50)) + ", p99 " +
         format_time(static_cast<int64_t>(r.read_p99)) + "\n";
  return out;
}

// staleness.dat (a block per configuration), staleness.gp, and gnuplot's
// staleness.svg and staleness.png.
int plot(const std::vector<Experiment>& results, const std::string& dir) {
  std::string data;
  for (const Experiment& r : results) {
    data += "# " + r.name + "\n";
    for (const Row& row : r.rows) {
      data += fixed_text(static_cast<double>(row.delta_us) / 1000.0, 3) + " " +
              fixed_text(100 * row.p, 4) + " " + fixed_text(100 * row.low, 4) + " " +
              fixed_text(100 * row.high, 4) + "\n";
    }
    data += "\n\n";
  }
  std::string script =
      "set xlabel 'delta: time from the write commit to the read (ms)'\n"
      "set ylabel 'P(read returns the write) (%)'\n"
      "set key bottom right\nset grid\nset yrange [*:100.5]\n";
  std::string lines = "plot ";
  for (size_t i = 0; i < results.size(); ++i) {
    std::string title = results[i].name;
    std::replace(title.begin(), title.end(), '_', '-');
    lines += (i ? ", " : "") + std::string("'staleness.dat' index ") + std::to_string(i) +
             " using 1:2 with linespoints title '" + title + "'";
  }
  script += "set terminal svg size 800,500\nset output 'staleness.svg'\n" + lines + "\n";
  script += "set terminal pngcairo size 800,500\nset output 'staleness.png'\n" + lines + "\n";
  if (Status s = write_file(dir + "/staleness.dat", data); !s.ok()) {
    std::fprintf(stderr, "kvsim staleness: %s\n", s.message().c_str());
    return kExitIoError;
  }
  if (Status s = write_file(dir + "/staleness.gp", script); !s.ok()) {
    std::fprintf(stderr, "kvsim staleness: %s\n", s.message().c_str());
    return kExitIoError;
  }
  const std::string command = "cd '" + dir + "' && gnuplot staleness.gp";
  const int status = std::system(command.c_str());
  if (status != 0) {
    std::fprintf(stderr,
                 "kvsim staleness: gnuplot failed (is it installed? apt-get install gnuplot-nox); "
                 "staleness.json and staleness.dat are written\n");
    return kExitIoError;
  }
  return kExitOk;
}

}  // namespace

int run_staleness(const StalenessOptions& options) {
  std::string error;
  const std::optional<std::vector<Duration>> deltas = parse_deltas(options.deltas, error);
  if (!deltas) {
    std::fprintf(stderr, "kvsim staleness: %s\n", error.c_str());
    return kExitBadInput;
  }
  if (options.trials == 0 || options.trials > 100000000) {
    std::fprintf(stderr, "kvsim staleness: --trials must be from 1 to 100000000\n");
    return kExitBadInput;
  }
  if (options.out_dir.find('\'') != std::string::npos) {
    std::fprintf(stderr, "kvsim staleness: --out: a folder name without a quote, please\n");
    return kExitBadInput;
  }
  const unsigned jobs =
      options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::vector<Experiment> results;
  for (const std::string& path : options.scenario_paths) {
    const kv::Result<sim::Scenario> scenario = load_for_command(path, /*swarm=*/false);
    if (!scenario.ok()) return fail(scenario.status(), "");
    results.push_back(measure(*scenario, options, *deltas, jobs));
  }
  const std::string json = all_json(results);
  if (options.json) {
    std::fputs(json.c_str(), stdout);
  } else {
    for (const Experiment& r : results) std::fputs(table(r).c_str(), stdout);
  }
  if (options.out_dir.empty()) return kExitOk;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "kvsim staleness: cannot create %s: %s\n", options.out_dir.c_str(),
                 ec.message().c_str());
    return kExitIoError;
  }
  if (Status s = write_file(options.out_dir + "/staleness.json", json); !s.ok()) {
    std::fprintf(stderr, "kvsim staleness: %s\n", s.message().c_str());
    return kExitIoError;
  }
  return plot(results, options.out_dir);
}

}  // namespace kv::cli
