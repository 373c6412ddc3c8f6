// The server-side mechanisms (node/server_vv.h, node/dvv.h) driven through a
// real Node as a coordinator: a client's write stamped by Node::coordinate,
// applied by Node::put, and the key's versions returned as Riak's
// return_body. Expected outcomes are worked out by hand in the comments, and
// the Riak sibling-explosion counts and union are recomputed by the test's
// own code (a set of integers), not by the mechanism's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "node/causality.h"
#include "node/node.h"
#include "node/store.h"

using kv::Clock;
using kv::Mechanism;
using kv::Node;
using kv::VersionPtr;

namespace {

// One client of a one-node cluster: the context it holds for key "k".
struct Client {
  Clock context;
  std::set<int> got_back;  // the integers in the values its last reply returned
};

// The integers of a JSON array's text ("[1, 2]"), read by hand.
std::set<int> integers(const std::string& text) {
  std::set<int> out;
  int n = 0;
  bool in = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      in = true;
    } else if (in) {
      out.insert(n);
      n = 0;
      in = false;
    }
  }
  if (in) out.insert(n);
  return out;
}

std::string array_text(const std::set<int>& values) {
  std::string out = "[";
  for (const int v : values) out += (out.size() > 1 ? ", " : "") + std::to_string(v);
  return out + "]";
}

Node one_node(Mechanism m) {
  Node node;
  node.init("n1", {"n1"}, 0);
  node.set_mechanism(m);
  return node;
}

// `c` puts `value` with the context it holds; the reply's body (the key's
// versions after the put) becomes its context and what it got back.
void put(Node& node, Client& c, const std::string& value, uint64_t origin) {
  const VersionPtr write = kv::make_version(value, c.context, origin);
  const VersionPtr stamped = node.coordinate("k", write);
  const kv::WriteResult r = node.put("k", stamped);
  REQUIRE(r.accepted());
  c.context = Clock();
  c.got_back.clear();
  for (const VersionPtr& v : node.get("k")) {
    kv::causality(node.mechanism()).observe(c.context, *v);
    for (const int i : integers(v->value)) c.got_back.insert(i);
  }
}

std::vector<std::string> held(const Node& node) {
  std::vector<std::string> out;
  for (const VersionPtr& v : node.get("k")) out.push_back(v->value);
  return out;
}

// Riak's sibling explosion (riak_test's sibling_explosion): one node, one
// key, two clients alternating 99 puts (integers 0..98); each writes with
// the context its own previous put returned, a value that is the union of
// what it got back plus its new integer.
size_t explode(Mechanism m, std::set<int>& union_held) {
  Node node = one_node(m);
  Client clients[2];
  for (int i = 0; i < 99; ++i) {
    Client& c = clients[i % 2];
    std::set<int> value = c.got_back;
    value.insert(i);
    put(node, c, array_text(value), static_cast<uint64_t>(i + 1));
  }
  union_held.clear();
  for (const VersionPtr& v : node.get("k")) {
    for (const int i : integers(v->value)) union_held.insert(i);
  }
  return node.get("k").size();
}

}  // namespace

TEST_CASE("sibling explosion: server-vv keeps 99 siblings, dvv 2 whose union is 0..98") {
  // server-vv: put 0 finds nothing (the empty context descends the empty
  // object clock) and replaces; every later put's context is the object
  // clock its own previous put returned, which the other client has since
  // incremented, so it never descends the object clock: each put joins as a
  // sibling and none is ever removed: 99.
  std::set<int> union_held;
  CHECK(explode(Mechanism::kServerVv, union_held) == 99);
  // dvv: put i's context covers every dot up to its client's previous put
  // (i - 2), so it removes every sibling but the other client's put i - 1:
  // two remain (puts 97 and 98). Put 98's value holds what put 96 got back
  // (95 and 96's values, by induction all of 0..96) plus 98; put 97's holds
  // 0..95 and 97: the union is 0..98.
  CHECK(explode(Mechanism::kDvv, union_held) == 2);
  std::set<int> expected;
  for (int i = 0; i <= 98; ++i) expected.insert(i);
  CHECK(union_held == expected);
}

TEST_CASE("server-vv and dvv on five writes, worked out by hand") {
  // One node. Clients a, b, c; values w1..w5.
  //   w1  a, context {}          both: the key held nothing -> [w1]
  //   w2  b, context {}          b saw nothing: concurrent with w1 -> [w1, w2]
  //   w3  a, context of w1's reply (server-vv [1]; dvv [1], w1's dot)
  //       server-vv: [1] does not descend the object clock [2] -> a sibling,
  //         w1 stays although a had seen it (a false sibling) -> [w1, w2, w3]
  //       dvv: the context covers w1's dot (n1, 1) only -> [w2, w3]
  //   w4  c reads first (context: every version held), then writes
  //       both: the context covers everything held -> [w4]
  //   w5  b, context of w2's reply (server-vv [2]; dvv [2])
  //       server-vv: [2] does not descend [4] -> [w4, w5]
  //       dvv: covers dots 1 and 2, not w4's (n1, 4) -> [w4, w5]
  for (const Mechanism m : {Mechanism::kServerVv, Mechanism::kDvv}) {
    CAPTURE(kv::mechanism_name(m));
    const bool dvv = m == Mechanism::kDvv;
    Node node = one_node(m);
    Client a, b, c;
    put(node, a, "\"w1\"", 1);
    CHECK(held(node) == std::vector<std::string>{"\"w1\""});
    put(node, b, "\"w2\"", 2);
    CHECK(held(node) == std::vector<std::string>{"\"w1\"", "\"w2\""});
    Client b_after_w2 = b;
    a.context = Clock();  // a's context is w1's reply: w1 alone
    kv::causality(m).observe(a.context, *node.get("k")[0]);
    put(node, a, "\"w3\"", 3);
    CHECK(held(node) == (dvv ? std::vector<std::string>{"\"w2\"", "\"w3\""}
                             : std::vector<std::string>{"\"w1\"", "\"w2\"", "\"w3\""}));
    for (const VersionPtr& v : node.get("k")) kv::causality(m).observe(c.context, *v);
    put(node, c, "\"w4\"", 4);
    CHECK(held(node) == std::vector<std::string>{"\"w4\""});
    // b's context: w2's reply under dvv held w1 and w2; under server-vv the
    // object clock [2]. Neither covers w4.
    put(node, b_after_w2, "\"w5\"", 5);
    CHECK(held(node) == std::vector<std::string>{"\"w4\"", "\"w5\""});
  }
}

TEST_CASE("a replica applying the stamped writes in any order holds what the coordinator holds") {
  // The order is a partial order shared by store and oracle: replaying the
  // coordinator's stamped versions into a fresh store, forwards or
  // backwards, leaves the same set.
  for (const Mechanism m : {Mechanism::kServerVv, Mechanism::kDvv, Mechanism::kLww}) {
    CAPTURE(kv::mechanism_name(m));
    Node node = one_node(m);
    Client clients[3];
    std::vector<VersionPtr> stamped;
    for (int i = 0; i < 12; ++i) {
      Client& c = clients[(i * 7) % 3];
      const VersionPtr w = kv::make_version(std::to_string(i), c.context, i + 1);
      // lww: clock readings 100, 93, 86, ... mod 40: out of write order, with
      // repeats (ties broken by value).
      const VersionPtr s = node.coordinate("k", w, static_cast<uint64_t>((100 - 7 * i) % 40));
      stamped.push_back(s);
      node.put("k", s);
      c.context = Clock();
      for (const VersionPtr& v : node.get("k")) kv::causality(m).observe(c.context, *v);
    }
    std::vector<std::string> at_coordinator = held(node);
    std::sort(at_coordinator.begin(), at_coordinator.end());
    for (const bool backwards : {false, true}) {
      kv::Store replica(m);
      if (backwards) std::reverse(stamped.begin(), stamped.end());
      for (const VersionPtr& s : stamped) replica.apply("k", s);
      std::vector<std::string> got;
      for (const VersionPtr& v : replica.get("k")) got.push_back(v->value);
      std::sort(got.begin(), got.end());
      CHECK(got == at_coordinator);
    }
  }
}

// lww through real Nodes: the coordinating node stamps each write with the
// clock reading it is given (its host's physical clock); the greatest
// (timestamp, slot, value) wins. Worked out by hand:
//   two nodes n1 (slot 0) and n2 (slot 1), one key; every write replicated
//   to the other node.
//   w1  "a" through n1 at reading 2000      both hold a (2000, 0)
//   w2  "b" through n2 at reading 1500      b is causally later (its client
//       had read a) but n2's clock is behind: (1500, 1) < (2000, 0), stale
//       on both nodes, yet acknowledged as written     both hold a
//   w3  "c" through n2 at reading 2000      a tie on the timestamp: slot 1
//       beats slot 0                         both hold c (2000, 1)
//   w4  "d" through n2 at reading 2000      a tie on timestamp and slot:
//       "d" > "c" bytewise                   both hold d
//   w5  "a2" through n1 at reading 2000     (2000, 0) < (2000, 1): stale
//                                            both hold d
TEST_CASE("lww: the greatest (timestamp, slot, value) wins, worked out by hand") {
  Node n1, n2;
  n1.init("n1", {"n1", "n2"}, 0);
  n2.init("n2", {"n1", "n2"}, 1);
  n1.set_mechanism(Mechanism::kLww);
  n2.set_mechanism(Mechanism::kLww);
  struct Write {
    Node* via;
    Node* peer;
    const char* value;
    uint64_t reading;
    kv::WriteStatus status;
    kv::ApplyResult at_coordinator;
    const char* held;
  };
  const Write writes[] = {
      {&n1, &n2, "\"a\"", 2000, kv::WriteStatus::kWritten, kv::ApplyResult::kApplied, "\"a\""},
      {&n2, &n1, "\"b\"", 1500, kv::WriteStatus::kWritten, kv::ApplyResult::kStale, "\"a\""},
      {&n2, &n1, "\"c\"", 2000, kv::WriteStatus::kWritten, kv::ApplyResult::kApplied, "\"c\""},
      {&n2, &n1, "\"d\"", 2000, kv::WriteStatus::kWritten, kv::ApplyResult::kApplied, "\"d\""},
      {&n1, &n2, "\"a2\"", 2000, kv::WriteStatus::kWritten, kv::ApplyResult::kStale, "\"d\""},
  };
  uint64_t origin = 0;
  for (const Write& w : writes) {
    CAPTURE(w.value);
    const VersionPtr stamped =
        w.via->coordinate("k", kv::make_version(w.value, Clock(), ++origin), w.reading);
    CHECK(stamped->dot.counter == w.reading);
    CHECK(stamped->dot.node == (w.via == &n1 ? 0u : 1u));
    CHECK(stamped->dot.flags == kv::Dot::kTimestamp);
    const kv::WriteResult r = w.via->put("k", stamped);
    CHECK(r.status == w.status);  // a lost write is acknowledged all the same
    CHECK(r.applied == w.at_coordinator);
    w.peer->replicate("k", stamped);
    CHECK(held(n1) == std::vector<std::string>{w.held});
    CHECK(held(n2) == std::vector<std::string>{w.held});
  }
}

TEST_CASE("lww's order: total, timestamp first, then slot, then value") {
  const kv::Causality& lww = kv::causality(Mechanism::kLww);
  auto at = [](const char* value, uint32_t slot, uint64_t us) {
    return kv::make_version(value, Clock(), 0, kv::Dot{slot, kv::Dot::kTimestamp, us});
  };
  // Timestamp decides over slot and value; slot over value.
  CHECK(lww.order(*at("\"a\"", 0, 11), *at("\"z\"", 1, 10)) == kv::Order::kDominates);
  CHECK(lww.order(*at("\"z\"", 0, 10), *at("\"a\"", 1, 10)) == kv::Order::kDominated);
  CHECK(lww.order(*at("\"b\"", 1, 10), *at("\"a\"", 1, 10)) == kv::Order::kDominates);
  CHECK(lww.order(*at("\"a\"", 1, 10), *at("\"a\"", 1, 10)) == kv::Order::kEqual);
  // Never concurrent: a key holds one version.
  CHECK(lww.rank(*at("\"a\"", 0, 10)) < lww.rank(*at("\"a\"", 1, 10)));
  CHECK(lww.rank(*at("\"a\"", 1, 10)) < lww.rank(*at("\"a\"", 0, 11)));
}
