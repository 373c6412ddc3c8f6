// The simulator's parts: the generator, the event queue, the network, and
// whole runs built in code (determinism, checks).
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.h"
#include "history/writer.h"
#include "node/version_text.h"
#include "sim/checks.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/simulation.h"
#include "tests/unit/run_helpers.h"

using namespace kv::sim;
using namespace kv;

TEST_CASE("xoshiro256** from splitmix64 gives the reference sequence for seed 0") {
  // Reference values: splitmix64 with state 0 gives the four words
  // e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f f88bb8a8724c81ec
  // (the splitmix64 paper's test vector), and xoshiro256** on those words.
  uint64_t state = 0;
  CHECK(splitmix64(state) == 0xe220a8397b1dcdafull);
  CHECK(splitmix64(state) == 0x6e789e6aa1b965f4ull);
  CHECK(splitmix64(state) == 0x06c45d188009454full);
  CHECK(splitmix64(state) == 0xf88bb8a8724c81ecull);
  // xoshiro256**'s first output is rotl(s1 * 5, 7) * 9.
  const uint64_t s1 = 0x6e789e6aa1b965f4ull;
  const uint64_t x = s1 * 5;
  const uint64_t expected = ((x << 7) | (x >> 57)) * 9;
  Rng rng(0);
  CHECK(rng.next() == expected);
}

TEST_CASE("the same seed and stream give the same draws; other streams differ") {
  Rng a = Rng::derive(42, "network");
  Rng b = Rng::derive(42, "network");
  Rng c = Rng::derive(42, "workload");
  Rng d = Rng::derive(43, "network");
  Rng e = Rng::derive(42, "node", 1);
  Rng f = Rng::derive(42, "node", 2);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
    CHECK(x != d.next());
  }
  CHECK(e.next() != f.next());
}

TEST_CASE("bounded draws stay in range and cover it evenly") {
  Rng rng(7);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t x = rng.below(10);
    REQUIRE(x < 10);
    ++counts[x];
  }
  for (int c : counts) {
    CHECK(c > 9500);
    CHECK(c < 10500);
  }
  for (int i = 0; i < 1000; ++i) {
    const int64_t x = rng.between(-3, 3);
    CHECK(x >= -3);
    CHECK(x <= 3);
  }
  CHECK(rng.below(1) == 0);
  CHECK(rng.between(5, 5) == 5);
}

TEST_CASE("probabilities are exact at 0 and 1 and close in between") {
  Rng rng(9);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) {
    CHECK_FALSE(rng.chance(Probability{0}));
    CHECK(rng.chance(Probability{Probability::kOne}));
    hits += rng.chance(Probability{250000000});
  }
  CHECK(hits > 24000);
  CHECK(hits < 26000);
}

TEST_CASE("exponential draws have about the requested mean and are never negative") {
  Rng rng(11);
  int64_t sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const int64_t x = rng.exponential(5000);
    REQUIRE(x >= 0);
    sum += x;
  }
  const int64_t mean = sum / n;
  CHECK(mean > 4900);
  CHECK(mean < 5100);
  CHECK(rng.exponential(0) == 0);
}

TEST_CASE("events at the same time run first in, first out; earlier times first") {
  EventQueue q;
  q.push(SimTime{10}, 1, 100);
  q.push(SimTime{5}, 2, 200);
  q.push(SimTime{10}, 3, 300);
  q.push(SimTime{5}, 4, 400);
  std::vector<uint64_t> order;
  while (!q.empty()) order.push_back(q.pop().arg);
  CHECK(order == std::vector<uint64_t>{200, 400, 100, 300});
  CHECK(q.now().us == 10);
}

TEST_CASE("the event queue pops in (time, seq) order whatever the interleaving of pushes") {
  // A reference: the same events in a std::multimap keyed by (time, seq).
  Rng rng(7);
  EventQueue q;
  std::map<std::pair<int64_t, uint64_t>, uint64_t> expected;
  uint64_t seq = 0;
  uint64_t popped = 0;
  for (int step = 0; step < 200000; ++step) {
    const uint64_t roll = rng.below(100);
    if (roll < 55 || q.empty()) {
      // Mostly near now, sometimes at now exactly, sometimes far ahead.
      const int64_t delay = roll < 10   ? 0
                            : roll < 50 ? static_cast<int64_t>(rng.below(10000))
                                        : static_cast<int64_t>(rng.below(uint64_t{1} << 40));
      const SimTime at{q.now().us + delay};
      q.push(at, 0, seq);
      expected.emplace(std::make_pair(at.us, seq), seq);
      ++seq;
    } else if (roll < 60) {
      // Look ahead, then push something due before what top() found: the
      // loop does this when it stops at `until` and a step follows.
      const int64_t ahead = q.top().time_us();
      const SimTime at{q.now().us + static_cast<int64_t>(
                                        rng.below(static_cast<uint64_t>(ahead - q.now().us) + 1))};
      q.push(at, 0, seq);
      expected.emplace(std::make_pair(at.us, seq), seq);
      ++seq;
    } else {
      const ScheduledEvent e = q.pop();
      REQUIRE(!expected.empty());
      const auto first = expected.begin();
      REQUIRE(e.time_us() == first->first.first);
      REQUIRE(e.arg == first->second);
      CHECK(q.now().us == e.time_us());
      expected.erase(first);
      ++popped;
    }
    REQUIRE(q.size() == expected.size());
  }
  while (!q.empty()) {
    const ScheduledEvent e = q.pop();
    REQUIRE(e.arg == expected.begin()->second);
    expected.erase(expected.begin());
  }
  CHECK(expected.empty());
  CHECK(popped > 50000);
}

TEST_CASE("the event queue's top() is the next pop(), and pushes at now() come after it") {
  EventQueue q;
  q.push(SimTime{100}, 1, 1);
  q.push(SimTime{100}, 1, 2);
  q.push(SimTime{7}, 1, 3);
  CHECK(q.top().arg == 3);
  CHECK(q.pop().arg == 3);
  q.push(SimTime{7}, 1, 4);  // due now: before the later ones
  q.push(SimTime{50}, 1, 5);
  CHECK(q.top().arg == 4);
  std::vector<uint64_t> order;
  while (!q.empty()) order.push_back(q.pop().arg);
  CHECK(order == std::vector<uint64_t>{4, 5, 1, 2});
}

TEST_CASE("partitions cut links between groups, one-way cuts one direction, heal restores") {
  Network net(NetworkOptions{}, 4, Rng(1), Rng(2));
  PartitionSpec groups;
  groups.groups = {{0}, {1, 2}};  // n4 is not listed: it forms a third group
  const Partition p = net.partition(groups);
  CHECK(p.groups.size() == 3);
  CHECK(net.blocked(0, 1));
  CHECK(net.blocked(1, 0));
  CHECK_FALSE(net.blocked(1, 2));
  CHECK(net.blocked(3, 1));
  net.heal();
  CHECK_FALSE(net.blocked(0, 1));

  PartitionSpec one_way;
  one_way.shape = PartitionSpec::Shape::kOneWay;
  one_way.from = {0};
  one_way.to = {1, 2};
  net.partition(one_way);
  CHECK(net.blocked(0, 1));
  CHECK(net.blocked(0, 2));
  CHECK_FALSE(net.blocked(1, 0));
  CHECK_FALSE(net.blocked(0, 3));
}

TEST_CASE("a majorities-ring leaves every node a majority but no two the same view") {
  Network net(NetworkOptions{}, 5, Rng(1), Rng(3));
  PartitionSpec ring;
  ring.shape = PartitionSpec::Shape::kMajoritiesRing;
  net.partition(ring);
  std::vector<std::vector<bool>> views;
  for (uint32_t a = 0; a < 5; ++a) {
    int reach = 0;
    std::vector<bool> view;
    for (uint32_t b = 0; b < 5; ++b) {
      CHECK(net.blocked(a, b) == net.blocked(b, a));
      reach += !net.blocked(a, b);
      view.push_back(!net.blocked(a, b));
    }
    CHECK(reach == 3);
    views.push_back(view);
  }
  for (size_t a = 0; a < views.size(); ++a) {
    for (size_t b = a + 1; b < views.size(); ++b) CHECK(views[a] != views[b]);
  }
}

TEST_CASE("halves split the nodes into two groups drawn from the seed") {
  Network net(NetworkOptions{}, 6, Rng(1), Rng(4));
  PartitionSpec halves;
  halves.shape = PartitionSpec::Shape::kHalves;
  const Partition p = net.partition(halves);
  REQUIRE(p.groups.size() == 2);
  CHECK(p.groups[0].size() == 3);
  CHECK(p.groups[1].size() == 3);
}

namespace {

// A scenario built in code: generated traffic on a lossy, duplicating
// network with anti-entropy and a partition that heals.
Scenario busy_scenario() {
  Scenario s;
  s.name = "busy";
  s.nodes = 4;
  s.network.loss = Probability{100000000};
  s.network.duplicate = Probability{100000000};
  s.anti_entropy_interval = Duration{20000};
  s.clients.timeout = Duration{30000};
  TimelineEvent cut;
  cut.at = SimTime{50000};
  cut.kind = TimelineEvent::Kind::kPartition;
  cut.partition.shape = PartitionSpec::Shape::kHalves;
  TimelineEvent heal;
  heal.at = SimTime{200000};
  heal.kind = TimelineEvent::Kind::kHeal;
  s.events = {cut, heal};
  WorkloadSpec w;
  w.clients = 3;
  w.keys = 5;
  w.ops = 200;
  w.interval = Duration{1000};
  w.put_weight = 5;
  w.get_weight = 3;
  w.resolve_weight = 2;
  s.workload = w;
  s.run_until = SimTime{2000000};
  return s;
}

std::string run_to_text(const Scenario& s, uint64_t seed, const std::string& path) {
  kv::history::HistoryWriter history;
  REQUIRE(history.open(path).ok());
  Simulation sim(s, seed, history);
  sim.run();
  REQUIRE(history.close().ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path.c_str());
  return text.str();
}

}  // namespace

TEST_CASE("the history writes numbers as std::to_string does, at every length") {
  std::vector<uint64_t> numbers = {0, 1, 9, 10, 11, 99, 100, 101, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 10; p <= 1000000000000000000u; p *= 10) {
    numbers.insert(numbers.end(), {p - 1, p, p + 1, 2 * p - 1});
  }
  numbers.push_back(10000000000000000000u);
  numbers.push_back(9999999999999999999u);
  Rng rng(3);
  for (int i = 0; i < 2000; ++i) numbers.push_back(rng.next() >> rng.below(64));
  kv::history::HistoryWriter history;
  REQUIRE(history.open("history_numbers.jsonl").ok());
  std::string expected;
  for (const uint64_t x : numbers) {
    history.begin(SimTime{static_cast<int64_t>(x >> 1)}, "n");
    history.field_uint("x", x);
    history.end();
    expected += "{\"t\": " + std::to_string(x >> 1) +
                ", \"kind\": \"n\", \"x\": " + std::to_string(x) + "}\n";
  }
  REQUIRE(history.close().ok());
  CHECK(kv::sim::testing::slurp_and_remove("history_numbers.jsonl") == expected);
}

TEST_CASE("the history writes clocks and sibling lists as the node's writers do") {
  // HistoryWriter::put_clock is its own, faster writer of the clock format; it must
  // stay the twin of kv::write_clock into a string (the protocol's replies).
  std::vector<kv::Clock> clocks = {kv::Clock{}, kv::Clock{0}, kv::Clock{9, 10, 99, 100},
                                   kv::Clock{UINT64_MAX, 0, 1234567890123}};
  kv::Clock big = kv::Clock::zeros(40);
  for (size_t i = 0; i < 40; ++i) {
    for (size_t k = 0; k < i * 7; ++k) big.increment(i);
  }
  clocks.push_back(big);
  kv::history::HistoryWriter history;
  REQUIRE(history.open("history_clocks.jsonl").ok());
  std::string expected;
  kv::Siblings siblings;
  for (const kv::Clock& clock : clocks) {
    history.begin(SimTime{0}, "c");
    history.field_clock("clock", clock);
    history.end();
    expected += "{\"t\": 0, \"kind\": \"c\", \"clock\": ";
    kv::write_clock(clock, expected);
    expected += "}\n";
    siblings.push_back(kv::make_version("\"v\"", clock));
  }
  history.begin(SimTime{0}, "s");
  kv::write_siblings(siblings, history.field("siblings"));
  history.end();
  expected += "{\"t\": 0, \"kind\": \"s\", \"siblings\": ";
  kv::write_siblings(siblings, expected);
  expected += "}\n";
  REQUIRE(history.close().ok());
  CHECK(kv::sim::testing::slurp_and_remove("history_clocks.jsonl") == expected);
  CHECK(expected.find("[18446744073709551615, 0, 1234567890123]") != std::string::npos);
}

TEST_CASE("the history's plain-ASCII test agrees with a byte-by-byte one") {
  const auto plain = [](const std::string& s) {
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  };
  // Every byte value at every position of strings of 0..20 bytes.
  size_t special = 0;
  for (size_t length = 0; length <= 20; ++length) {
    for (size_t at = 0; at < std::max<size_t>(length, 1); ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string s(length, 'a');
        if (length > 0) s[at] = static_cast<char>(byte);
        const bool expected = plain(s);
        special += expected ? 0 : 1;
        INFO("length " << length << ", byte " << byte << " at " << at);
        REQUIRE(kv::history::HistoryWriter::plain_ascii(s) == expected);
      }
    }
  }
  CHECK(special > 0);
  // Strings that need escaping come out escaped.
  kv::history::HistoryWriter history;
  REQUIRE(history.open("history_strings.jsonl").ok());
  history.begin(SimTime{0}, "s");
  history.field_string("a", "plain");
  history.field_string("b", "quote\"back\\slash\x01\xc3\xa9");
  history.end();
  REQUIRE(history.close().ok());
  CHECK(kv::sim::testing::slurp_and_remove("history_strings.jsonl") ==
        "{\"t\": 0, \"kind\": \"s\", \"a\": \"plain\", \"b\": "
        "\"quote\\\"back\\\\slash\\u0001\\u00e9\"}\n");
}

TEST_CASE("the same scenario and seed give byte-identical histories; another seed differs") {
  const Scenario s = busy_scenario();
  const std::string a = run_to_text(s, 5, "sim_test_a.jsonl");
  const std::string b = run_to_text(s, 5, "sim_test_b.jsonl");
  const std::string c = run_to_text(s, 6, "sim_test_c.jsonl");
  CHECK(a.size() > 10000);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("a lossy, duplicating, partitioned run converges once healed and loses nothing") {
  const Scenario s = busy_scenario();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    kv::history::HistoryWriter off;
    Simulation sim(s, seed, off);
    sim.run();
    for (const CheckResult& c : sim.check()) {
      INFO("seed " << seed << " check " << c.name << ": " << c.detail);
      CHECK(c.holds);
    }
    CHECK(sim.stats().dropped_loss > 0);
    CHECK(sim.stats().duplicated > 0);
  }
}

TEST_CASE("a run with history off makes the same decisions as with history on") {
  const Scenario s = busy_scenario();
  kv::history::HistoryWriter off;
  Simulation quiet(s, 3, off);
  quiet.run();
  kv::history::HistoryWriter on;
  REQUIRE(on.open("sim_test_d.jsonl").ok());
  Simulation loud(s, 3, on);
  loud.run();
  (void)on.close();
  std::remove("sim_test_d.jsonl");
  CHECK(quiet.stats().events == loud.stats().events);
  CHECK(quiet.stats().messages_sent == loud.stats().messages_sent);
  CHECK(quiet.stats().writes_accepted == loud.stats().writes_accepted);
}

TEST_CASE(
    "an amnesia crash before replication loses an acknowledged write, and the checks say so") {
  Scenario s;
  s.name = "amnesia";
  s.nodes = 3;
  s.anti_entropy_interval = Duration{20000};
  TimelineEvent isolate;
  isolate.kind = TimelineEvent::Kind::kPartition;
  isolate.partition.shape = PartitionSpec::Shape::kIsolate;
  isolate.partition.isolate = 0;
  TimelineEvent put;
  put.at = SimTime{1000};
  put.kind = TimelineEvent::Kind::kClient;
  put.client = "c1";
  put.node = 0;
  put.op.key = "x";
  put.op.value_json = "\"v\"";
  put.op.clock = std::vector<uint64_t>{1, 0, 0};
  TimelineEvent crash;
  crash.at = SimTime{50000};
  crash.kind = TimelineEvent::Kind::kCrash;
  crash.node = 0;
  crash.amnesia = true;
  TimelineEvent heal;
  heal.at = SimTime{60000};
  heal.kind = TimelineEvent::Kind::kHeal;
  TimelineEvent restart;
  restart.at = SimTime{70000};
  restart.kind = TimelineEvent::Kind::kRestart;
  restart.node = 0;
  s.events = {isolate, put, crash, heal, restart};
  s.run_until = SimTime{500000};
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  const auto checks = sim.check();
  CHECK(checks[0].name == "converged");
  CHECK(checks[0].holds);
  CHECK(checks[1].name == "no_lost_write");
  CHECK_FALSE(checks[1].holds);
  CHECK(checks[1].detail.find("accepted by n1") != std::string::npos);
  CHECK(checks[2].name == "maximal");
  CHECK_FALSE(checks[2].holds);
}

TEST_CASE("colocated puts follow BENCHMARKS.md's W1: one event per put, N-1 deliveries each") {
  Scenario s;
  s.name = "fanout";
  s.nodes = 5;
  WorkloadSpec w;
  w.keys = 100;
  w.ops = 2000;
  w.interval = Duration{50};
  w.colocated = true;
  w.target = WorkloadSpec::Target::kRoundRobin;
  s.workload = w;
  s.run_until = SimTime{1000000};
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  CHECK(sim.stats().events == 2000 + 2000 * 4);
  CHECK(sim.stats().writes_accepted == 2000);
  for (const CheckResult& c : sim.check()) {
    INFO(c.name << ": " << c.detail);
    CHECK(c.holds);
  }
}

TEST_CASE("the checks name the first failure each would meet in its own order") {
  // Four nodes; n1 is down. Worked out by hand:
  //   key a: n2 {a1}, n3 {a1}, n4 {}    -> n4 differs, misses a1, not maximal
  //   key b: n2 {b1}, n3 {},   n4 {b1}  -> n3 differs, misses b1, not maximal
  // converged: the lowest differing node is n3 (at its first key, b), not n4
  // (which differs earlier, at a); maximal: the first key, a, at n4; lost:
  // none, as a live node holds each write (a replica missing one fails
  // converged and maximal, not no_lost_write).
  std::vector<kv::Node> nodes(4);
  const std::vector<std::string> names = {"n1", "n2", "n3", "n4"};
  for (size_t i = 0; i < 4; ++i) nodes[i].init(names[i], names, i);
  const kv::VersionPtr a1 = kv::make_version("\"a1\"", kv::Clock{0, 1, 0, 0}, 1);
  const kv::VersionPtr b1 = kv::make_version("\"b1\"", kv::Clock{0, 0, 1, 0}, 2);
  Oracle oracle;
  oracle.on_accepted("a", a1, 1, 2000);
  oracle.on_accepted("b", b1, 2, 1000);
  nodes[1].replicate("a", a1);
  nodes[2].replicate("a", a1);
  nodes[1].replicate("b", b1);
  nodes[3].replicate("b", b1);
  std::vector<NodeView> views;
  for (size_t i = 0; i < 4; ++i) views.push_back({&nodes[i], i != 0});
  const std::vector<CheckResult> results = run_checks(oracle, views, Expectations{}, 5000);
  REQUIRE(results.size() == 4);
  CHECK(results[0].name == "converged");
  CHECK_FALSE(results[0].holds);
  CHECK(results[0].detail == "n3 and n2 differ on key 'b' at the end (t=5ms)");
  // The same, structured: n3 (index 2), key b, the end.
  CHECK(results[0].node == std::optional<kv::sim::NodeIndex>(2));
  CHECK(results[0].key == std::optional<std::string>("b"));
  CHECK(results[0].time_us == std::optional<int64_t>(5000));
  CHECK(results[1].name == "no_lost_write");
  CHECK(results[1].holds);
  CHECK(results[1].detail == "every accepted write survives or is superseded");
  // A check that holds names nothing.
  CHECK_FALSE(results[1].node);
  CHECK_FALSE(results[1].key);
  CHECK_FALSE(results[1].time_us);
  CHECK(results[2].name == "maximal");
  CHECK(results[2].detail ==
        "n4 holds 0 sibling(s) for key 'a' but there are 1 maximal accepted write(s) (t=5ms)");
  CHECK(results[2].node == std::optional<kv::sim::NodeIndex>(3));
  CHECK(results[2].key == std::optional<std::string>("a"));
  CHECK(results[2].time_us == std::optional<int64_t>(5000));
  CHECK(results[2].signature() == FailureSignature{"maximal", "a"});
  CHECK(results[2].signature().text() == "maximal on key 'a'");
  CHECK_FALSE(results[2].signature() == results[0].signature());
  CHECK(results[3].holds);

  // With every node down (each keeping its store) there is nothing to
  // compare, and nothing is lost: a1 is on n2 and n3, b1 on n2 and n4, all
  // down, so both are unavailable; the first is b1 (accepted at t=1ms).
  for (NodeView& v : views) v.live = false;
  FateCounts fates;
  const std::vector<CheckResult> down = run_checks(oracle, views, Expectations{}, 5000, &fates);
  for (const CheckResult& r : down) {
    INFO(r.name << ": " << r.detail);
    CHECK(r.holds);
  }
  CHECK(down[0].detail == "no node is live at the end: nothing to compare");
  CHECK(down[1].detail ==
        "every accepted write survives or is superseded; but 2 unavailable write(s), held only "
        "by nodes that are down; first: write \"b1\"@[0, 0, 1, 0] to key 'b', accepted by n3 "
        "at t=1ms, is held only by n2, n4 (down)");
  CHECK(fates.lost == 0);
  CHECK(fates.unavailable == 2);
}

TEST_CASE("no node holding a write is a lost write, even with no node live (issue 10, 2)") {
  // Three nodes; x1 [1,0,0] accepted by n1 at t=1ms and replicated to all;
  // then every node crashes with amnesia (forgets its store) and none
  // restarts. By hand: no live node (converged and maximal have nothing to
  // compare and hold), and no node, live or down, holds x1 or anything
  // above it: 1 lost write, so no_lost_write fails.
  std::vector<kv::Node> nodes(3);
  const std::vector<std::string> names = {"n1", "n2", "n3"};
  for (size_t i = 0; i < 3; ++i) nodes[i].init(names[i], names, i);
  const kv::VersionPtr x1 = kv::make_version("\"x1\"", kv::Clock{1, 0, 0}, 1);
  Oracle oracle;
  oracle.on_accepted("x", x1, 0, 1000);
  for (kv::Node& node : nodes) {
    node.replicate("x", x1);
    node.forget();
  }
  std::vector<NodeView> views;
  for (size_t i = 0; i < 3; ++i) views.push_back({&nodes[i], false});
  FateCounts fates;
  const std::vector<CheckResult> r = run_checks(oracle, views, Expectations{}, 9000, &fates);
  CHECK(r[0].holds);
  CHECK(r[1].name == "no_lost_write");
  CHECK_FALSE(r[1].holds);
  CHECK(r[1].detail ==
        "1 lost write(s), held by no node, live or down; first: write \"x1\"@[1, 0, 0] to key "
        "'x', accepted by n1 at t=1ms, is held by no node");
  // Structured: accepted by n1 (index 0), key x, at 1ms.
  CHECK(r[1].node == std::optional<kv::sim::NodeIndex>(0));
  CHECK(r[1].key == std::optional<std::string>("x"));
  CHECK(r[1].time_us == std::optional<int64_t>(1000));
  CHECK(r[1].signature() == FailureSignature{"no_lost_write", "x"});
  CHECK(r[2].holds);
  CHECK(fates.lost == 1);
  CHECK(fates.unavailable == 0);

  // One node restarting empty changes nothing: still lost, and now the live
  // n2 misses the maximal write.
  views[1].live = true;
  const std::vector<CheckResult> again = run_checks(oracle, views, Expectations{}, 9000, &fates);
  CHECK_FALSE(again[1].holds);
  CHECK_FALSE(again[2].holds);
  CHECK(fates.lost == 1);
}

TEST_CASE("a write only a down node keeps is unavailable, not lost (issue 10, 3)") {
  // n1 accepted v [1,0,0] at t=2ms and crashed keeping its store; n2 and n3
  // are live and hold nothing; w [0,1,0] is on n2 and n3 (available). By
  // hand: v unavailable (only n1, down, holds it); nothing lost, so
  // no_lost_write holds; maximal fails (the live n2 lacks v); converged
  // holds (n2 and n3 agree).
  std::vector<kv::Node> nodes(3);
  const std::vector<std::string> names = {"n1", "n2", "n3"};
  for (size_t i = 0; i < 3; ++i) nodes[i].init(names[i], names, i);
  const kv::VersionPtr v = kv::make_version("\"v\"", kv::Clock{1, 0, 0}, 1);
  const kv::VersionPtr w = kv::make_version("\"w\"", kv::Clock{0, 1, 0}, 2);
  Oracle oracle;
  oracle.on_accepted("x", v, 0, 2000);
  oracle.on_accepted("x", w, 1, 3000);
  nodes[0].replicate("x", v);
  nodes[1].replicate("x", w);
  nodes[2].replicate("x", w);
  const std::vector<NodeView> views = {{&nodes[0], false}, {&nodes[1], true}, {&nodes[2], true}};
  FateCounts fates;
  const std::vector<CheckResult> r = run_checks(oracle, views, Expectations{}, 9000, &fates);
  CHECK(r[0].holds);
  CHECK(r[1].holds);
  CHECK(r[1].detail ==
        "every accepted write survives or is superseded; but 1 unavailable write(s), held only "
        "by nodes that are down; first: write \"v\"@[1, 0, 0] to key 'x', accepted by n1 at "
        "t=2ms, is held only by n1 (down)");
  CHECK_FALSE(r[2].holds);
  CHECK(fates.lost == 0);
  CHECK(fates.unavailable == 1);
}

TEST_CASE("the oracle refuses anything a crashed node does until it restarts (issue 10, 1)") {
  Oracle oracle;
  CHECK(oracle.refusal(1, Oracle::Act::kApply, 500).empty());
  oracle.on_crash(1, 1000);
  CHECK(oracle.refusal(0, Oracle::Act::kSend, 2000).empty());  // another node
  CHECK(oracle.refusal(1, Oracle::Act::kApply, 2000) ==
        "n2 applied a write at t=2ms while down (it crashed at t=1ms): a crashed node does "
        "nothing until it restarts");
  CHECK(oracle.refusal(1, Oracle::Act::kSend, 2000).find("n2 sent a message at t=2ms") == 0);
  CHECK(oracle.refusal(1, Oracle::Act::kHandle, 2000).find("n2 handled a message") == 0);
  CHECK(oracle.refusal(1, Oracle::Act::kTick, 2000).find("n2 ran its timer") == 0);
  oracle.on_crash(1, 3000);  // crashed again: still down since t=1ms
  CHECK(oracle.refusal(1, Oracle::Act::kTick, 4000).find("(it crashed at t=1ms)") !=
        std::string::npos);
  oracle.on_restart(1);
  CHECK(oracle.refusal(1, Oracle::Act::kApply, 5000).empty());
  CHECK_FALSE(oracle.down(1));
  CHECK_FALSE(oracle.down(7));  // never seen: up
}

TEST_CASE("a colocated put aimed at a crashed node is given up, not applied (issue 10, 1)") {
  // Two nodes, n2 crashed at 0; four colocated puts round-robin from 1ms
  // every 1ms: ops 0 and 2 go to n1 (applied, replication dropped at the
  // crashed n2), ops 1 and 3 to n2 (given up). By hand: 2 writes accepted, 2
  // given up, 4 operations, 2 messages (both replicate from n1), and n2's
  // store empty. Before the fix n2 applied ops 1 and 3 and replicated them.
  Scenario s;
  s.name = "colocated-crashed";
  s.nodes = 2;
  TimelineEvent crash;
  crash.kind = TimelineEvent::Kind::kCrash;
  crash.node = 1;
  s.events = {crash};
  WorkloadSpec w;
  w.clients = 1;
  w.keys = 1;
  w.ops = 4;
  w.start = SimTime{1000};
  w.interval = Duration{1000};
  w.colocated = true;
  w.target = WorkloadSpec::Target::kRoundRobin;
  s.workload = w;
  s.run_until = SimTime{100000};
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  CHECK(sim.stats().writes_accepted == 2);
  CHECK(sim.stats().client_gave_up == 2);
  CHECK(sim.stats().client_ops == 4);
  CHECK(sim.stats().messages_sent == 2);
  CHECK(sim.node(1).store().sorted_keys().empty());
  for (const CheckResult& c : sim.check()) {
    INFO(c.name << ": " << c.detail);
    CHECK(c.holds);
  }
}

namespace {

TimelineEvent client_event(int64_t at_us, const std::string& client, NodeIndex node, MsgType kind,
                           const std::string& value,
                           std::optional<std::vector<uint64_t>> clock = std::nullopt) {
  TimelineEvent e;
  e.at = SimTime{at_us};
  e.kind = TimelineEvent::Kind::kClient;
  e.client = client;
  e.node = node;
  e.op.kind = kind;
  e.op.key = "x";
  if (kind != MsgType::kGet) e.op.value_json = "\"" + value + "\"";
  e.op.clock = std::move(clock);
  return e;
}

}  // namespace

TEST_CASE("a client is sequential: a resolve due as its read's reply lands is built from it") {
  // Issue 10, item 6. Constant 5 ms delays, worked by hand: v1@[1,0,0] (c1
  // at n1) and v2@[0,1,0] (c2 at n2) reach every node by 11 ms. c3's get
  // leaves at 100 ms, reaches n3 at 105 ms; its reply reaches c3 at 110 ms,
  // the instant the resolve is due. Built from the read: [1,1,0], n3's slot
  // + 1 = [1,1,1], which dominates both: one sibling everywhere. Built
  // before the reply (from nothing) it would be [0,0,1]: three siblings.
  Scenario s;
  s.name = "get-then-resolve";
  s.nodes = 3;
  s.network.delay = DelaySpec{DelaySpec::Dist::kConstant, Duration{5000}, {}, {}, {}};
  s.events = {client_event(1000, "c1", 0, MsgType::kPut, "v1", std::vector<uint64_t>{1, 0, 0}),
              client_event(1000, "c2", 1, MsgType::kPut, "v2", std::vector<uint64_t>{0, 1, 0}),
              client_event(100000, "c3", 2, MsgType::kGet, ""),
              client_event(110000, "c3", 2, MsgType::kResolve, "v1+v2")};
  s.run_until = SimTime{1000000};
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  for (NodeIndex i = 0; i < 3; ++i) {
    const auto siblings = sim.node(i).get("x");
    REQUIRE(siblings.size() == 1);
    CHECK(siblings[0]->value == "\"v1+v2\"");
    std::string clock;
    kv::write_clock(siblings[0]->clock, clock);
    CHECK(clock == "[1, 1, 1]");
  }
  CHECK(sim.stats().client_ops == 4);
  CHECK(sim.stats().client_ops_waiting == 0);
}

TEST_CASE("a client's operations wait in order behind a request with no reply") {
  // c1 puts to n1 at 1 ms; n1 is down and retries go to n1 again, so the
  // put times out at 201 ms (retry 1) and 401 ms (retry 2), and c1 would
  // give up at 601 ms. Its get (due at 2 ms) waits behind it; the run ends
  // at 300 ms, so the get is never sent.
  Scenario s;
  s.name = "waiting";
  s.nodes = 3;
  s.network.delay = DelaySpec{DelaySpec::Dist::kConstant, Duration{5000}, {}, {}, {}};
  s.clients.retries = 2;
  TimelineEvent crash;
  crash.kind = TimelineEvent::Kind::kCrash;
  crash.node = 0;
  s.events = {crash, client_event(1000, "c1", 0, MsgType::kPut, "v", std::vector<uint64_t>{1}),
              client_event(2000, "c1", 0, MsgType::kGet, "")};
  s.clients.retry_next_node = false;
  s.run_until = SimTime{300000};
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  CHECK(sim.stats().client_ops == 1);
  CHECK(sim.stats().client_ops_waiting == 1);
  CHECK(sim.stats().client_timeouts == 1);  // at 201 ms; the next would be at 401 ms
}
