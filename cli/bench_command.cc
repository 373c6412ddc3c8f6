#include "cli/bench_command.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "cli/exit_status.h"
#include "history/writer.h"
#include "sim/simulation.h"

namespace kv::cli {

namespace {

using json::Json;

uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

uint64_t current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long pages_total = 0, pages_resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &pages_total, &pages_resident);
  std::fclose(f);
  return got == 2 ? pages_resident * 4096ull : 0;
}

// BENCHMARKS.md's W1 as a scenario: put i at i*50us at n((i mod N)+1), a uniformly
// drawn key, value "v<i>", the clock built by a client colocated with the
// node, replication to the other N-1 nodes with delays uniform in [1, 10] ms.
sim::Scenario fanout_scenario(const FanoutOptions& o) {
  sim::Scenario s;
  s.name = "fanout";
  s.nodes = o.nodes;
  s.mechanism = o.mechanism;
  s.network.delay = {sim::DelaySpec::Dist::kUniform, {}, {1000}, {10000}, {}};
  sim::WorkloadSpec w;
  w.keys = static_cast<uint32_t>(o.keys);
  w.ops = o.puts;
  w.interval = kv::Duration{50};
  w.colocated = true;
  w.target = sim::WorkloadSpec::Target::kRoundRobin;
  s.workload = w;
  // Long enough for the last put's replication to arrive.
  s.run_until = kv::SimTime{static_cast<int64_t>(o.puts) * 50 + 20000};
  return s;
}

}  // namespace

int run_fanout(const FanoutOptions& o) {
  if (o.nodes < 1 || o.nodes > sim::kMaxNodes || o.keys < 1 || o.keys > UINT32_MAX || o.puts < 1 ||
      o.puts > sim::kMaxWorkloadOps) {
    std::fprintf(stderr, "kvsim bench: -N must be 1..%u, -K 1..2^32-1, -P 1..%llu\n",
                 sim::kMaxNodes, static_cast<unsigned long long>(sim::kMaxWorkloadOps));
    return kExitBadInput;
  }
  const sim::Scenario scenario = fanout_scenario(o);
  history::HistoryWriter history;
  if (!o.history.empty()) {
    if (const Status opened = history.open(o.history); !opened.ok()) {
      return fail(opened, "kvsim bench");
    }
  }
  const uint64_t rss_before = current_rss_bytes();
  const auto start = std::chrono::steady_clock::now();
  sim::Simulation simulation(scenario, o.seed, history);
  if (!o.truth) simulation.no_truth();
  simulation.run();
  if (const Status closed = history.close(); !closed.ok()) return fail(closed, "kvsim bench");
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t peak = peak_rss_bytes();

  // Keys holding more than one sibling on every node, and stored siblings.
  uint64_t multi_everywhere = 0, stored_siblings = 0;
  for (sim::NodeIndex i = 0; i < simulation.node_count(); ++i) {
    stored_siblings += simulation.node(i).store().sibling_count();
  }
  for (std::string_view key : simulation.node(0).store().sorted_keys()) {
    bool all = true;
    for (sim::NodeIndex i = 0; i < simulation.node_count() && all; ++i) {
      all = simulation.node(i).get(key).size() > 1;
    }
    multi_everywhere += all;
  }
  bool checks_ok = true;
  for (const sim::CheckResult& c : simulation.check()) checks_ok &= c.ok();

  const sim::RunStats& s = simulation.stats();
  Json j;
  j["workload"] = "fanout";
  j["mechanism"] = std::string(mechanism_name(o.mechanism));
  j["nodes"] = o.nodes;
  j["keys"] = o.keys;
  j["puts"] = o.puts;
  j["seed"] = o.seed;
  j["events"] = s.events;
  j["wall_s"] = wall;
  j["events_per_s"] = wall > 0 ? static_cast<double>(s.events) / wall : 0.0;
  j["peak_rss_bytes"] = peak;
  j["stored_siblings"] = stored_siblings;
  j["bytes_per_sibling"] =
      stored_siblings ? static_cast<double>(peak - std::min(peak, rss_before)) / stored_siblings
                      : 0.0;
  j["keys_multi_sibling_all_nodes"] = multi_everywhere;
  j["history"] = !o.history.empty();
  j["truth"] = o.truth;
  j["checks_ok"] = checks_ok;
  std::printf("%s\n", json::dump(j).c_str());
  return checks_ok ? kExitOk : kExitCheckFailed;
}

int run_scale(uint64_t seed) {
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    std::fprintf(stderr, "kvsim bench scale: cannot find the kvsim binary: %s\n",
                 ec.message().c_str());
    return kExitIoError;
  }
  struct Size {
    uint32_t n;
    uint64_t k, p;
  };
  const std::vector<Size> sizes = {
      {3, 1000, 200000},   {5, 1000, 200000},   {10, 1000, 200000},   {50, 1000, 200000},
      {100, 1000, 200000}, {5, 100000, 200000}, {5, 1000000, 200000}, {5, 1000, 100000},
      {5, 1000, 1000000},  {5, 1000, 10000000},
  };
  std::printf("%6s %9s %10s %12s %14s %12s %10s\n", "N", "K", "P", "events", "events/s",
              "bytes/sib", "peak MiB");
  int status = kExitOk;
  for (const Size& size : sizes) {
    const std::string command = "'" + self + "' bench fanout -N " + std::to_string(size.n) +
                                " -K " + std::to_string(size.k) + " -P " + std::to_string(size.p) +
                                " --seed " + std::to_string(seed);
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      std::fprintf(stderr, "kvsim bench scale: cannot start: %s\n", command.c_str());
      return kExitIoError;
    }
    std::string line;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) line += buf;
    // A size whose checks fail (or that fails) makes the whole table's
    // status that size's.
    const int ended = pclose(pipe);
    if (ended != 0) status = WIFEXITED(ended) ? WEXITSTATUS(ended) : kExitIoError;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      std::fprintf(stderr, "kvsim bench scale: no result from: %s\n", command.c_str());
      return kExitIoError;
    }
    std::printf("%6u %9llu %10llu %12llu %14.0f %12.1f %10.1f\n", size.n,
                static_cast<unsigned long long>(size.k), static_cast<unsigned long long>(size.p),
                j["events"].get<unsigned long long>(), j["events_per_s"].get<double>(),
                j["bytes_per_sibling"].get<double>(),
                static_cast<double>(j["peak_rss_bytes"].get<unsigned long long>()) / (1 << 20));
    std::fflush(stdout);
  }
  return status;
}

}  // namespace kv::cli
