// The replication seam's pieces: the ring's preference lists, the delay
// families (Pareto drawn without floating point, against its formula), and
// the scenario's `replication:` and `network.delays:` sections.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "base/rng.h"
#include "node/names.h"
#include "node/placement.h"
#include "sim/network.h"
#include "sim/scenario.h"
#include "sim/scenario_writer.h"

namespace kv {
namespace {

std::vector<std::string> names(uint32_t n) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back(node_name(i));
  return out;
}

TEST_CASE("everywhere: every node holds every key, in slot order") {
  const Placement p = Placement::everywhere(4);
  CHECK(p.everywhere());
  const Placement::List list = p.replicas_of("any");
  REQUIRE(list.size() == 4);
  for (Endpoint i = 0; i < 4; ++i) CHECK(list[i] == i);
  CHECK(p.holds("k", 3));
}

TEST_CASE("ring: n distinct replicas per key, the walk a permutation that starts with them") {
  const Placement p = Placement::ring(names(7), 3);
  CHECK_FALSE(p.everywhere());
  std::vector<int> first(7, 0);
  for (int k = 0; k < 2000; ++k) {
    const std::string key = "k" + std::to_string(k);
    const Placement::List walk = p.ring_walk(key);
    const Placement::List reps = p.replicas_of(key);
    REQUIRE(walk.size() == 7);
    REQUIRE(reps.size() == 3);
    std::set<Endpoint> distinct(walk.begin(), walk.end());
    CHECK(distinct.size() == 7);
    for (size_t i = 0; i < 3; ++i) CHECK(reps[i] == walk[i]);
    CHECK(p.holds(key, reps[2]));
    CHECK_FALSE(p.holds(key, walk[3]));
    ++first[reps[0]];
  }
  // 64 points per node spread the keys: each node is first for 2000/7 = 286
  // keys give or take; none gets less than half or more than double.
  for (int c : first) {
    CHECK(c > 143);
    CHECK(c < 572);
  }
  // The same names give the same ring, whatever else happens.
  const Placement q = Placement::ring(names(7), 3);
  CHECK(q.replicas_of("k42")[0] == p.replicas_of("k42")[0]);
}

TEST_CASE("exp2_frac_q62 and log2_q32 invert each other") {
  for (uint64_t x : {1ull, 2ull, 3ull, 1000ull, 4294967296ull}) {
    const uint64_t l = log2_q32(x);
    const uint128 back = exp2_frac_q62(static_cast<uint32_t>(l)) << (l >> 32);
    const double got = static_cast<double>(back >> 30) / 4294967296.0;  // Q62 -> Q32 -> value
    CHECK(std::abs(got - static_cast<double>(x)) <= 1e-6 * static_cast<double>(x));
  }
}

// Pareto(xm, alpha): mean alpha xm / (alpha - 1), median xm 2^(1/alpha),
// p99 xm 100^(1/alpha). 100,000 integer draws (floored to whole
// microseconds, so about half a microsecond below) against the formula.
TEST_CASE("a Pareto draw without floating point follows the formula") {
  struct Case {
    int64_t xm;
    uint64_t num, den;
  };
  for (const Case c : {Case{235, 10, 1}, Case{1050, 151, 100}, Case{10000, 3, 1}}) {
    Rng rng(7);
    std::vector<int64_t> draws;
    double sum = 0;
    for (int i = 0; i < 100000; ++i) {
      const int64_t d = rng.pareto(c.xm, c.num, c.den);
      REQUIRE(d >= c.xm);
      draws.push_back(d);
      sum += static_cast<double>(d);
    }
    std::sort(draws.begin(), draws.end());
    const double alpha = static_cast<double>(c.num) / static_cast<double>(c.den);
    const double xm = static_cast<double>(c.xm);
    const double median = xm * std::pow(2.0, 1 / alpha);
    const double p99 = xm * std::pow(100.0, 1 / alpha);
    INFO("xm " << c.xm << " alpha " << alpha);
    CHECK(std::abs(static_cast<double>(draws[50000]) - median) <= 0.01 * median + 1);
    CHECK(std::abs(static_cast<double>(draws[99000]) - p99) <= 0.03 * p99 + 1);
    if (alpha > 2) {  // a finite variance: the sample mean settles
      const double mean = alpha * xm / (alpha - 1);
      CHECK(std::abs(sum / 100000 - mean) <= 0.01 * mean + 1);
    }
  }
}

TEST_CASE("a mixture draws each part with its weight") {
  sim::DelaySpec a{sim::DelaySpec::Dist::kConstant, {100}, {}, {}, {}};
  sim::DelaySpec b{sim::DelaySpec::Dist::kConstant, {200}, {}, {}, {}};
  a.weight = Probability{300000000};
  b.weight = Probability{700000000};
  sim::DelaySpec mix;
  mix.dist = sim::DelaySpec::Dist::kMixture;
  mix.parts = {a, b};
  Rng rng(3);
  int as = 0;
  for (int i = 0; i < 100000; ++i) as += sim::draw_delay(mix, rng).us == 100;
  CHECK(as > 29500);  // 30,000 expected; the sd is 145
  CHECK(as < 30500);
}

sim::LoadResult load(const std::string& text) {
  return sim::load_scenario_text(text, "t.yaml");
}

TEST_CASE("replication: and network.delays: are read, and wrong ones refused") {
  const std::string head = "name: t\nnodes: 3\nrun_until: 1s\n";
  sim::LoadResult ok = load(head +
                            "replication: {n: 3, r: 2, w: 1, coordinator: client}\n"
                            "network:\n  delays:\n"
                            "    write: {dist: pareto, xm: 235us, alpha: 1.51}\n"
                            "    read: {dist: mixture, of: [{weight: 0.9, dist: constant, value: "
                            "1ms}, {weight: 0.1, dist: exponential, mean: 2ms}]}\n");
  REQUIRE(ok.ok());
  const sim::Scenario& s = ok.value();
  CHECK(s.replication.n == 3);
  CHECK(s.replication.r == 2);
  CHECK(s.replication.coordinator == Replication::Coordinator::kClient);
  REQUIRE(s.network.delays.size() == 2);
  CHECK(s.network.delays[0].first == Role::kWrite);
  CHECK(s.network.delays[0].second.alpha_num == 151);
  CHECK(s.network.delays[0].second.alpha_den == 100);
  CHECK(s.network.delays[1].second.parts.size() == 2);

  auto refused = [&](const std::string& text, const std::string& words) {
    const sim::LoadResult r = load(head + text);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    CHECK(r.status().message().find(words) != std::string::npos);
  };
  refused("replication: {n: 4}\n", "replication.n");
  refused("replication: {n: 3, w: 4, coordinator: client}\n", "replication.w");
  refused("replication: {n: 3, sloppy: true, coordinator: client}\n", "need coordinator: node");
  refused("replication: {n: 3, timeout: 0ms}\n", "replication.timeout");
  sim::LoadResult node = load(head +
                              "replication: {n: 2, w: 2, sloppy: true, read_repair: true, "
                              "timeout: 40ms, handoff_interval: 10ms}\n");
  REQUIRE(node.ok());
  CHECK(node.value().replication.coordinator == Replication::Coordinator::kNode);
  CHECK(node.value().replication.sloppy);
  CHECK(node.value().replication.read_repair);
  CHECK(node.value().replication.timeout.us == 40000);
  CHECK(node.value().replication.handoff_interval.us == 10000);
  refused("network: {delays: {writes: {dist: constant, value: 1ms}}}\n", "not a message role");
  refused("network: {delays: {write: {dist: pareto, xm: 1ms, alpha: -1}}}\n", "alpha");
  refused(
      "network: {delays: {write: {dist: mixture, of: [{weight: 0.5, dist: constant, value: "
      "1ms}]}}}\n",
      "add up to 1");
  refused("network: {delay: {dist: constant, value: 1ms, weight: 1}}\n", "only a part");
}

TEST_CASE("staleness: is read, refused when it cannot mean anything, and written back") {
  const std::string head = "name: t\nnodes: 3\nrun_until: 1s\n";
  sim::LoadResult plain = load(head);
  REQUIRE(plain.ok());
  CHECK(plain.value().staleness == sim::StalenessSpec{});
  CHECK(sim::write_scenario(plain.value()).find("staleness") == std::string::npos);

  sim::LoadResult ok =
      load(head +
           "replication: {n: 3, r: 1, w: 1, coordinator: node, read_repair: true}\n"
           "staleness: {writers: 2, early_read: true, read_node: 2}\n");
  REQUIRE(ok.ok());
  CHECK(ok.value().staleness.writers == 2);
  CHECK(ok.value().staleness.early_read);
  CHECK(ok.value().staleness.read_node == 2);
  const std::string text = sim::write_scenario(ok.value());
  CHECK(text.find("staleness: {writers: 2, early_read: true, read_node: 2}") != std::string::npos);
  sim::LoadResult again = load(text);
  REQUIRE(again.ok());
  CHECK(again.value().staleness == ok.value().staleness);

  auto refused = [&](const std::string& body, const std::string& words) {
    const sim::LoadResult r = load(head + body);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    CHECK(r.status().message().find(words) != std::string::npos);
  };
  refused("staleness: {writers: 4}\n", "staleness.writers");
  refused("staleness: {writers: 0}\n", "staleness.writers");
  refused("staleness: {read_node: 1}\n", "read_node needs replication with coordinator: node");
  refused("replication: {n: 3, coordinator: client}\nstaleness: {read_node: 1}\n",
          "read_node needs replication with coordinator: node");
  refused("replication: {n: 2, coordinator: node}\nstaleness: {read_node: 2}\n",
          "staleness.read_node");
  refused("staleness: {readers: 2}\n", "readers: unknown field");
}

}  // namespace
}  // namespace kv
