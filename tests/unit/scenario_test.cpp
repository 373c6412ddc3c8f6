// Tests for sim/scenario: valid scenarios load to the right values, and every
// error the loader can give is refused with "FILE:LINE: what is wrong" (one
// test per error, each checking the exact FILE:LINE: prefix and the gist).
//
// Expected JSON texts were checked against python3's json.dumps of the same
// value.
#include "sim/scenario.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

namespace {

using namespace kv::sim;
using namespace kv;

// Three lines every test scenario starts with; a body starts on line 4.
std::string with_head(std::string_view body) {
  return "name: t\nnodes: 3\nrun_until: 1s\n" + std::string(body);
}

// A scenario whose one event is `event`, on line 5.
std::string with_event(std::string_view event) {
  return with_head("events:\n  - " + std::string(event) + "\n");
}

LoadResult load(const std::string& text) {
  return load_scenario_text(text, "t.yaml");
}

Scenario loaded(const std::string& text) {
  LoadResult result = load(text);
  INFO(result.error());
  REQUIRE(result.ok());
  return *result;
}

std::string error_of(const std::string& text) {
  LoadResult result = load(text);
  CHECK(result.status().is_bad_input());
  CHECK_FALSE(result.error().empty());
  return result.error();
}

// The value of the single put event of `value_yaml`, as JSON text.
std::string value_of(std::string_view value_yaml) {
  const Scenario scenario =
      loaded(with_event("{at: 1ms, client: c1, node: n1, put: {key: x, clock: auto, value: " +
                        std::string(value_yaml) + "}}"));
  REQUIRE(scenario.events.size() == 1);
  return scenario.events[0].op.value_json;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// Checks that `text` is refused with an error that starts "WHERE: " and
// contains GIST. A macro so that a failure points at the test's own line.
#define CHECK_REFUSED(text, where, gist)                                    \
  do {                                                                      \
    const std::string error_ = error_of(text);                              \
    CHECK_MESSAGE(error_.rfind(std::string(where) + ": ", 0) == 0, error_); \
    CHECK_MESSAGE(contains(error_, gist), error_);                          \
  } while (false)

// ---------------------------------------------------------------------------
// Valid scenarios

// The example that opens docs/SCENARIOS.md, word for word.
TEST_CASE("the documented example scenario loads to the values it states") {
  const Scenario s = loaded(R"(name: partition-heal
description: two clients write x on opposite sides of a partition
seed: 7                      # --seed overrides
nodes: 3
network:
  delay: {dist: uniform, min: 1ms, max: 10ms}   # or {dist: constant, value: 5ms}
  loss: 0.0                  # probability a message is lost
  duplicate: 0.0             # probability a message is delivered twice
anti_entropy: {interval: 100ms}
events:
  - {at: 0ms, partition: [[n1], [n2, n3]]}
  - {at: 1ms, client: c1, node: n1, put: {key: x, value: v1, clock: [1, 0, 0]}}
  - {at: 1ms, client: c2, node: n2, put: {key: x, value: v2, clock: [0, 1, 0]}}
  - {at: 50ms, heal: true}
  - {at: 300ms, client: c1, node: n3, get: {key: x}}
  - {at: 400ms, client: c1, node: n3, resolve: {key: x, value: v1+v2, clock: auto}}
  - {at: 500ms, crash: n2}
  - {at: 600ms, restart: n2}
run_until: 2s
expect:
  converged: true
  siblings: {x: 1}
  values: {x: [v1+v2]}
)");
  CHECK(s.path == "t.yaml");
  CHECK(s.name == "partition-heal");
  CHECK(s.description == "two clients write x on opposite sides of a partition");
  CHECK(s.seed == std::optional<uint64_t>(7));
  CHECK(s.nodes == 3);
  CHECK(s.network.delay.dist == DelaySpec::Dist::kUniform);
  CHECK(s.network.delay.min == milliseconds(1));
  CHECK(s.network.delay.max == milliseconds(10));
  CHECK(s.network.loss.ppb == 0);
  CHECK(s.network.duplicate.ppb == 0);
  CHECK(s.anti_entropy_interval == std::optional<Duration>(milliseconds(100)));
  CHECK(s.run_until == SimTime{2000000});
  REQUIRE(s.events.size() == 8);

  const TimelineEvent& partition = s.events[0];
  CHECK(partition.kind == TimelineEvent::Kind::kPartition);
  CHECK(partition.at == SimTime{0});
  CHECK(partition.line == 11);
  CHECK(partition.partition.shape == PartitionSpec::Shape::kGroups);
  CHECK(partition.partition.groups == std::vector<std::vector<NodeIndex>>{{0}, {1, 2}});

  const TimelineEvent& put = s.events[1];
  CHECK(put.kind == TimelineEvent::Kind::kClient);
  CHECK(put.at == SimTime{1000});
  CHECK(put.line == 12);
  CHECK(put.client == "c1");
  CHECK(put.node == 0);
  CHECK(put.op.kind == MsgType::kPut);
  CHECK(put.op.key == "x");
  CHECK(put.op.value_json == "\"v1\"");
  CHECK(put.op.clock == std::optional<std::vector<uint64_t>>({1, 0, 0}));

  CHECK(s.events[2].client == "c2");
  CHECK(s.events[2].node == 1);
  CHECK(s.events[3].kind == TimelineEvent::Kind::kHeal);
  CHECK(s.events[3].at == SimTime{50000});

  const TimelineEvent& get = s.events[4];
  CHECK(get.op.kind == MsgType::kGet);
  CHECK(get.op.key == "x");
  CHECK(get.node == 2);
  CHECK(get.op.value_json.empty());

  const TimelineEvent& resolve = s.events[5];
  CHECK(resolve.op.kind == MsgType::kResolve);
  CHECK(resolve.op.value_json == "\"v1+v2\"");
  CHECK_FALSE(resolve.op.clock.has_value());

  CHECK(s.events[6].kind == TimelineEvent::Kind::kCrash);
  CHECK(s.events[6].node == 1);
  CHECK_FALSE(s.events[6].amnesia);
  CHECK(s.events[7].kind == TimelineEvent::Kind::kRestart);
  CHECK(s.events[7].node == 1);

  CHECK(s.expect.converged == std::optional<bool>(true));
  CHECK_FALSE(s.expect.lost_writes.has_value());
  CHECK_FALSE(s.expect.maximal.has_value());
  CHECK(s.expect.siblings == std::map<std::string, uint64_t>{{"x", 1}});
  CHECK(s.expect.values == std::map<std::string, std::vector<std::string>>{{"x", {"\"v1+v2\""}}});
  CHECK(s.expect.line == 20);
}

TEST_CASE("a scenario with only the required fields gets the documented defaults") {
  const Scenario s = loaded(with_head(""));
  CHECK(s.name == "t");
  CHECK(s.description.empty());
  CHECK_FALSE(s.seed.has_value());
  CHECK(s.nodes == 3);
  CHECK(s.run_until == SimTime{1000000});
  CHECK(s.network.delay.dist == DelaySpec::Dist::kUniform);
  CHECK(s.network.delay.min == milliseconds(1));
  CHECK(s.network.delay.max == milliseconds(10));
  CHECK(s.network.loss.ppb == 0);
  CHECK(s.network.duplicate.ppb == 0);
  CHECK_FALSE(s.anti_entropy_interval.has_value());
  CHECK(s.clients.timeout == milliseconds(200));
  CHECK(s.clients.retries == 3);
  CHECK(s.clients.retry_next_node);
  CHECK(s.events.empty());
  CHECK_FALSE(s.workload.has_value());
  CHECK_FALSE(s.expect.converged.has_value());
  CHECK(s.expect.siblings.empty());
  CHECK(s.expect.values.empty());
  CHECK(s.expect.line == 0);
}

TEST_CASE("the fields may come in any order and in block style") {
  const Scenario s = loaded(R"(run_until: 3s
expect:
  lost_writes: false
  maximal: True
events:
  - at: 2ms
    crash: n1
    amnesia: true
nodes: 1
name: A.b_c-9
)");
  CHECK(s.name == "A.b_c-9");
  CHECK(s.nodes == 1);
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].line == 6);
  CHECK(s.events[0].kind == TimelineEvent::Kind::kCrash);
  CHECK(s.events[0].amnesia);
  CHECK(s.expect.lost_writes == std::optional<bool>(false));
  CHECK(s.expect.maximal == std::optional<bool>(true));
}

TEST_CASE("events are sorted by time, keeping file order for equal times") {
  const Scenario s = loaded(with_head(R"(events:
  - {at: 5ms, crash: n1}
  - {at: 1ms, crash: n2}
  - {at: 5ms, restart: n1}
  - {at: 1ms, crash: n3}
  - {at: 0us, heal: true}
)"));
  REQUIRE(s.events.size() == 5);
  CHECK(s.events[0].line == 9);
  CHECK(s.events[1].line == 6);
  CHECK(s.events[2].line == 8);
  CHECK(s.events[3].line == 5);
  CHECK(s.events[4].line == 7);
}

TEST_CASE("every partition form loads") {
  SUBCASE("groups") {
    const Scenario s = loaded(with_event("{at: 0ms, partition: [[n3, n1]]}"));
    CHECK(s.events[0].partition.shape == PartitionSpec::Shape::kGroups);
    CHECK(s.events[0].partition.groups == std::vector<std::vector<NodeIndex>>{{2, 0}});
  }
  SUBCASE("isolate") {
    const Scenario s = loaded(with_event("{at: 0ms, partition: {isolate: n3}}"));
    CHECK(s.events[0].partition.shape == PartitionSpec::Shape::kIsolate);
    CHECK(s.events[0].partition.isolate == 2);
  }
  SUBCASE("halves") {
    const Scenario s = loaded(with_event("{at: 0ms, partition: {shape: halves}}"));
    CHECK(s.events[0].partition.shape == PartitionSpec::Shape::kHalves);
  }
  SUBCASE("majorities-ring") {
    const Scenario s = loaded(with_event("{at: 0ms, partition: {shape: majorities-ring}}"));
    CHECK(s.events[0].partition.shape == PartitionSpec::Shape::kMajoritiesRing);
  }
  SUBCASE("one way") {
    const Scenario s = loaded(with_event("{at: 0ms, partition: {from: [n1], to: [n2, n3]}}"));
    CHECK(s.events[0].partition.shape == PartitionSpec::Shape::kOneWay);
    CHECK(s.events[0].partition.from == std::vector<NodeIndex>{0});
    CHECK(s.events[0].partition.to == std::vector<NodeIndex>{1, 2});
  }
}

TEST_CASE("every delay distribution loads") {
  SUBCASE("constant") {
    const Scenario s = loaded(with_head("network: {delay: {dist: constant, value: 5ms}}\n"));
    CHECK(s.network.delay.dist == DelaySpec::Dist::kConstant);
    CHECK(s.network.delay.value == milliseconds(5));
  }
  SUBCASE("exponential") {
    const Scenario s = loaded(with_head("network: {delay: {dist: exponential, mean: 4ms}}\n"));
    CHECK(s.network.delay.dist == DelaySpec::Dist::kExponential);
    CHECK(s.network.delay.mean == milliseconds(4));
  }
  SUBCASE("uniform with min equal to max") {
    const Scenario s = loaded(with_head("network: {delay: {dist: uniform, min: 0us, max: 0s}}\n"));
    CHECK(s.network.delay.min == Duration{0});
    CHECK(s.network.delay.max == Duration{0});
  }
}

TEST_CASE("times take us, ms and s, and decimals that are whole microseconds") {
  auto at = [](std::string_view time) {
    return loaded(with_event("{at: " + std::string(time) + ", heal: true}")).events[0].at.us;
  };
  CHECK(at("0us") == 0);
  CHECK(at("0s") == 0);
  CHECK(at("250us") == 250);
  CHECK(at("12ms") == 12000);
  CHECK(at("1s") == 1000000);
  CHECK(at("1.5ms") == 1500);
  CHECK(at("0.000001s") == 1);
  CHECK(at("0.5s") == 500000);
  CHECK(at("2.000ms") == 2000);
  CHECK(at("1.0us") == 1);
  CHECK(at("0.001500000s") == 1500);
  CHECK(at("\"7ms\"") == 7000);
  CHECK(at("007ms") == 7000);
}

TEST_CASE("the longest run allowed is 1000 days") {
  const Scenario s = loaded("name: t\nnodes: 1\nrun_until: 86400000s\n");
  CHECK(s.run_until.us == kMaxRunUntilUs);
}

TEST_CASE("probabilities are converted exactly to parts per billion") {
  auto loss = [](std::string_view text) {
    return loaded(with_head("network: {loss: " + std::string(text) + "}\n")).network.loss.ppb;
  };
  CHECK(loss("0") == 0);
  CHECK(loss("0.0") == 0);
  CHECK(loss("0.05") == 50000000);
  CHECK(loss("0.1") == 100000000);
  CHECK(loss(".5") == 500000000);
  CHECK(loss("0.123456789") == 123456789);
  CHECK(loss("0.000000001") == 1);
  CHECK(loss("1") == Probability::kOne);
  CHECK(loss("1.0") == Probability::kOne);
  CHECK(loss("1.000000000") == Probability::kOne);
  CHECK(loss("0.3") == 300000000);  // 0.3 is not exact as a double; here it is
  const Scenario s = loaded(with_head("network: {duplicate: 0.25}\n"));
  CHECK(s.network.duplicate.ppb == 250000000);
}

TEST_CASE("client settings load") {
  const Scenario s = loaded(with_head("clients: {timeout: 50ms, retries: 0, retry: same}\n"));
  CHECK(s.clients.timeout == milliseconds(50));
  CHECK(s.clients.retries == 0);
  CHECK_FALSE(s.clients.retry_next_node);
  CHECK(loaded(with_head("clients: {retry: next}\n")).clients.retry_next_node);
}

TEST_CASE("a workload loads with every field, and with defaults") {
  const Scenario s = loaded(R"(name: w
nodes: 3
run_until: 2s
workload:
  clients: 3
  keys: 5
  ops: 100
  start: 10ms
  interval: 5ms
  mix: {put: 6, get: 3, resolve: 1}
  target: round-robin
  colocated: false
)");
  REQUIRE(s.workload.has_value());
  const WorkloadSpec& w = *s.workload;
  CHECK(w.clients == 3);
  CHECK(w.keys == 5);
  CHECK(w.ops == 100);
  CHECK(w.start == SimTime{10000});
  CHECK(w.interval == milliseconds(5));
  CHECK(w.put_weight == 6);
  CHECK(w.get_weight == 3);
  CHECK(w.resolve_weight == 1);
  CHECK(w.target == WorkloadSpec::Target::kRoundRobin);
  CHECK_FALSE(w.colocated);

  const Scenario d = loaded(with_head("workload: {ops: 1}\n"));
  REQUIRE(d.workload.has_value());
  CHECK(d.workload->clients == 1);
  CHECK(d.workload->keys == 1);
  CHECK(d.workload->ops == 1);
  CHECK(d.workload->start == SimTime{0});
  CHECK(d.workload->interval == milliseconds(1));
  CHECK(d.workload->put_weight == 1);
  CHECK(d.workload->get_weight == 0);
  CHECK(d.workload->resolve_weight == 0);
  CHECK(d.workload->target == WorkloadSpec::Target::kRandom);

  const Scenario c = loaded(with_head("workload: {ops: 3, colocated: true, mix: {put: 1}}\n"));
  CHECK(c.workload->colocated);
}

TEST_CASE("a workload whose last operation falls exactly on run_until loads") {
  // 10ms + (100 - 1) * 10ms = 1s.
  const Scenario s = loaded(with_head("workload: {ops: 100, start: 10ms, interval: 10ms}\n"));
  CHECK(s.workload->ops == 100);
}

TEST_CASE("an event exactly at run_until loads") {
  CHECK(loaded(with_event("{at: 1s, heal: true}")).events[0].at == SimTime{1000000});
}

TEST_CASE("clocks are lists of unsigned 64-bit counters, or auto") {
  auto clock = [](std::string_view text) {
    return loaded(with_event("{at: 1ms, client: c1, node: n1, put: {key: x, value: 1, clock: " +
                             std::string(text) + "}}"))
        .events[0]
        .op.clock;
  };
  CHECK(clock("[]") == std::optional<std::vector<uint64_t>>(std::vector<uint64_t>{}));
  CHECK(clock("[0, 18446744073709551615]") ==
        std::optional<std::vector<uint64_t>>({0, 18446744073709551615u}));
  CHECK(clock("[1, 2, 3, 4, 5]") == std::optional<std::vector<uint64_t>>({1, 2, 3, 4, 5}));
  CHECK_FALSE(clock("auto").has_value());
  std::string longest = "[0";
  for (int i = 1; i < 4096; ++i) longest += ", 0";
  CHECK(clock(longest + "]")->size() == 4096);
}

TEST_CASE("plain scalars that read as YAML numbers, bools or null become JSON literals") {
  CHECK(value_of("v1") == "\"v1\"");
  CHECK(value_of("42") == "42");
  CHECK(value_of("-7") == "-7");
  CHECK(value_of("+5") == "5");
  CHECK(value_of("007") == "7");
  CHECK(value_of("0o17") == "15");
  CHECK(value_of("0x1F") == "31");
  CHECK(value_of("18446744073709551615") == "18446744073709551615");
  CHECK(value_of("-9223372036854775808") == "-9223372036854775808");
  CHECK(value_of("1.5") == "1.5");
  CHECK(value_of("0.1") == "0.1");
  CHECK(value_of("1e5") == "100000.0");
  CHECK(value_of("1E3") == "1000.0");
  CHECK(value_of("1e-7") == "1e-07");
  CHECK(value_of("1.5e300") == "1.5e+300");
  CHECK(value_of("-0.0") == "-0.0");
  CHECK(value_of(".5") == "0.5");
  CHECK(value_of("5.") == "5.0");
  CHECK(value_of("true") == "true");
  CHECK(value_of("False") == "false");
  CHECK(value_of("TRUE") == "true");
  CHECK(value_of("null") == "null");
  CHECK(value_of("~") == "null");
  CHECK(value_of("") == "null");
  // YAML 1.2: yes/no/on/off are strings, and so is anything else.
  CHECK(value_of("yes") == "\"yes\"");
  CHECK(value_of("0x") == "\"0x\"");
  CHECK(value_of("1_000") == "\"1_000\"");
  CHECK(value_of("1.2.3") == "\"1.2.3\"");
  CHECK(value_of("v1+v2") == "\"v1+v2\"");
}

TEST_CASE("quoted scalars and !!str are strings") {
  CHECK(value_of("\"42\"") == "\"42\"");
  CHECK(value_of("'true'") == "\"true\"");
  CHECK(value_of("\"null\"") == "\"null\"");
  CHECK(value_of("\"\"") == "\"\"");
  CHECK(value_of("!!str 5") == "\"5\"");
  CHECK(value_of("\"h\\u00e9llo \\U0001F600\"") == "\"h\\u00e9llo \\ud83d\\ude00\"");
  CHECK(value_of("\"a\\tb\"") == "\"a\\tb\"");
}

TEST_CASE("lists become arrays and maps objects, keeping key order") {
  CHECK(value_of("[]") == "[]");
  CHECK(value_of("{}") == "{}");
  CHECK(value_of("[1, two, [3.0, null], {b: 1, a: \"2\"}]") ==
        "[1, \"two\", [3.0, null], {\"b\": 1, \"a\": \"2\"}]");
  CHECK(value_of("!!seq [1]") == "[1]");
  CHECK(value_of("!!map {a: 1}") == "{\"a\": 1}");
}

TEST_CASE("map keys in values become object keys as json.dumps writes dict keys") {
  CHECK(value_of("{1: a, true: b, ~: c, 1.5: d, \"2\": e}") ==
        "{\"1\": \"a\", \"true\": \"b\", \"null\": \"c\", \"1.5\": \"d\", \"2\": \"e\"}");
}

TEST_CASE("a value may nest 100 levels deep") {
  const std::string value = std::string(100, '[') + std::string(100, ']');
  CHECK(value_of(value) == value);
}

TEST_CASE("aliases are expanded in values") {
  const Scenario s = loaded(with_head(R"(events:
  - {at: 1ms, client: c1, node: n1, put: {key: x, clock: auto, value: &v {a: [1, 2]}}}
  - {at: 2ms, client: c1, node: n1, put: {key: y, clock: auto, value: *v}}
)"));
  CHECK(s.events[1].op.value_json == "{\"a\": [1, 2]}");
}

TEST_CASE("expect.values converts each value by the same rule") {
  const Scenario s =
      loaded(with_head("expect: {values: {x: [v1, 2, \"3\", [true]], y: []}, siblings: {y: 0}}\n"));
  CHECK(s.expect.values.at("x") == std::vector<std::string>{"\"v1\"", "2", "\"3\"", "[true]"});
  CHECK(s.expect.values.at("y").empty());
  CHECK(s.expect.siblings.at("y") == 0);
  CHECK(s.expect.line == 4);
}

TEST_CASE("a key is taken as its text") {
  const Scenario s = loaded(with_event("{at: 1ms, client: c1, node: n1, get: {key: 5}}") +
                            "expect: {siblings: {5: 2}}\n");
  CHECK(s.events[0].op.key == "5");
  CHECK(s.expect.siblings.at("5") == 2);
}

TEST_CASE("node and client names cover the whole range") {
  const Scenario s = loaded(R"(name: t
nodes: 1000
run_until: 1s
events:
  - {at: 0ms, client: c123, node: n1000, get: {key: x}}
)");
  CHECK(s.events[0].node == 999);
  CHECK(s.events[0].client == "c123");
}

TEST_CASE("the seed takes any unsigned 64-bit value") {
  CHECK(loaded(with_head("seed: 18446744073709551615\n")).seed ==
        std::optional<uint64_t>(18446744073709551615u));
  CHECK(loaded(with_head("seed: 0\n")).seed == std::optional<uint64_t>(0));
}

TEST_CASE("document markers around the one document are accepted") {
  CHECK(loaded("---\n" + with_head("") + "...\n").name == "t");
  CHECK(loaded(with_head("") + "---\n").name == "t");
}

TEST_CASE("an empty description is an empty string") {
  CHECK(loaded(with_head("description:\n")).description.empty());
}

TEST_CASE("a scenario file loads from disk") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kvsim_scenario_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "ok.yaml").string();
  std::ofstream(path) << with_head("seed: 3\n");
  const LoadResult result = load_scenario_file(path);
  INFO(result.error());
  REQUIRE(result.ok());
  CHECK(result->path == path);
  CHECK(result->seed == std::optional<uint64_t>(3));
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------
// The file

TEST_CASE("a missing file is refused, naming it") {
  const LoadResult result = load_scenario_file("/nonexistent/kvsim/x.yaml");
  CHECK(result.status().is_io_error());
  CHECK(result.error() == "/nonexistent/kvsim/x.yaml: cannot open: No such file or directory");
}

TEST_CASE("an unreadable file is refused, naming it") {
  const std::string dir = std::filesystem::temp_directory_path().string();
  const LoadResult result = load_scenario_file(dir);
  CHECK(result.status().is_io_error());
  CHECK(result.error() == dir + ": cannot read: Is a directory");
}

TEST_CASE("a file larger than kMaxScenarioBytes is refused") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("kvsim_scenario_test_big_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "big.yaml").string();
  std::ofstream(path) << with_head("") << std::string(kMaxScenarioBytes, '#');
  const LoadResult result = load_scenario_file(path);
  CHECK(result.status().is_bad_input());
  CHECK(result.error() == path + ": larger than 16777216 bytes, the limit for a scenario");
  std::filesystem::remove_all(dir);
}

TEST_CASE("text larger than kMaxScenarioBytes is refused") {
  CHECK(error_of(std::string(kMaxScenarioBytes + 1, '#')) ==
        "t.yaml: larger than 16777216 bytes, the limit for a scenario");
  // Exactly at the limit is fine as far as size goes (here: an empty document).
  CHECK_REFUSED(std::string(kMaxScenarioBytes, '#'), "t.yaml:1", "a scenario is a map of fields");
}

TEST_CASE("a YAML syntax error is refused with its 1-based line") {
  CHECK_REFUSED(with_head("events: [\n  - x\n"), "t.yaml:5",
                "YAML syntax error: illegal block entry");
  CHECK_REFUSED("name: t\nnodes: 3: 4\n", "t.yaml:2", "YAML syntax error: illegal map value");
  CHECK_REFUSED("name: t\n\tnodes: 3\n", "t.yaml:2",
                "YAML syntax error: illegal tab when looking for indentation");
  CHECK_REFUSED("a: *nowhere\n", "t.yaml:1",
                "YAML syntax error: the referenced anchor is not defined");
}

TEST_CASE("control characters in an error are written as \\xNN") {
  CHECK(error_of("name: a\x02"
                 "b\nnodes: 3\nrun_until: 1s\n") ==
        "t.yaml:1: name: 'a\\x02b' may use only letters, digits, '.', '_' and '-' (it names the "
        "output folder)");
  const std::string nul = error_of(std::string("name: t\0\nnodes: 3\nrun_until: 1s\n", 32));
  CHECK(nul.rfind("t.yaml:", 0) == 0);
  CHECK(nul.find_first_of(std::string("\0\n\r", 3)) == std::string::npos);
}

TEST_CASE("nesting past yaml-cpp's own depth limit is a syntax error, not a crash") {
  const std::string deep = "name: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  CHECK(error_of(deep).rfind("t.yaml:", 0) == 0);
}

TEST_CASE("a stray comma where a document starts is a syntax error, not a hang") {
  // yaml-cpp 0.7's LoadAll loops forever on these (jbeder/yaml-cpp#1040).
  CHECK_REFUSED(",name: t\n", "t.yaml:1", "YAML syntax error: unexpected ','");
  CHECK_REFUSED(with_head("---\n,\n"), "t.yaml:5", "YAML syntax error: unexpected ','");
}

TEST_CASE("a second YAML document is refused") {
  CHECK_REFUSED(with_head("---\nname: u\n"), "t.yaml:5",
                "a second YAML document; a scenario file holds one");
}

TEST_CASE("a top level that is not a map is refused") {
  CHECK_REFUSED(
      "", "t.yaml:1",
      "a scenario is a map of fields (name: ..., nodes: ..., run_until: ...), got nothing");
  CHECK_REFUSED("# just a comment\n", "t.yaml:1", "got nothing");
  CHECK_REFUSED("- name: t\n", "t.yaml:1", "a scenario is a map of fields");
  CHECK_REFUSED("\n\nhello\n", "t.yaml:3", "got 'hello'");
}

TEST_CASE("more than kMaxTimelineEvents events are refused") {
  std::string text = with_head("events:\n  - &e {at: 0s, heal: true}\n");
  text.reserve(text.size() + 7 * kMaxTimelineEvents);
  for (size_t i = 0; i < kMaxTimelineEvents; ++i) text += "  - *e\n";
  CHECK_REFUSED(text, "t.yaml:4", "events: 1000001 events; at most 1000000 are allowed");
}

// ---------------------------------------------------------------------------
// Fields

TEST_CASE("an unknown field near a known one suggests it") {
  CHECK_REFUSED(with_head("anti_entropi: {interval: 1ms}\n"), "t.yaml:4",
                "anti_entropi: unknown field (did you mean 'anti_entropy'?)");
  CHECK_REFUSED("name: t\nnodes: 3\nrun_untill: 1s\n", "t.yaml:3",
                "run_untill: unknown field (did you mean 'run_until'?)");
  CHECK_REFUSED(with_event("{at: 0ms, partiton: [[n1]]}"), "t.yaml:5",
                "partiton: unknown field (did you mean 'partition'?)");
  CHECK_REFUSED(with_head("network:\n  delay: {dist: uniform, min: 1ms, max: 2ms}\n  los: 0.1\n"),
                "t.yaml:6", "network.los: unknown field (did you mean 'loss'?)");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, put: {key: x, valeu: 1, clock: auto}}"),
                "t.yaml:5", "put.valeu: unknown field (did you mean 'value'?)");
  CHECK_REFUSED(with_head("expect: {convergd: true}\n"), "t.yaml:4",
                "expect.convergd: unknown field (did you mean 'converged'?)");
}

TEST_CASE("the sweep: section gives a sweep its seeds and required coverage, in file order") {
  const Scenario s =
      loaded(with_head("sweep:\n  seeds: 5..9\n  require: {gave_up: 10, siblings: 50%}\n"));
  REQUIRE(s.sweep.seeds);
  CHECK(*s.sweep.seeds == std::pair<uint64_t, uint64_t>{5, 9});
  const std::vector<std::pair<std::string, uint64_t>> want = {{"gave_up", 10}, {"siblings", 50}};
  CHECK(s.sweep.require == want);
  CHECK_FALSE(loaded(with_head("")).sweep.seeds);
  CHECK_REFUSED(with_head("sweep:\n  require: {sibling: 5}\n"), "t.yaml:5",
                "sweep.require: no coverage counter 'sibling' (did you mean 'siblings'?)");
  CHECK_REFUSED(with_head("sweep:\n  seeds: 9..5\n"), "t.yaml:5",
                "sweep.seeds: expected a range of seeds A..B with A <= B");
  CHECK_REFUSED(with_head("sweep:\n  require:\n    amnesia: 100.5%\n"), "t.yaml:6",
                "sweep.require.amnesia: expected a percentage from 0 to 100");
}

TEST_CASE("an unknown field far from every known one lists the known ones") {
  CHECK_REFUSED(with_head("colour: red\n"), "t.yaml:4",
                "colour: unknown field (a scenario takes name, description, seed, nodes, "
                "mechanism, clocks, network, replication, anti_entropy, staleness, clients, "
                "events, workload, run_until, expect, sweep, swarm)");
  CHECK_REFUSED(with_event("{at: 0ms, heal: true, because: reasons}"), "t.yaml:5",
                "because: unknown field (event takes at, partition, heal, crash, amnesia, restart, "
                "drop, delay, client, node, put, get, resolve)");
  CHECK_REFUSED(with_head("workload: {ops: 1, burstiness: 3}\n"), "t.yaml:4",
                "workload.burstiness: unknown field (workload takes clients, keys, ops, start, "
                "interval, mix, target, colocated)");
}

TEST_CASE("a field given twice is refused") {
  CHECK_REFUSED(with_head("nodes: 4\n"), "t.yaml:4", "nodes: given twice (first on line 2)");
  CHECK_REFUSED(with_head("expect: {siblings: {x: 1, x: 2}}\n"), "t.yaml:4",
                "expect.siblings.x: given twice");
}

TEST_CASE("a field name that is not a single word is refused") {
  CHECK_REFUSED(with_head("? [a, b]\n: 1\n"), "t.yaml:4",
                "a key must be a single word, got a list");
  CHECK_REFUSED(with_head("network: {[a]: 1}\n"), "t.yaml:4",
                "network: a key must be a single word, got a list");
}

TEST_CASE("a missing required field is refused, naming it") {
  CHECK_REFUSED("nodes: 3\nrun_until: 1s\n", "t.yaml:1", "missing field 'name'");
  CHECK_REFUSED("name: t\nrun_until: 1s\n", "t.yaml:1", "missing field 'nodes'");
  CHECK_REFUSED("# comment\nname: t\nnodes: 3\n", "t.yaml:2", "missing field 'run_until'");
  CHECK_REFUSED(with_event("{heal: true}"), "t.yaml:5", "event: missing field 'at'");
  CHECK_REFUSED(with_event("{at: 0ms, node: n1, get: {key: x}}"), "t.yaml:5",
                "event: missing field 'client'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, get: {key: x}}"), "t.yaml:5",
                "event: missing field 'node'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, get: {}}"), "t.yaml:5",
                "get: missing field 'key'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto}}"),
                "t.yaml:5", "put: missing field 'value'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, resolve: {key: x, value: 1}}"),
                "t.yaml:5", "resolve: missing field 'clock'");
  CHECK_REFUSED(with_head("network:\n  delay:\n    min: 1ms\n"), "t.yaml:5",
                "network.delay: missing field 'dist'");
  CHECK_REFUSED(with_head("network: {delay: {dist: uniform, min: 1ms}}\n"), "t.yaml:4",
                "network.delay: missing field 'max'");
  CHECK_REFUSED(with_head("anti_entropy: {}\n"), "t.yaml:4",
                "anti_entropy: missing field 'interval'");
  CHECK_REFUSED(with_head("workload:\n  clients: 2\n"), "t.yaml:4",
                "workload: missing field 'ops'");
}

TEST_CASE("a field of the wrong shape is refused") {
  CHECK_REFUSED(with_head("network: 5\n"), "t.yaml:4",
                "network: expected a map (key: value), got '5'");
  CHECK_REFUSED(with_head("events: {at: 0ms}\n"), "t.yaml:4", "events: expected a list, got a map");
  CHECK_REFUSED(with_head("events:\n  - heal\n"), "t.yaml:5",
                "event: expected a map (key: value), got 'heal'");
  CHECK_REFUSED(with_head("expect: {values: {x: v1}}\n"), "t.yaml:4",
                "expect.values.x: expected a list, got 'v1'");
  CHECK_REFUSED(with_head("seed: [1]\n"), "t.yaml:4", "seed: expected a single value, got a list");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, get: {key: {a: 1}}}"), "t.yaml:5",
                "get.key: expected a single value, got a map");
}

TEST_CASE("a field with no value is refused") {
  CHECK_REFUSED("name: t\nnodes:\nrun_until: 1s\n", "t.yaml:2", "nodes: has no value");
  CHECK_REFUSED(with_event("{at: , heal: true}"), "t.yaml:5", "at: has no value");
}

// ---------------------------------------------------------------------------
// Scalars

TEST_CASE("a count that is not a whole number is refused") {
  CHECK_REFUSED("name: t\nnodes: three\nrun_until: 1s\n", "t.yaml:2",
                "nodes: expected a whole number, got 'three'");
  CHECK_REFUSED(with_head("seed: 1.5\n"), "t.yaml:4", "seed: expected a whole number, got '1.5'");
  CHECK_REFUSED(with_head("seed: +1\n"), "t.yaml:4", "seed: expected a whole number");
  CHECK_REFUSED(with_head("expect: {siblings: {x: many}}\n"), "t.yaml:4",
                "expect.siblings.x: expected a whole number, got 'many'");
}

TEST_CASE("a count out of its range is refused") {
  CHECK_REFUSED("name: t\nnodes: 0\nrun_until: 1s\n", "t.yaml:2",
                "nodes: must be between 1 and 1000, got 0");
  CHECK_REFUSED("name: t\nnodes: 1001\nrun_until: 1s\n", "t.yaml:2",
                "nodes: must be between 1 and 1000, got 1001");
  CHECK_REFUSED("name: t\nnodes: -3\nrun_until: 1s\n", "t.yaml:2",
                "nodes: must be between 1 and 1000, got -3");
  CHECK_REFUSED(with_head("seed: 18446744073709551616\n"), "t.yaml:4",
                "seed: must be between 0 and 18446744073709551615, got 18446744073709551616");
  CHECK_REFUSED(with_head("clients: {retries: 4294967296}\n"), "t.yaml:4",
                "clients.retries: must be between 0 and 4294967295");
  CHECK_REFUSED(with_head("workload: {ops: 0}\n"), "t.yaml:4",
                "workload.ops: must be between 1 and 1000000000, got 0");
  CHECK_REFUSED(with_head("workload: {ops: 1000000001}\n"), "t.yaml:4",
                "workload.ops: must be between 1 and 1000000000");
  CHECK_REFUSED(with_head("workload: {ops: 1, clients: 100001}\n"), "t.yaml:4",
                "workload.clients: must be between 1 and 100000, got 100001");
  CHECK_REFUSED(with_head("workload: {ops: 1, keys: 0}\n"), "t.yaml:4",
                "workload.keys: must be between 1 and 4294967295, got 0");
  CHECK_REFUSED(with_head("workload: {ops: 1, mix: {get: 4294967296}}\n"), "t.yaml:4",
                "workload.mix.get: must be between 0 and 4294967295");
}

TEST_CASE("a flag that is not true or false is refused") {
  CHECK_REFUSED(with_head("expect: {converged: yes}\n"), "t.yaml:4",
                "expect.converged: expected true or false, got 'yes'");
  CHECK_REFUSED(with_event("{at: 0ms, crash: n1, amnesia: 1}"), "t.yaml:5",
                "amnesia: expected true or false, got '1'");
  CHECK_REFUSED(with_head("workload: {ops: 1, colocated: maybe}\n"), "t.yaml:4",
                "workload.colocated: expected true or false");
}

TEST_CASE("a word outside its choices is refused, listing them") {
  CHECK_REFUSED(
      with_head("network: {delay: {dist: normal, mean: 1ms}}\n"), "t.yaml:4",
      "network.delay.dist: expected uniform, constant, exponential, pareto or mixture, got "
      "'normal'");
  CHECK_REFUSED(with_head("clients: {retry: other}\n"), "t.yaml:4",
                "clients.retry: expected same or next, got 'other'");
  CHECK_REFUSED(with_head("workload: {ops: 1, target: nearest}\n"), "t.yaml:4",
                "workload.target: expected random or round-robin, got 'nearest'");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {shape: thirds}}"), "t.yaml:5",
                "partition.shape: expected halves or majorities-ring, got 'thirds'");
}

// ---------------------------------------------------------------------------
// The name

TEST_CASE("a name with characters a folder name should not have is refused") {
  CHECK_REFUSED("name: a/b\nnodes: 3\nrun_until: 1s\n", "t.yaml:1",
                "name: 'a/b' may use only letters, digits, '.', '_' and '-'");
  CHECK_REFUSED("name: two words\nnodes: 3\nrun_until: 1s\n", "t.yaml:1", "may use only letters");
  CHECK_REFUSED("name: \"\"\nnodes: 3\nrun_until: 1s\n", "t.yaml:1", "may use only letters");
}

TEST_CASE("a name that is . or .. is refused") {
  CHECK_REFUSED("name: ..\nnodes: 3\nrun_until: 1s\n", "t.yaml:1",
                "name: '..' cannot name a folder");
  CHECK_REFUSED("name: .\nnodes: 3\nrun_until: 1s\n", "t.yaml:1", "name: '.' cannot name a folder");
}

TEST_CASE("a name longer than kMaxNameLength is refused") {
  CHECK(loaded("name: " + std::string(128, 'a') + "\nnodes: 3\nrun_until: 1s\n").name.size() ==
        128);
  CHECK_REFUSED("name: " + std::string(129, 'a') + "\nnodes: 3\nrun_until: 1s\n", "t.yaml:1",
                "name: longer than 128 characters");
}

// ---------------------------------------------------------------------------
// Times

TEST_CASE("a time without a unit is refused") {
  CHECK_REFUSED("name: t\nnodes: 3\nrun_until: 2\n", "t.yaml:3",
                "run_until: time needs a unit (us, ms or s), got '2'");
  CHECK_REFUSED(with_event("{at: 0, heal: true}"), "t.yaml:5", "at: time needs a unit");
  CHECK_REFUSED(with_event("{at: 1.5, heal: true}"), "t.yaml:5", "at: time needs a unit");
}

TEST_CASE("a negative time is refused") {
  CHECK_REFUSED(with_event("{at: -5ms, heal: true}"), "t.yaml:5",
                "at: time cannot be negative, got '-5ms'");
  CHECK_REFUSED(with_head("workload: {ops: 1, start: -1us}\n"), "t.yaml:4",
                "workload.start: time cannot be negative");
}

TEST_CASE("a time with an unknown unit is refused") {
  CHECK_REFUSED(with_head("anti_entropy: {interval: 2h}\n"), "t.yaml:4",
                "anti_entropy.interval: unknown time unit 'h' in '2h' (use us, ms or s)");
  CHECK_REFUSED(with_event("{at: 5 ms, heal: true}"), "t.yaml:5", "at: unknown time unit ' ms'");
  CHECK_REFUSED(with_event("{at: 5msec, heal: true}"), "t.yaml:5", "at: unknown time unit 'msec'");
}

TEST_CASE("text that is not a time is refused") {
  CHECK_REFUSED(with_event("{at: soon, heal: true}"), "t.yaml:5",
                "at: expected a time like 250us, 12ms or 2s, got 'soon'");
  CHECK_REFUSED(with_event("{at: ms, heal: true}"), "t.yaml:5", "at: expected a time like");
  CHECK_REFUSED(with_event("{at: 1.ms, heal: true}"), "t.yaml:5", "at: expected a time like");
  CHECK_REFUSED(with_event("{at: .5ms, heal: true}"), "t.yaml:5", "at: expected a time like");
  CHECK_REFUSED(with_event("{at: +5ms, heal: true}"), "t.yaml:5", "at: expected a time like");
}

TEST_CASE("a time that is not a whole number of microseconds is refused") {
  CHECK_REFUSED(with_event("{at: 1.5us, heal: true}"), "t.yaml:5",
                "at: '1.5us' is not a whole number of microseconds");
  CHECK_REFUSED(with_event("{at: 0.0001ms, heal: true}"), "t.yaml:5",
                "is not a whole number of microseconds");
  CHECK_REFUSED(with_event("{at: 0.0000001s, heal: true}"), "t.yaml:5",
                "is not a whole number of microseconds");
}

TEST_CASE("a time past 1000 days, or past 64 bits, is refused") {
  CHECK_REFUSED("name: t\nnodes: 3\nrun_until: 86400000.000001s\n", "t.yaml:3",
                "run_until: time too large, got '86400000.000001s' (at most 1000 days)");
  CHECK_REFUSED("name: t\nnodes: 3\nrun_until: 86400001s\n", "t.yaml:3",
                "run_until: time too large");
  CHECK_REFUSED("name: t\nnodes: 3\nrun_until: 99999999999999999999999us\n", "t.yaml:3",
                "run_until: time too large");
  CHECK_REFUSED(with_head("network: {delay: {dist: constant, value: 9223372036854775807ms}}\n"),
                "t.yaml:4", "network.delay.value: time too large");
}

TEST_CASE("a span that must be positive is refused when zero") {
  CHECK_REFUSED("name: t\nnodes: 3\nrun_until: 0s\n", "t.yaml:3",
                "run_until: must be greater than 0");
  CHECK_REFUSED(with_head("anti_entropy: {interval: 0ms}\n"), "t.yaml:4",
                "anti_entropy.interval: must be greater than 0");
  CHECK_REFUSED(with_head("clients: {timeout: 0us}\n"), "t.yaml:4",
                "clients.timeout: must be greater than 0");
  CHECK_REFUSED(with_head("workload: {ops: 1, interval: 0s}\n"), "t.yaml:4",
                "workload.interval: must be greater than 0");
  CHECK_REFUSED(with_head("network: {delay: {dist: exponential, mean: 0ms}}\n"), "t.yaml:4",
                "network.delay.mean: must be greater than 0");
}

TEST_CASE("an event after run_until is refused") {
  CHECK_REFUSED(with_event("{at: 1.000001s, heal: true}"), "t.yaml:5",
                "at: 1.000001s is after run_until (1s)");
  CHECK_REFUSED(with_head("events:\n  - at: 3s\n    crash: n1\n"), "t.yaml:5",
                "at: 3s is after run_until (1s)");
}

// ---------------------------------------------------------------------------
// Probabilities

TEST_CASE("a probability that is not a decimal is refused") {
  CHECK_REFUSED(with_head("network: {loss: often}\n"), "t.yaml:4",
                "network.loss: expected a probability like 0.05, got 'often'");
  CHECK_REFUSED(with_head("network: {loss: 1e-3}\n"), "t.yaml:4",
                "network.loss: expected a probability like 0.05, got '1e-3'");
  CHECK_REFUSED(with_head("network: {duplicate: .}\n"), "t.yaml:4",
                "network.duplicate: expected a probability like 0.05");
  CHECK_REFUSED(with_head("network: {loss: 5%}\n"), "t.yaml:4", "expected a probability like");
}

TEST_CASE("a probability outside [0, 1] is refused") {
  CHECK_REFUSED(with_head("network:\n  loss: 1.5\n"), "t.yaml:5",
                "network.loss: probability must be between 0 and 1, got 1.5");
  CHECK_REFUSED(with_head("network: {loss: -0.1}\n"), "t.yaml:4",
                "network.loss: probability must be between 0 and 1, got -0.1");
  CHECK_REFUSED(with_head("network: {duplicate: 1.000000001}\n"), "t.yaml:4",
                "network.duplicate: probability must be between 0 and 1, got 1.000000001");
  CHECK_REFUSED(with_head("network: {loss: 2}\n"), "t.yaml:4", "must be between 0 and 1, got 2");
  CHECK_REFUSED(with_head("network: {loss: 00000000000000000000010}\n"), "t.yaml:4",
                "must be between 0 and 1");
}

TEST_CASE("a probability with more than 9 decimals is refused") {
  CHECK_REFUSED(with_head("network: {loss: 0.0000000001}\n"), "t.yaml:4",
                "network.loss: more than 9 decimals in 0.0000000001 (probabilities are exact to "
                "one part per billion)");
  CHECK_REFUSED(with_head("network: {loss: 0.1000000000}\n"), "t.yaml:4", "more than 9 decimals");
}

// ---------------------------------------------------------------------------
// Nodes and clients

TEST_CASE("an unknown node is refused, saying which nodes exist") {
  CHECK_REFUSED(with_event("{at: 0ms, crash: n7}"), "t.yaml:5",
                "crash: unknown node 'n7' (this scenario has n1..n3)");
  CHECK_REFUSED(with_event("{at: 0ms, restart: n0}"), "t.yaml:5", "restart: unknown node 'n0'");
  CHECK_REFUSED(with_event("{at: 0ms, crash: n01}"), "t.yaml:5", "unknown node 'n01'");
  CHECK_REFUSED(with_event("{at: 0ms, crash: N1}"), "t.yaml:5", "unknown node 'N1'");
  CHECK_REFUSED(with_event("{at: 0ms, crash: n}"), "t.yaml:5", "unknown node 'n'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: node1, get: {key: x}}"), "t.yaml:5",
                "node: unknown node 'node1' (this scenario has n1..n3)");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {isolate: n4}}"), "t.yaml:5",
                "partition.isolate: unknown node 'n4'");
  CHECK_REFUSED("name: t\nnodes: 1\nrun_until: 1s\nevents: [{at: 0ms, crash: n2}]\n", "t.yaml:4",
                "crash: unknown node 'n2' (this scenario has n1)");
  CHECK_REFUSED(with_event("{at: 0ms, crash: n99999999999999999999999}"), "t.yaml:5",
                "unknown node");
}

TEST_CASE("a client name not of the form c<N> is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, client: bob, node: n1, get: {key: x}}"), "t.yaml:5",
                "client: expected a client name like c1, got 'bob'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c0, node: n1, get: {key: x}}"), "t.yaml:5",
                "got 'c0'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c, node: n1, get: {key: x}}"), "t.yaml:5", "got 'c'");
  CHECK_REFUSED(with_event("{at: 0ms, client: c1x, node: n1, get: {key: x}}"), "t.yaml:5",
                "got 'c1x'");
}

// ---------------------------------------------------------------------------
// Events

TEST_CASE("an event without an action is refused") {
  CHECK_REFUSED(
      with_event("{at: 0ms}"), "t.yaml:5",
      "event: no action (partition, heal, crash, restart, drop, delay, or client with node "
      "and put, get or resolve)");
}

TEST_CASE("an event with two actions is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, crash: n1, restart: n2}"), "t.yaml:5",
                "event: more than one action ('crash' and 'restart'); give each its own event");
  CHECK_REFUSED(with_event("{at: 0ms, heal: true, client: c1, node: n1, get: {key: x}}"),
                "t.yaml:5", "event: more than one action ('heal' and 'client')");
}

TEST_CASE("amnesia without a crash is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, restart: n1, amnesia: true}"), "t.yaml:5",
                "amnesia: goes only with crash");
}

// A node alternates crash, restart, crash... in time order (file order at
// equal times); anything else would do nothing (issue 10, item 11).
TEST_CASE("a crash of a node already down is refused, with where it went down") {
  CHECK_REFUSED(with_head("events:\n  - {at: 1ms, crash: n2}\n  - {at: 3ms, crash: n2}\n"),
                "t.yaml:6",
                "crash: n2 is already down at 3ms (it crashed at 1ms, line 5); restart it first");
  // Out of file order: the events are taken in time order.
  CHECK_REFUSED(with_head("events:\n  - {at: 9ms, crash: n1, amnesia: true}\n"
                          "  - {at: 2ms, crash: n1}\n"),
                "t.yaml:5",
                "crash: n1 is already down at 9ms (it crashed at 2ms, line 6); restart it first, "
                "or give that crash amnesia: true");
  // Equal times: file order.
  CHECK_REFUSED(with_head("events:\n  - {at: 1ms, crash: n3}\n  - {at: 1ms, crash: n3}\n"),
                "t.yaml:6", "crash: n3 is already down at 1ms");
}

TEST_CASE("a restart of a running node is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, restart: n1}"), "t.yaml:5",
                "restart: n1 is running at 0us (no crash before it); a restart follows a crash");
  CHECK_REFUSED(with_head("events:\n  - {at: 1ms, crash: n1}\n  - {at: 2ms, restart: n1}\n"
                          "  - {at: 3ms, restart: n1}\n"),
                "t.yaml:7",
                "restart: n1 is running at 3ms (it restarted at 2ms, line 6); a restart follows a "
                "crash");
  // A restart before its crash in time is refused, wherever it stands in the file.
  CHECK_REFUSED(with_head("events:\n  - {at: 5ms, crash: n2}\n  - {at: 4ms, restart: n2}\n"),
                "t.yaml:6", "restart: n2 is running at 4ms (no crash before it)");
}

TEST_CASE("crash, restart, crash, restart of a node loads, each node on its own") {
  const Scenario s = loaded(with_head(R"(events:
  - {at: 1ms, crash: n1}
  - {at: 1ms, crash: n2}
  - {at: 2ms, restart: n1}
  - {at: 2ms, crash: n1, amnesia: true}
  - {at: 3ms, restart: n1}
  - {at: 4ms, restart: n2}
  - {at: 4ms, crash: n3}
)"));
  CHECK(s.events.size() == 7);
}

// YAML 1.2 reads CR, LF and CRLF as line breaks (issue 10, item 11: a file
// ending in a lone CR was a syntax error).
TEST_CASE("a lone CR is a line break, also at the end of the file") {
  SUBCASE("CR at the end, after a flow map") {
    const Scenario s = loaded("name: t\nnodes: 3\nrun_until: 1s\nexpect: {converged: true}\r");
    CHECK(s.expect.converged == std::optional<bool>(true));
  }
  SUBCASE("CR at the end, after a plain scalar") {
    const Scenario s = loaded("name: t\nnodes: 3\nrun_until: 10ms\r");
    CHECK(s.run_until.us == 10000);
  }
  SUBCASE("CR line ends only, and lines count as YAML's") {
    const Scenario s =
        loaded("name: t\rnodes: 3\rrun_until: 1s\revents:\r  - {at: 1ms, crash: n1}\r");
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0].line == 5);
    CHECK_REFUSED("name: t\rnodes: 3\rrun_until: 1s\rbogus: 1\r", "t.yaml:4", "bogus");
  }
  SUBCASE("CRLF still counts once") {
    CHECK_REFUSED("name: t\r\nnodes: 3\r\nrun_until: 1s\r\nbogus: 1\r\n", "t.yaml:4", "bogus");
  }
}

TEST_CASE("heal: false is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, heal: false}"), "t.yaml:5",
                "heal: must be true (heal: true ends every partition)");
}

TEST_CASE("a client operation without put, get or resolve is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1}"), "t.yaml:5",
                "event: a client operation needs one of put, get or resolve");
}

TEST_CASE("a client operation with two of put, get and resolve is refused") {
  CHECK_REFUSED(
      with_event("{at: 0ms, client: c1, node: n1, get: {key: x}, resolve: {key: x, value: 1, "
                 "clock: auto}}"),
      "t.yaml:5",
      "event: a client operation takes one of put, get or resolve, not both 'get' and "
      "'resolve'");
}

// ---------------------------------------------------------------------------
// Partitions

TEST_CASE("a partition that is neither groups nor a map is refused") {
  CHECK_REFUSED(
      with_event("{at: 0ms, partition: n1}"), "t.yaml:5",
      "partition: expected a list of groups or a map (isolate, shape, from/to), got 'n1'");
}

TEST_CASE("a partition with no groups is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: []}"), "t.yaml:5",
                "partition: needs at least one group");
}

TEST_CASE("an empty partition group is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: [[n1], []]}"), "t.yaml:5",
                "partition: group 2 is empty");
}

TEST_CASE("a partition group that is not a list is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: [n1, n2]}"), "t.yaml:5",
                "partition: expected a list, got 'n1'");
}

TEST_CASE("a node in two partition groups is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: [[n1, n2], [n2, n3]]}"), "t.yaml:5",
                "partition: n2 is in more than one group");
  CHECK_REFUSED(with_event("{at: 0ms, partition: [[n1, n1]]}"), "t.yaml:5",
                "partition: n1 is in more than one group");
}

TEST_CASE("a partition map must give exactly one form") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: {}}"), "t.yaml:5",
                "partition: give exactly one of isolate, shape, or from and to");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {isolate: n1, shape: halves}}"), "t.yaml:5",
                "partition: give exactly one of isolate, shape, or from and to");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {isolate: n1, to: [n2]}}"), "t.yaml:5",
                "give exactly one of");
}

TEST_CASE("a one-way partition needs both from and to") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: {from: [n1]}}"), "t.yaml:5",
                "partition: missing field 'to'");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {to: [n1]}}"), "t.yaml:5",
                "partition: missing field 'from'");
}

TEST_CASE("an empty from or to is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: {from: [], to: [n1]}}"), "t.yaml:5",
                "partition.from: needs at least one node");
  CHECK_REFUSED(with_event("{at: 0ms, partition: {from: [n1], to: []}}"), "t.yaml:5",
                "partition.to: needs at least one node");
}

TEST_CASE("a node listed twice in from or to is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: {from: [n1, n1], to: [n2]}}"), "t.yaml:5",
                "partition.from: n1 is listed twice");
}

TEST_CASE("a node in both from and to is refused") {
  CHECK_REFUSED(with_event("{at: 0ms, partition: {from: [n1, n2], to: [n3, n2]}}"), "t.yaml:5",
                "partition: n2 is in both from and to");
}

// ---------------------------------------------------------------------------
// The network

TEST_CASE("a delay field that does not go with the distribution is refused") {
  CHECK_REFUSED(with_head("network:\n  delay:\n    dist: constant\n    value: 1ms\n    max: 2ms\n"),
                "t.yaml:8", "network.delay.max: does not go with dist: constant (it takes value)");
  CHECK_REFUSED(with_head("network: {delay: {dist: uniform, min: 1ms, max: 2ms, mean: 1ms}}\n"),
                "t.yaml:4",
                "network.delay.mean: does not go with dist: uniform (it takes min and max)");
  CHECK_REFUSED(with_head("network: {delay: {dist: exponential, value: 1ms}}\n"), "t.yaml:4",
                "network.delay.value: does not go with dist: exponential (it takes mean)");
}

TEST_CASE("a uniform delay with min above max is refused") {
  CHECK_REFUSED(with_head("network:\n  delay: {dist: uniform, min: 10ms, max: 1ms}\n"), "t.yaml:5",
                "network.delay: min (10ms) is greater than max (1ms)");
}

// ---------------------------------------------------------------------------
// Clocks

TEST_CASE("a malformed clock is refused") {
  auto put = [](std::string_view clock) {
    return with_event("{at: 0ms, client: c1, node: n1, put: {key: x, value: 1, clock: " +
                      std::string(clock) + "}}");
  };
  CHECK_REFUSED(put("now"), "t.yaml:5",
                "put.clock: malformed clock: expected a list of non-negative integers or auto, got "
                "'now'");
  CHECK_REFUSED(put("{a: 1}"), "t.yaml:5", "put.clock: malformed clock: expected a list");
  CHECK_REFUSED(put("[1, -1]"), "t.yaml:5",
                "put.clock: malformed clock: entry 2 is '-1', not a non-negative integer");
  CHECK_REFUSED(put("[1.5]"), "t.yaml:5", "malformed clock: entry 1 is '1.5'");
  CHECK_REFUSED(put("[+1]"), "t.yaml:5", "malformed clock: entry 1 is '+1'");
  CHECK_REFUSED(put("[0x1]"), "t.yaml:5", "malformed clock: entry 1 is '0x1'");
  CHECK_REFUSED(put("[[1]]"), "t.yaml:5", "malformed clock: entry 1 is a list");
  CHECK_REFUSED(put("[\"1\"]"), "t.yaml:5",
                "malformed clock: entry 1 is the quoted string '1', not a non-negative integer");
  CHECK_REFUSED(put("[18446744073709551616]"), "t.yaml:5",
                "malformed clock: entry 1 (18446744073709551616) does not fit in 64 bits");
  std::string too_long = "[0";
  for (int i = 0; i < 4096; ++i) too_long += ", 0";
  CHECK_REFUSED(put(too_long + "]"), "t.yaml:5", "malformed clock: 4097 entries, at most 4096");
  CHECK_REFUSED(with_head("events:\n  - at: 0ms\n    client: c1\n    node: n1\n    resolve:\n"
                          "      key: x\n      value: 1\n      clock:\n        - 1\n        - z\n"),
                "t.yaml:13", "resolve.clock: malformed clock: entry 2 is 'z'");
}

// ---------------------------------------------------------------------------
// Values

TEST_CASE("a value with a tag other than !!str, !!seq or !!map is refused") {
  CHECK_REFUSED(
      with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: !!int 5}}"),
      "t.yaml:5", "put.value: unsupported tag '!!int' (write the value plain or quoted)");
  CHECK_REFUSED(
      with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: [!foo y]}}"),
      "t.yaml:5", "put.value: unsupported tag '!foo'");
}

TEST_CASE("infinity and NaN are refused as values") {
  CHECK_REFUSED(
      with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: .inf}}"),
      "t.yaml:5", "put.value: '.inf' has no JSON form (quote it for a string)");
  CHECK_REFUSED(with_head("expect: {values: {x: [-.Inf]}}\n"), "t.yaml:4",
                "expect.values.x: '-.Inf' has no JSON form");
  CHECK_REFUSED(with_head("expect: {values: {x: [.NaN]}}\n"), "t.yaml:4",
                "'.NaN' has no JSON form");
}

TEST_CASE("a number out of range is refused as a value") {
  auto put = [](std::string_view value) {
    return with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: " +
                      std::string(value) + "}}");
  };
  CHECK_REFUSED(put("18446744073709551616"), "t.yaml:5",
                "put.value: number '18446744073709551616' is out of range (integers must fit in 64 "
                "bits, other numbers in a double)");
  CHECK_REFUSED(put("-9223372036854775809"), "t.yaml:5",
                "number '-9223372036854775809' is out of range");
  CHECK_REFUSED(put("0x10000000000000000"), "t.yaml:5", "is out of range");
  CHECK_REFUSED(put("1e400"), "t.yaml:5", "number '1e400' is out of range");
}

TEST_CASE("a value nested deeper than kMaxValueDepth is refused") {
  const std::string value = std::string(101, '[') + std::string(101, ']');
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: " +
                           value + "}}"),
                "t.yaml:5", "put.value: nested deeper than 100 levels");
}

TEST_CASE("values that expand past kMaxValueElements through aliases are refused") {
  std::string value = "[&a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";
  const char* names[] = {"a", "b", "c", "d", "e", "f"};
  for (int level = 1; level < 6; ++level) {
    value += std::string(", &") + names[level] + " [";
    for (int i = 0; i < 10; ++i) value += std::string(i == 0 ? "*" : ", *") + names[level - 1];
    value += "]";
  }
  value += "]";
  CHECK_REFUSED(with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: " +
                           value + "}}"),
                "t.yaml:5",
                "put.value: the scenario's values hold more than 1048576 elements (aliases "
                "expanded)");
}

TEST_CASE("a key given twice in a value object is refused") {
  CHECK_REFUSED(
      with_event(
          "{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: {a: 1, a: 2}}}"),
      "t.yaml:5", "put.value: key 'a' is given twice");
  // 1 and "1" are different YAML keys but the same JSON key.
  CHECK_REFUSED(with_head("expect: {values: {x: [{1: a, \"1\": b}]}}\n"), "t.yaml:4",
                "expect.values.x: key '1' is given twice");
}

TEST_CASE("a value object key that is a list or map is refused") {
  CHECK_REFUSED(
      with_event("{at: 0ms, client: c1, node: n1, put: {key: x, clock: auto, value: {[1]: a}}}"),
      "t.yaml:5", "put.value: a key in a value must be a single value, got a list");
}

// ---------------------------------------------------------------------------
// Workloads

TEST_CASE("a workload mix with no positive weight is refused") {
  CHECK_REFUSED(with_head("workload:\n  ops: 1\n  mix: {put: 0, get: 0}\n"), "t.yaml:6",
                "workload.mix: at least one weight must be greater than 0");
}

TEST_CASE("a colocated workload with gets or resolves is refused") {
  CHECK_REFUSED(
      with_head("workload:\n  ops: 1\n  mix: {put: 1, get: 1}\n  colocated: true\n"), "t.yaml:7",
      "workload.colocated: colocated clients only put, but mix has get or resolve weights");
}

TEST_CASE("a workload that runs past run_until is refused") {
  CHECK_REFUSED(with_head("workload: {ops: 101, start: 10ms, interval: 10ms}\n"), "t.yaml:4",
                "workload: the last of 101 operations (every 10ms from 10ms) comes after run_until "
                "(1s)");
  CHECK_REFUSED(with_head("workload:\n  ops: 1\n  start: 2s\n"), "t.yaml:4",
                "workload: the last of 1 operations (every 1ms from 2s) comes after run_until");
  // (ops - 1) * interval does not fit in 64 bits; still refused, not wrapped.
  CHECK_REFUSED(with_head("workload: {ops: 1000000000, interval: 86400000s}\n"), "t.yaml:4",
                "comes after run_until");
}

// ---------------------------------------------------------------------------
// Robustness

TEST_CASE("hostile fragments are refused, never crash") {
  std::vector<std::string> fragments = {
      "\t",      "{",     "}",      "[",         "]",          "&",          "*",
      "!",       "|",     ">",      "%YAML 1.2", "? ",         ": ",         "- ",
      "\"\\x\"", "'",     "---",    "...",       "\xff\xfe",   "name: \x01", "@",
      "`",       "a: &x", "a: !<>", "<<: *x",    "? |\n  a\n", "events: *e",
  };
  fragments.push_back(std::string("\0", 1));
  for (const std::string& fragment : fragments) {
    for (int where = 0; where < 3; ++where) {
      std::string text = with_event("{at: 0ms, heal: true}");
      const size_t at = where == 0 ? 0 : where == 1 ? text.size() / 2 : text.size();
      text.insert(at, fragment);
      const LoadResult result = load(text);
      // Either answer is acceptable here; what matters is an answer.
      CHECK((result.ok() || result.error().rfind("t.yaml:", 0) == 0));
    }
  }
}
