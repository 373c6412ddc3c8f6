// Tests for scripted fates (a scenario's drop: and delay: events): each
// decides the first matching message sent at or after its time, in place of
// the network's draws, and the loader refuses a malformed one. Expected
// stores and times are worked by hand in the comments.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "history/writer.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "tests/unit/run_helpers.h"

namespace {

using namespace kv::sim;

// Two nodes, every message 1 ms, no anti-entropy: c1 puts x at 0 and y at
// 10ms to n1, which replicates each to n2 when it applies it (at 1ms, 11ms).
std::string two_puts(const std::string& extra_events, const std::string& run_until = "100ms") {
  return "name: f\nnodes: 2\nnetwork: {delay: {dist: constant, value: 1ms}}\n"
         "clients: {retries: 0}\nrun_until: " +
         run_until +
         "\nevents:\n"
         "  - {at: 0ms, client: c1, node: n1, put: {key: x, value: 1, clock: [1, 0]}}\n"
         "  - {at: 10ms, client: c1, node: n1, put: {key: y, value: 2, clock: [1, 0]}}\n" +
         extra_events;
}

using testing::loaded;

struct Run {
  bool n2_has_x = false;
  bool n2_has_y = false;
  bool n1_has_x = false;
  RunStats stats;
  std::string history;
};

Run run(const std::string& text) {
  const Scenario s = loaded(text);
  kv::history::HistoryWriter history;
  const std::string path = "fates_test_history.jsonl";
  REQUIRE(history.open(path).ok());
  Simulation sim(s, 1, history);
  sim.run();
  REQUIRE(history.close().ok());
  Run r;
  r.n1_has_x = !sim.node(0).get("x").empty();
  r.n2_has_x = !sim.node(1).get("x").empty();
  r.n2_has_y = !sim.node(1).get("y").empty();
  r.stats = sim.stats();
  r.history = testing::slurp_and_remove(path);
  return r;
}

std::string load_error(const std::string& text) {
  LoadResult result = load_scenario_text(text, "f.yaml");
  REQUIRE(!result.ok());
  return result.error();
}

}  // namespace

TEST_CASE("without fates both writes reach n2") {
  const Run r = run(two_puts(""));
  CHECK(r.n2_has_x);
  CHECK(r.n2_has_y);
  CHECK(r.stats.dropped_loss == 0);
  // Per put: request, reply, replicate.
  CHECK(r.stats.messages_sent == 6);
}

TEST_CASE("a drop loses the first matching message sent at or after its time, and only that") {
  // Armed at 5ms: the replicate of x (sent at 1ms) goes through; y's (11ms)
  // is the first n1 -> n2 replicate after 5ms, and is lost.
  const Run r = run(two_puts("  - {at: 5ms, drop: {from: n1, to: n2, type: replicate}}\n"));
  CHECK(r.n2_has_x);
  CHECK_FALSE(r.n2_has_y);
  CHECK(r.stats.dropped_loss == 1);
  CHECK(r.stats.messages_sent == 6);
  // The history says it was scripted, at the send time (11ms).
  CHECK(r.history.find(R"("t": 11000, "kind": "drop", "id": 6, "src": "n1", "dest": "n2", )"
                       R"("reason": "scripted")") != std::string::npos);
}

TEST_CASE("a drop armed at 0 takes the first replicate; a second drop the next one") {
  const Run one = run(two_puts("  - {at: 0ms, drop: {from: n1, to: n2, type: replicate}}\n"));
  CHECK_FALSE(one.n2_has_x);
  CHECK(one.n2_has_y);
  const Run two =
      run(two_puts("  - {at: 0ms, drop: {from: n1, to: n2, type: replicate}}\n"
                   "  - {at: 0ms, drop: {from: n1, to: n2, type: replicate}}\n"));
  CHECK_FALSE(two.n2_has_x);
  CHECK_FALSE(two.n2_has_y);
  CHECK(two.stats.dropped_loss == 2);
}

TEST_CASE("a drop matches type and direction: a reply or the other direction is untouched") {
  // n2 -> n1 carries nothing here, and kv_put_ok goes n1 -> c1.
  const Run r =
      run(two_puts("  - {at: 0ms, drop: {from: n2, to: n1, type: replicate}}\n"
                   "  - {at: 0ms, drop: {from: n1, to: n2, type: kv_get}}\n"));
  CHECK(r.n2_has_x);
  CHECK(r.n2_has_y);
  CHECK(r.stats.dropped_loss == 0);
}

TEST_CASE("a drop of a client's request: the write is never made") {
  // c1's first put is lost on its way to n1; with retries 0 the client gives
  // up at its timeout (200ms by default, within run_until 300ms).
  const Run r = run(two_puts("  - {at: 0ms, drop: {from: c1, to: n1, type: kv_put}}\n", "300ms"));
  CHECK_FALSE(r.n1_has_x);
  CHECK_FALSE(r.n2_has_x);
  CHECK(r.stats.client_gave_up == 1);
  // The second put waited behind the first (one request in flight), and
  // went after the give-up: it arrives.
  CHECK(r.n2_has_y);
}

TEST_CASE("a fate naming a client the run does not have changes nothing") {
  const Run plain = run(two_puts(""));
  const Run with = run(two_puts("  - {at: 0ms, drop: {from: c9, to: n1, type: kv_put}}\n"));
  CHECK(with.history == plain.history);
}

TEST_CASE("a delay sets one message's delay") {
  // x's replicate leaves n1 at 1ms and takes 30ms: n2 has it at 31ms, not
  // before. run_until 20ms: not yet; 40ms: there.
  const std::string delay = "  - {at: 0ms, delay: {from: n1, to: n2, type: replicate, by: 30ms}}\n";
  CHECK_FALSE(run(two_puts(delay, "20ms")).n2_has_x);
  const Run r = run(two_puts(delay, "40ms"));
  CHECK(r.n2_has_x);
  CHECK(r.history.find(R"({"t": 31000, "kind": "deliver", "id": 3, "src": "n1", "dest": "n2"})") !=
        std::string::npos);
  // Without the delay it arrives at 2ms.
  CHECK(run(two_puts("", "40ms")).history.find(R"({"t": 2000, "kind": "deliver", "id": 3,)") !=
        std::string::npos);
}

TEST_CASE("a delay with `again` delivers the message twice, as a drawn duplicate is") {
  // x's replicate leaves n1 at 1ms (message 3): delivered at 1 + 30 = 31ms
  // and again at 1 + 40 = 41ms; the second apply finds it already stored.
  const Run r = run(two_puts(
      "  - {at: 0ms, delay: {from: n1, to: n2, type: replicate, by: 30ms, again: 40ms}}\n"));
  CHECK(r.n2_has_x);
  CHECK(r.stats.duplicated == 1);
  CHECK(r.history.find(R"({"t": 1000, "kind": "duplicate", "id": 3})") != std::string::npos);
  CHECK(r.history.find(R"({"t": 31000, "kind": "deliver", "id": 3, "src": "n1", "dest": "n2"})") !=
        std::string::npos);
  CHECK(r.history.find(R"({"t": 41000, "kind": "deliver", "id": 3, "src": "n1", "dest": "n2"})") !=
        std::string::npos);
  // 6 messages as without it; 7 deliveries (the duplicate one more).
  CHECK(r.stats.messages_sent == 6);
  CHECK(r.stats.messages_delivered == 7);
  // A drop has no second delivery to give.
  CHECK(
      load_error(two_puts("  - {at: 0ms, drop: {from: n1, to: n2, type: replicate, again: 1ms}}\n"))
          .find("f.yaml:9:") == 0);
}

TEST_CASE("a malformed fate is refused with its line") {
  const auto event = [](const std::string& e) { return two_puts("  - " + e + "\n"); };
  CHECK(
      load_error(event("{at: 0ms, drop: {from: n1, to: n2, type: gossip}}")) ==
      "f.yaml:9: drop.type: unknown message type 'gossip' (one of kv_put, kv_get, kv_resolve, "
      "kv_put_ok, kv_get_ok, kv_resolve_ok, error, replicate, ae_digest, ae_diff, ae_push, store, "
      "store_ok, fetch, fetch_ok, handoff)");
  CHECK(load_error(event("{at: 0ms, drop: {from: n1, to: n1, type: replicate}}")) ==
        "f.yaml:9: drop: from and to are the same endpoint");
  CHECK(load_error(event("{at: 0ms, drop: {from: n3, to: n1, type: replicate}}"))
            .find("f.yaml:9: drop.from: unknown node 'n3'") == 0);
  CHECK(load_error(event("{at: 0ms, delay: {from: n1, to: n2, type: replicate}}"))
            .find("f.yaml:9:") == 0);
  CHECK(load_error(event("{at: 0ms, drop: {from: n1, to: n2, type: replicate, by: 1ms}}"))
            .find("f.yaml:9:") == 0);
  CHECK(load_error(event("{at: 0ms, drop: {from: n1, to: n2, type: replicate}, crash: n1}"))
            .find("more than one action") != std::string::npos);
}
