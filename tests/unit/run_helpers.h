// Helpers the unit tests share (the run, fingerprint, scenario writer,
// swarm draw and shrinker tests).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "history/history.h"
#include "sim/scenario.h"

namespace kv::history::testing {

// Options that read a history fragment (no `end` line).
inline const ReadOptions kPartial{.partial = true};

}  // namespace kv::history::testing

namespace kv::sim::testing {

// The scenario `text` loads to; a failed load fails the test, saying why.
inline Scenario loaded(const std::string& text, const std::string& path = "t.yaml") {
  LoadResult result = load_scenario_text(text, path);
  INFO(result.error());
  REQUIRE(result.ok());
  return std::move(result.value());
}

// Generated traffic on 5 nodes with anti-entropy: `ops` operations, one every
// 200 µs, a few MB of history (past the writer's buffers many times, with
// lines of every length).
inline Scenario busy_scenario(const std::string& name, uint64_t ops, int64_t run_until_us) {
  Scenario s;
  s.name = name;
  s.nodes = 5;
  s.anti_entropy_interval = Duration{10000};
  WorkloadSpec w;
  w.clients = 4;
  w.keys = 20;
  w.ops = ops;
  w.interval = Duration{200};
  w.put_weight = 3;
  w.get_weight = 1;
  w.resolve_weight = 1;
  s.workload = w;
  s.run_until = SimTime{run_until_us};
  return s;
}

// The file's bytes; the file is removed.
inline std::string slurp_and_remove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::remove(path.c_str());
  return text.str();
}

}  // namespace kv::sim::testing
