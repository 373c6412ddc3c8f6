// Tests for sim/scenario_writer: every shipped scenario survives a round
// trip (loaded, written, loaded again, written again: the same text), and a
// hand-built scenario is written as the format spells it and loads back to
// the same values.
#include "sim/scenario_writer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario.h"
#include "tests/unit/run_helpers.h"

namespace {

using namespace kv::sim;
using testing::loaded;

std::vector<std::filesystem::path> shipped_scenarios() {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path data = KVSIM_TEST_DATA;
  for (const auto& dir :
       {data, data / ".." / ".." / "scenarios", data / ".." / ".." / "scenarios" / "regressions"}) {
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every shipped scenario survives a round trip through the writer") {
  const std::vector<std::filesystem::path> files = shipped_scenarios();
  REQUIRE(files.size() >= 11);  // scenarios/ alone holds 11
  for (const auto& file : files) {
    INFO(file.string());
    LoadResult first = load_scenario_file(file.string());
    REQUIRE(first.ok());
    const std::string text = write_scenario(first.value());
    const Scenario again = loaded(text);
    CHECK(write_scenario(again) == text);
    CHECK(again.events.size() == first.value().events.size());
    CHECK(again.nodes == first.value().nodes);
    CHECK(again.run_until == first.value().run_until);
    CHECK(again.network.loss.ppb == first.value().network.loss.ppb);
    CHECK(again.expect.siblings == first.value().expect.siblings);
    CHECK(again.expect.values == first.value().expect.values);
  }
}

TEST_CASE("the writer spells times, probabilities, events and fates as the format does") {
  const Scenario s = loaded(
      "name: w\n"
      "description: \"say \\\"hi\\\"\"\n"
      "seed: 7\n"
      "nodes: 3\n"
      "network: {delay: {dist: uniform, min: 1500us, max: 2s}, loss: 0.25, duplicate: "
      "0.000000001}\n"
      "anti_entropy: {interval: 20ms}\n"
      "clients: {timeout: 50ms, retries: 2, retry: same}\n"
      "events:\n"
      "  - {at: 0ms, partition: [[n1], [n2, n3]]}\n"
      "  - {at: 1ms, partition: {from: [n1], to: [n2]}}\n"
      "  - {at: 2ms, partition: {shape: majorities-ring}}\n"
      "  - {at: 3ms, client: c2, node: n3, put: {key: 7, value: {a: [1, x]}, clock: auto}}\n"
      "  - {at: 4ms, drop: {from: n1, to: n2, type: replicate}}\n"
      "  - {at: 5ms, delay: {from: c2, to: n3, type: kv_get, by: 30ms}}\n"
      "  - {at: 6ms, crash: n2, amnesia: true}\n"
      "  - {at: 7ms, delay: {from: n1, to: n3, type: replicate, by: 2ms, again: 3500us}}\n"
      "run_until: 1s\n"
      "expect: {lost_writes: true, siblings: {x: 2}, values: {x: [1, \"1\"]}}\n");
  const std::string text = write_scenario(s, "from a test\nsecond line");
  // Worked by hand from the input above.
  CHECK(text.find("# from a test\n# second line\nname: w\n") == 0);
  CHECK(text.find("description: \"say \\\"hi\\\"\"\n") != std::string::npos);
  CHECK(text.find("  delay: {dist: uniform, min: 1.5ms, max: 2s}\n") != std::string::npos);
  CHECK(text.find("  loss: 0.25\n  duplicate: 0.000000001\n") != std::string::npos);
  CHECK(text.find("clients: {timeout: 50ms, retries: 2, retry: same}\n") != std::string::npos);
  CHECK(text.find("  - {at: 0us, partition: [[n1], [n2, n3]]}\n") != std::string::npos);
  CHECK(text.find("  - {at: 1ms, partition: {from: [n1], to: [n2]}}\n") != std::string::npos);
  CHECK(text.find("  - {at: 2ms, partition: {shape: majorities-ring}}\n") != std::string::npos);
  CHECK(text.find("  - {at: 3ms, client: c2, node: n3, put: {key: \"7\", value: {\"a\": [1, "
                  "\"x\"]}, clock: auto}}\n") != std::string::npos);
  CHECK(text.find("  - {at: 4ms, drop: {from: n1, to: n2, type: replicate}}\n") !=
        std::string::npos);
  CHECK(text.find("  - {at: 5ms, delay: {from: c2, to: n3, type: kv_get, by: 30ms}}\n") !=
        std::string::npos);
  CHECK(text.find("  - {at: 6ms, crash: n2, amnesia: true}\n") != std::string::npos);
  CHECK(text.find("  - {at: 7ms, delay: {from: n1, to: n3, type: replicate, by: 2ms, again: "
                  "3.5ms}}\n") != std::string::npos);
  CHECK(text.find("expect:\n  lost_writes: true\n  siblings: {\"x\": 2}\n  values: {\"x\": [1, "
                  "\"1\"]}\n") != std::string::npos);

  const Scenario back = loaded(text);
  CHECK(write_scenario(back) == write_scenario(s));
  REQUIRE(back.events.size() == 8);
  CHECK(!back.events[5].fate.again);
  CHECK(back.events[7].fate.again == kv::Duration{3500});
  CHECK(back.events[3].op.key == "7");
  CHECK(back.events[3].op.value_json == R"({"a": [1, "x"]})");
  CHECK(!back.events[3].op.clock);
  CHECK(back.events[4].kind == TimelineEvent::Kind::kDrop);
  CHECK(back.events[5].kind == TimelineEvent::Kind::kDelay);
  CHECK(back.events[5].fate.from == "c2");
  CHECK(back.events[5].fate.by.us == 30000);
  CHECK(back.network.duplicate.ppb == 1);
  CHECK(back.clients.retry_next_node == false);
  CHECK(back.expect.values.at("x") == std::vector<std::string>{"1", "\"1\""});
}
