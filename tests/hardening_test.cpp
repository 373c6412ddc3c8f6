// Hardening: kvsim's three untrusted inputs (lines on stdin, scenario files,
// history files) at and past every limit, and each bug the fuzzers in
// tests/fuzz/ found, kept as a regression test (the inputs themselves are in
// tests/fuzz/regressions/, replayed by the fuzz build's tests).
//
// Each limit has a test at the limit (accepted) and just past it (refused
// with a clear error, or handled as documented). Tests stay fast: they run
// under AddressSanitizer too.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "sim/history.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "viz/causal_graph.h"
#include "viz/history.h"
#include "viz/spacetime.h"
#include "viz/story.h"

namespace {

bool one_clean_line(const std::string& text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

std::string temp_path(const char* name) {
  return "/tmp/kvsim_hardening_" + std::to_string(::getpid()) + "_" + name;
}

kv::sim::Scenario load(const std::string& text) {
  kv::sim::LoadResult r = kv::sim::load_scenario_text(text, "s.yaml");
  INFO(r.error);
  REQUIRE(r.scenario);
  return *r.scenario;
}

// Runs `scenario` writing its history, and reads that back as `kvsim render`
// would.
kv::viz::ReadResult run_and_read_back(const kv::sim::Scenario& scenario) {
  const std::string path = temp_path("history.jsonl");
  {
    kv::sim::History history;
    std::string error;
    REQUIRE(history.open(path, error));
    kv::sim::Simulation sim(scenario, 1, history);
    sim.run();
    REQUIRE(history.close(error));
  }
  kv::viz::ReadResult read = kv::viz::read_history_file(path);
  std::remove(path.c_str());
  return read;
}

}  // namespace

// ---- fuzz findings ---------------------------------------------------------

// fuzz_history: a name read from the file went into the error as it was, so a
// name holding a newline (or a terminal escape) split the one-line error.
TEST_CASE("a history error quoting a name with control characters is one clean line") {
  const std::string text =
      "{\"t\": 0, \"kind\": \"send\", \"id\": 1, \"src\": \"c1\", \"dest\": \"n1\", \"body\": "
      "{\"type\": \"kv_put\"}}\n"
      "{\"t\": 1, \"kind\": \"deliver\", \"id\": 1, \"src\": \"c1\", \"dest\": "
      "\"n\\nX\\u001b[31m\"}\n";
  const kv::viz::ReadResult r = kv::viz::read_history_text(text, "h.jsonl");
  REQUIRE_FALSE(r.history);
  CHECK(one_clean_line(r.error));
  CHECK(r.error.find("h.jsonl:2: message 1 was sent from c1 to n1, not from c1 to n\\x0aX\\x1b[31m") ==
        0);
}

TEST_CASE("a history warning quoting an unknown kind with a newline is one clean line") {
  const std::string text = "{\"t\": 0, \"kind\": \"new\\nkind\"}\n";
  const kv::viz::ReadResult r = kv::viz::read_history_text(text, "h.jsonl");
  REQUIRE(r.history);
  REQUIRE(r.history->warnings.size() == 1);
  CHECK(one_clean_line(r.history->warnings[0]));
  CHECK(r.history->warnings[0] == "h.jsonl:1: unknown kind \"new\\x0akind\", line skipped");
}

// fuzz_scenario: a scenario may hold values nested kMaxValueDepth (100) deep,
// but the viz reader refused history lines nested deeper than 64, so
// `kvsim render` refused the history of a valid run. Such a value sits at
// most 4 levels down in a history line (final -> store -> key -> version).
TEST_CASE("the history of a run with a value nested kMaxValueDepth deep reads back and draws") {
  static_assert(kv::viz::kMaxNestingDepth >= kv::sim::kMaxValueDepth + 4);
  const std::string deep = std::string(kv::sim::kMaxValueDepth, '[') + "1" +
                           std::string(kv::sim::kMaxValueDepth, ']');
  const kv::sim::Scenario scenario = load(
      "name: deep\nnodes: 2\nrun_until: 100ms\nanti_entropy: {interval: 10ms}\nevents:\n"
      "  - {at: 1ms, client: c1, node: n1, put: {key: x, value: " + deep + ", clock: auto}}\n"
      "  - {at: 50ms, client: c1, node: n2, get: {key: x}}\n");
  const kv::viz::ReadResult read = run_and_read_back(scenario);
  INFO(read.error);
  REQUIRE(read.history);
  CHECK(read.history->warnings.empty());
  CHECK_FALSE(kv::viz::causal_graph_dot(kv::viz::build_causal_graph(*read.history)).empty());
  CHECK_FALSE(kv::viz::tell_story(*read.history).empty());
}
