// Tests for sim/swarm: draw_swarm over many seeds gives scenarios the
// simulator can run as they are — drawn faults in time order, each partition
// healed and each crash restarted before the next one and by the end of the
// fault window, every node index in range — and the section's bounds hold.
// The end-to-end side (the history, sweeps, bad sections) is
// tests/e2e/swarm_test.py.
#include "sim/swarm.h"

#include <string>

#include <doctest/doctest.h>

#include "sim/scenario.h"
#include "tests/unit/run_helpers.h"

namespace {

using namespace kv::sim;
using namespace kv;
using testing::loaded;

const char* const kTraffic =
    "name: t\nnodes: 3\nrun_until: 1s\nanti_entropy: {interval: 50ms}\n"
    "workload: {clients: 2, keys: 2, ops: 10, interval: 20ms}\n";

}  // namespace

TEST_CASE("drawn faults alternate, stay in their window and name drawn nodes") {
  const Scenario s = loaded(std::string(kTraffic) +
                            "swarm:\n  faults_end: 0.5\n"
                            "  partitions: {chance: 1, max: 5}\n"
                            "  crashes: {chance: 1, max: 5, amnesia: true}\n"
                            "  nodes: {min: 2, max: 7}\n");
  bool saw_amnesia = false;
  for (uint64_t seed = 1; seed <= 2000; ++seed) {
    const auto [drawn, draw] = draw_swarm(s, seed);
    CAPTURE(seed);
    REQUIRE(draw.nodes.has_value());
    CHECK(*draw.nodes >= 2);
    CHECK(*draw.nodes <= 7);
    CHECK(drawn.nodes == *draw.nodes);
    CHECK_FALSE(drawn.swarm.has_value());
    CHECK(drawn.swarm_draw_json == draw.json_text());
    REQUIRE(draw.partitions.has_value());
    REQUIRE(draw.crashes.has_value());
    CHECK(draw.partitions->size() >= 1);
    CHECK(draw.crashes->size() >= 1);
    CHECK(drawn.events.size() == 2 * (draw.partitions->size() + draw.crashes->size()));
    bool cut = false;
    std::vector<bool> down(drawn.nodes, false);
    SimTime last{0};
    for (const TimelineEvent& e : drawn.events) {
      CHECK(e.at >= last);
      CHECK(e.at.us <= 500000);
      last = e.at;
      switch (e.kind) {
        case TimelineEvent::Kind::kPartition:
          CHECK_FALSE(cut);
          cut = true;
          if (e.partition.shape == PartitionSpec::Shape::kIsolate) {
            CHECK(e.partition.isolate < drawn.nodes);
          }
          if (e.partition.shape == PartitionSpec::Shape::kOneWay) {
            CHECK(e.partition.from.size() + e.partition.to.size() == drawn.nodes);
          }
          break;
        case TimelineEvent::Kind::kHeal:
          CHECK(cut);
          cut = false;
          break;
        case TimelineEvent::Kind::kCrash:
          REQUIRE(e.node < drawn.nodes);
          CHECK_FALSE(down[e.node]);
          down[e.node] = true;
          saw_amnesia |= e.amnesia;
          break;
        case TimelineEvent::Kind::kRestart:
          REQUIRE(e.node < drawn.nodes);
          CHECK(down[e.node]);
          down[e.node] = false;
          break;
        case TimelineEvent::Kind::kClient:
          FAIL("no client events were scripted");
      }
    }
    CHECK_FALSE(cut);
    for (bool d : down) CHECK_FALSE(d);
  }
  CHECK(saw_amnesia);
}

TEST_CASE("the same seed draws the same mix; switching a dimension off leaves the others") {
  const Scenario all = loaded(std::string(kTraffic) + "swarm: {}\n");
  const Scenario some = loaded(std::string(kTraffic) + "swarm: {loss: off, crashes: off}\n");
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    CAPTURE(seed);
    const auto [a, draw_a] = draw_swarm(all, seed);
    const auto [again, draw_again] = draw_swarm(all, seed);
    CHECK(a.swarm_draw_json == again.swarm_draw_json);
    const auto [b, draw_b] = draw_swarm(some, seed);
    CHECK_FALSE(draw_b.loss.has_value());
    CHECK_FALSE(draw_b.crashes.has_value());
    CHECK(b.network.loss.ppb == 0);  // the scenario's own
    CHECK(draw_a.duplicate->ppb == draw_b.duplicate->ppb);
    CHECK(draw_a.delay_scale == draw_b.delay_scale);
    CHECK(draw_a.anti_entropy_interval == draw_b.anti_entropy_interval);
    CHECK(draw_a.workload_interval == draw_b.workload_interval);
    CHECK(draw_a.nodes == draw_b.nodes);
    REQUIRE(draw_a.partitions.has_value());
    CHECK(draw_a.partitions->size() == draw_b.partitions->size());
    // Without amnesia: true, no drawn crash loses its store.
    for (const SwarmDraw::Crash& c : *draw_a.crashes) CHECK_FALSE(c.amnesia);
  }
}

TEST_CASE("dimensions that do not apply are not drawn") {
  // Scripted events (naming nodes), a scripted partition and crash, no
  // anti-entropy, no workload: only the network is drawn.
  const Scenario s = loaded(
      "name: t\nnodes: 3\nrun_until: 1s\n"
      "events:\n"
      "  - {at: 1ms, partition: {isolate: n1}}\n"
      "  - {at: 2ms, crash: n2}\n"
      "swarm: {}\n");
  const auto [drawn, draw] = draw_swarm(s, 7);
  CHECK_FALSE(draw.nodes.has_value());
  CHECK_FALSE(draw.partitions.has_value());
  CHECK_FALSE(draw.crashes.has_value());
  CHECK_FALSE(draw.anti_entropy_interval.has_value());
  CHECK_FALSE(draw.workload_interval.has_value());
  CHECK(draw.loss.has_value());
  CHECK(drawn.events.size() == 2);
  CHECK(drawn.nodes == 3);
}
