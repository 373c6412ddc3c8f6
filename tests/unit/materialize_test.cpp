// Tests for sim/shrink's pieces: a workload materialized into timeline
// events drawing the same operations, a failure's signature, and a small shrink worked by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "base/json_text.h"
#include "history/writer.h"
#include "sim/scenario_writer.h"
#include "sim/shrink.h"
#include "sim/simulation.h"
#include "tests/unit/run_helpers.h"

namespace {

using namespace kv::sim;
using testing::loaded;

// Each `op` line's client, op, key, node and due time, sorted.
std::vector<std::string> op_lines(const Scenario& s, uint64_t seed) {
  kv::history::HistoryWriter history;
  const std::string path = "materialize_test_history.jsonl";
  std::string error;
  REQUIRE(history.open(path, error));
  Simulation sim(s, seed, history);
  sim.run();
  REQUIRE(history.close(error));
  const std::string text = testing::slurp_and_remove(path);
  std::vector<std::string> ops;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = text.find('\n', begin);
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    const kv::json::Json j = kv::json::Json::parse(line);
    if (j["kind"] != "op") continue;
    ops.push_back(j["client"].get<std::string>() + " " + j["op"].get<std::string>() + " " +
                  j["key"].get<std::string>() + " " + j["node"].get<std::string>() + " " +
                  std::to_string(j["due"].get<int64_t>()));
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace

TEST_CASE("a materialized workload sends the operations the workload draws") {
  Scenario s = testing::busy_scenario("m", 300, 200000);
  s.events.push_back(loaded("name: t\nnodes: 5\nrun_until: 1s\nevents:\n"
                            "  - {at: 1ms, client: c2, node: n1, get: {key: z}}\n")
                         .events[0]);
  const std::optional<Scenario> m = materialize_workload(s, 7);
  REQUIRE(m.has_value());
  CHECK(!m->workload);
  REQUIRE(m->events.size() == 301);
  // Workload clients come after the highest scripted one (c2): c3..c6.
  for (const TimelineEvent& e : m->events) {
    CHECK(e.kind == TimelineEvent::Kind::kClient);
    if (e.op.key == "z") continue;
    CHECK((e.client >= "c3" && e.client <= "c6"));
  }
  CHECK(m->events.front().at.us == 0);  // the workload starts at 0
  CHECK(m->events.back().at.us == 299 * 200);
  // The same operations, each due when it was: the same client, kind, key
  // and node for every one.
  CHECK(op_lines(*m, 7) == op_lines(s, 7));
  // A colocated workload is not materialized.
  s.workload->colocated = true;
  s.workload->get_weight = s.workload->resolve_weight = 0;
  CHECK(!materialize_workload(s, 7));
}

TEST_CASE("a failure's signature: the first check not as expected, else the first not holding") {
  // c1's put reaches n1 at 1ms (written), then n1 loses its disk at 5ms: x
  // is lost, and nothing is live to compare.
  const std::string base =
      "name: s\nnodes: 1\nnetwork: {delay: {dist: constant, value: 1ms}}\nrun_until: 10ms\n"
      "events:\n  - {at: 0ms, client: c1, node: n1, put: {key: x, value: 1, clock: [1]}}\n"
      "  - {at: 5ms, crash: n1, amnesia: true}\n";
  CHECK(failure_of(loaded(base), 1, UINT64_MAX) == FailureSignature{"no_lost_write", "x"});
  // Expected: every check as the scenario says; still the loss is what fails.
  CHECK(failure_of(loaded(base + "expect: {lost_writes: true}\n"), 1, UINT64_MAX) ==
        FailureSignature{"no_lost_write", "x"});
  // Without the crash nothing fails.
  const Scenario fine = loaded(
      "name: s\nnodes: 1\nrun_until: 10ms\n"
      "events:\n  - {at: 0ms, client: c1, node: n1, put: {key: x, value: 1, clock: [1]}}\n");
  CHECK(!failure_of(fine, 1, UINT64_MAX));
}

TEST_CASE("a small shrink, worked by hand") {
  // Three nodes; the write to `order` at n1 is replicated unless n1 is cut
  // off; n1 crashes with amnesia at 50ms. The get on `other`, the heal and
  // the restart after the crash do not matter to the loss, nor do n2 and n3
  // (with one node the write is lost all the same).
  const Scenario s = loaded(
      "name: s\nseed: 3\nnodes: 3\nanti_entropy: {interval: 20ms}\nrun_until: 500ms\n"
      "events:\n"
      "  - {at: 0ms, partition: {isolate: n1}}\n"
      "  - {at: 1ms, client: c1, node: n1, put: {key: order, value: paid, clock: [1, 0, 0]}}\n"
      "  - {at: 3ms, client: c2, node: n2, get: {key: other}}\n"
      "  - {at: 50ms, crash: n1, amnesia: true}\n"
      "  - {at: 60ms, heal: true}\n"
      "  - {at: 70ms, restart: n1}\n"
      "expect: {lost_writes: true, maximal: false}\n");
  const FailureSignature target{"no_lost_write", "order"};
  REQUIRE(failure_of(s, 3, UINT64_MAX) == target);
  const ShrinkResult r = shrink(s, 3, target, UINT64_MAX);
  CHECK(r.signature == FailureSignature{"no_lost_write", "a"});
  CHECK(r.scenario.nodes == 1);
  REQUIRE(r.scenario.events.size() == 2);
  CHECK(r.scenario.events[0].kind == TimelineEvent::Kind::kClient);
  CHECK(r.scenario.events[0].op.key == "a");
  CHECK(r.scenario.events[0].op.value_json == "\"v1\"");
  CHECK(*r.scenario.events[0].op.clock == std::vector<uint64_t>{1});
  CHECK(r.scenario.events[1].kind == TimelineEvent::Kind::kCrash);
  CHECK(r.scenario.events[1].amnesia);
  // The put arrives at 1ms at the earliest (delays of 1..10ms): the crash
  // comes after its arrival.
  CHECK(r.scenario.events[1].at.us > r.scenario.events[0].at.us);
  CHECK(r.scenario.expect.lost_writes == std::nullopt);
  CHECK(r.minimality.one_minimal());
  CHECK(r.minimality.events == 2);
  CHECK(failure_of(r.scenario, 3, UINT64_MAX) == r.signature);
  // The same input, the same result.
  CHECK(write_scenario(shrink(s, 3, target, UINT64_MAX).scenario) == write_scenario(r.scenario));
}
