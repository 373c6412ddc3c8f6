#include "node/replica.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace kv {
namespace {

// An outbox that keeps what a replica sends and reports.
struct Recorded : Outbox {
  std::vector<Message> sent;
  std::vector<std::string> applied_ops;  // "op key result"
  Message composing;
  std::vector<std::pair<int64_t, uint64_t>> timers;  // (after us, timer)
  Message& do_compose() override {
    composing = Message{};
    return composing;
  }
  void do_send() override { sent.push_back(composing); }
  void set_timer(Duration after, uint64_t timer) override { timers.emplace_back(after.us, timer); }
  void cancel_timer(uint64_t) override {}
  void applied(const AppliedWrite& a) override {
    static const char* results[] = {"stale", "duplicate", "applied", "too_many"};
    applied_ops.push_back(std::string(op_name(a.op)) + " " + std::string(a.key.text) + " " +
                          results[static_cast<int>(a.outcome.result)]);
  }
};

const std::vector<std::string> kNames = {"n1", "n2", "n3"};
const Endpoint kClient = 3;

Replica make_replica(size_t slot) {
  Replica r;
  r.init(kNames[slot], kNames, slot);
  return r;
}

Message request(MsgType type, const std::string* key, uint64_t msg_id, Endpoint dest,
                VersionPtr version = nullptr) {
  Message m;
  m.src = kClient;
  m.dest = dest;
  m.type = type;
  m.set_key(key);
  m.msg_id = msg_id;
  m.version = std::move(version);
  return m;
}

TEST_CASE("an accepted put is answered first, then replicated to every peer") {
  Replica n2 = make_replica(1);
  Recorded out;
  const std::string key = "x";
  n2.receive(request(MsgType::kPut, &key, 7, 1, make_version("\"v\"", Clock{0, 1})), out);
  REQUIRE(out.sent.size() == 3);
  CHECK(out.sent[0].type == MsgType::kPutOk);
  CHECK(out.sent[0].dest == kClient);
  CHECK(out.sent[0].msg_id == 7);  // in_reply_to
  CHECK(out.sent[0].own_msg_id == 0);
  CHECK(out.sent[0].status == WriteStatus::kWritten);
  // Peers in slot order, never itself.
  CHECK(out.sent[1].type == MsgType::kReplicate);
  CHECK(out.sent[1].dest == 0);
  CHECK(out.sent[2].dest == 2);
  CHECK(out.sent[1].version->value == "\"v\"");
  CHECK(out.applied_ops == std::vector<std::string>{"put x applied"});
}

TEST_CASE("a stale put is rejected and not replicated; a duplicate is replicated again") {
  Replica n1 = make_replica(0);
  Recorded out;
  const std::string key = "x";
  n1.receive(request(MsgType::kPut, &key, 1, 0, make_version("1", Clock{2, 0})), out);
  out.sent.clear();
  n1.receive(request(MsgType::kPut, &key, 2, 0, make_version("0", Clock{1, 0})), out);
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].status == WriteStatus::kRejected);
  CHECK(out.sent[0].own_msg_id == 1);
  out.sent.clear();
  // A retry of the first write: the reply is the state's, and the retry
  // reaches the peers again (the first replication may have been lost).
  n1.receive(request(MsgType::kPut, &key, 3, 0, make_version("1", Clock{2, 0})), out);
  REQUIRE(out.sent.size() == 3);
  CHECK(out.sent[0].status == WriteStatus::kWritten);
  CHECK(out.sent[1].type == MsgType::kReplicate);
}

TEST_CASE("concurrent writes: conflict with the sibling count; a get returns both in order") {
  Replica n1 = make_replica(0);
  Recorded out;
  const std::string key = "k";
  n1.receive(request(MsgType::kPut, &key, 1, 0, make_version("\"a\"", Clock{1, 0})), out);
  n1.receive(request(MsgType::kPut, &key, 2, 0, make_version("\"b\"", Clock{0, 1})), out);
  CHECK(out.sent[3].status == WriteStatus::kConflict);
  CHECK(out.sent[3].siblings == 2);
  out.sent.clear();
  n1.receive(request(MsgType::kGet, &key, 3, 0), out);
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].type == MsgType::kGetOk);
  REQUIRE(out.sent[0].values.size() == 2);
  CHECK(out.sent[0].values[0]->value == "\"a\"");
  CHECK(out.sent[0].values[1]->value == "\"b\"");
  // A resolve whose clock dominates both leaves one sibling.
  out.sent.clear();
  n1.receive(request(MsgType::kResolve, &key, 4, 0, make_version("\"ab\"", Clock{1, 1})), out);
  CHECK(out.sent[0].type == MsgType::kResolveOk);
  CHECK(out.sent[0].status == WriteStatus::kResolved);
}

TEST_CASE("a replicated write is applied without a reply and not passed on") {
  Replica n3 = make_replica(2);
  Recorded out;
  const std::string key = "x";
  Message m;
  m.src = 0;
  m.dest = 2;
  m.type = MsgType::kReplicate;
  m.set_key(&key);
  m.version = make_version("1", Clock{1});
  n3.receive(m, out);
  CHECK(out.sent.empty());
  CHECK(out.applied_ops == std::vector<std::string>{"replicate x applied"});
  CHECK(n3.node().get("x").size() == 1);
}

TEST_CASE("a write past the sibling bound is refused with error 14 and not replicated") {
  Replica n1 = make_replica(0);
  Recorded out;
  const std::string key = "hot";
  for (uint64_t i = 0; i < kMaxSiblings; ++i) {
    // Equal clocks, different values: all concurrent.
    n1.receive(request(MsgType::kPut, &key, i + 1, 0, make_version(std::to_string(i), Clock{1})),
               out);
  }
  out.sent.clear();
  n1.receive(request(MsgType::kPut, &key, 999, 0, make_version("\"x\"", Clock{1})), out);
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].type == MsgType::kError);
  CHECK(out.sent[0].msg_id == 999);
  std::string body;
  write_body(out.sent[0], body);
  CHECK(body.find("\"code\": 14") != std::string::npos);
  CHECK(body.find("'hot'") != std::string::npos);
}

// Delivers everything in `from` addressed to replicas, through their own
// outboxes, until nothing is left; returns the number of messages carried.
size_t deliver_all(std::vector<Replica>& replicas, Recorded& from) {
  size_t carried = 0;
  while (!from.sent.empty()) {
    std::vector<Message> batch;
    batch.swap(from.sent);
    for (const Message& m : batch) {
      ++carried;
      replicas.at(m.dest).receive(m, from);
    }
  }
  return carried;
}

TEST_CASE("one anti-entropy round makes two replicas hold the union of their versions") {
  std::vector<Replica> replicas = {make_replica(0), make_replica(1), make_replica(2)};
  Recorded out;
  const std::string a = "a", b = "b";
  // n1 holds a=1, n2 holds b=2 and a concurrent a=3; nothing replicated.
  Recorded dropped;
  replicas[0].receive(request(MsgType::kPut, &a, 1, 0, make_version("1", Clock{1, 0, 0})), dropped);
  replicas[1].receive(request(MsgType::kPut, &b, 2, 1, make_version("2", Clock{0, 1, 0})), dropped);
  replicas[1].receive(request(MsgType::kPut, &a, 3, 1, make_version("3", Clock{0, 1, 0})), dropped);
  // n1's tick with pick 0 opens a round with n2 (pick 0 is the first node
  // that is not n1).
  replicas[0].tick(0, 42, out);
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].type == MsgType::kAeDigest);
  CHECK(out.sent[0].dest == 1);
  CHECK(out.sent[0].ae->round == 42);
  // digest -> diff (n2's versions) -> push (n1's, less what n2 sent).
  CHECK(deliver_all(replicas, out) == 3);
  for (size_t i : {0, 1}) {
    CHECK(replicas[i].node().get("a").size() == 2);
    CHECK(replicas[i].node().get("b").size() == 1);
  }
  CHECK(replicas[0].node().digest() == replicas[1].node().digest());
  // In sync now: a round is one digest, and nothing else.
  replicas[1].tick(0, 43, out);
  CHECK(out.sent[0].dest == 0);
  CHECK(deliver_all(replicas, out) == 1);
}

TEST_CASE("the tick of n2 with pick 1 goes to n3: picks skip the replica itself") {
  Replica n2 = make_replica(1);
  Recorded out;
  n2.tick(1, 1, out);
  CHECK(out.sent.at(0).dest == 2);
  n2.tick(0, 2, out);
  CHECK(out.sent.at(1).dest == 0);
  CHECK(n2.peer_count() == 2);
}

TEST_CASE("every message type has one name, and names map back to their types") {
  for (size_t i = 0; i < kMsgTypes; ++i) {
    const MsgType t = static_cast<MsgType>(i);
    CHECK(type_by_name(type_name(t)) == t);
  }
  CHECK(type_name(MsgType::kPut) == "kv_put");
  CHECK(type_name(MsgType::kAePush) == "ae_push");
  // init is the line protocol's: named, but not carried by the simulator.
  CHECK(type_by_name("init") == MsgType::kInit);
  CHECK_FALSE(simulated_type_by_name("init").has_value());
  CHECK(simulated_type_by_name("replicate") == MsgType::kReplicate);
  CHECK_FALSE(type_by_name("kv_put ").has_value());
}

TEST_CASE("roles: client traffic, writes to replicas, anti-entropy") {
  CHECK(is_client_request(MsgType::kPut));
  CHECK(is_client_request(MsgType::kResolve));
  CHECK_FALSE(is_client_request(MsgType::kReplicate));
  CHECK(is_client_reply(MsgType::kError));
  CHECK(is_client_reply(MsgType::kGetOk));
  CHECK_FALSE(is_client_reply(MsgType::kInitOk));
  CHECK(role_of(MsgType::kReplicate) == Role::kWrite);
  CHECK(is_node_to_node(MsgType::kAeDiff));
  CHECK_FALSE(is_node_to_node(MsgType::kInit));
  CHECK(role_name(Role::kWriteAck) == "write_ack");
}

TEST_CASE("the outbox holds a replica to compose then send, and counts replies") {
  Replica n1 = make_replica(0);
  Recorded out;
  const std::string key = "x";
  n1.receive(request(MsgType::kPut, &key, 1, 0, make_version("1", Clock{1, 0, 0})), out);
  n1.receive(request(MsgType::kGet, &key, 2, 0), out);
  CHECK(out.replies() == 2);  // and two replications, which are not replies
  CHECK(out.sent.size() == 4);
  n1.check_replies(out.replies(), 2, 0);
  // The reply to a write carries, off the wire, the version it answers for.
  CHECK(out.sent[0].version->value == "1");
}

// --- coordinator: node (node/coordinator.cc) ---------------------------------

Replica quorum_replica(const std::vector<std::string>& names, size_t slot, Replication rep) {
  Replica r;
  r.init(names[slot], names, slot, rep);
  return r;
}

Message node_message(MsgType type, Endpoint src, Endpoint dest, uint64_t msg_id,
                     const std::string* key) {
  Message m;
  m.type = type;
  m.src = src;
  m.dest = dest;
  m.msg_id = msg_id;
  m.set_key(key);
  return m;
}

TEST_CASE("a coordinating node answers a write at the w-th copy, and error 11 at its deadline") {
  Replication rep;
  rep.n = 3;
  rep.w = 2;
  Replica n1 = quorum_replica(kNames, 0, rep);
  Recorded out;
  const std::string key = "x";
  n1.receive(request(MsgType::kPut, &key, 7, 0, make_version("\"v\"", Clock{1, 0, 0})), out);
  // Its own copy, and a store to each other replica; no answer yet.
  CHECK(out.applied_ops == std::vector<std::string>{"put x applied"});
  REQUIRE(out.sent.size() == 2);
  CHECK(out.sent[0].type == MsgType::kStore);
  CHECK(out.sent[1].type == MsgType::kStore);
  CHECK(out.sent[0].hint == kNoEndpoint);
  CHECK(n1.open_requests() == 1);
  REQUIRE(out.timers.size() == 1);
  CHECK(out.timers[0].first == 100000);  // the default timeout
  const uint64_t req = out.sent[0].msg_id;
  const Endpoint first = out.sent[0].dest;
  // The first store_ok is the second copy: the client is told yes.
  n1.receive(node_message(MsgType::kStoreOk, first, 0, req, &key), out);
  REQUIRE(out.sent.size() == 3);
  CHECK(out.sent[2].type == MsgType::kPutOk);
  CHECK(out.sent[2].dest == kClient);
  CHECK(out.sent[2].msg_id == 7);
  CHECK(out.replies() == 1);
  CHECK(n1.open_requests() == 0);
  // A duplicate store_ok changes nothing.
  n1.receive(node_message(MsgType::kStoreOk, first, 0, req, &key), out);
  CHECK(out.sent.size() == 3);

  // A second write no replica acknowledges: error 11 at the deadline.
  out.timers.clear();
  n1.receive(request(MsgType::kPut, &key, 8, 0, make_version("\"w\"", Clock{2, 0, 0})), out);
  REQUIRE(out.timers.size() == 1);
  CHECK(n1.open_requests() == 1);
  const size_t before = out.sent.size();
  n1.on_timer(out.timers[0].second, out);
  REQUIRE(out.sent.size() == before + 1);
  CHECK(out.sent.back().type == MsgType::kError);
  CHECK(out.sent.back().error == ErrorCode::kUnavailable);
  CHECK(n1.open_requests() == 0);
  std::string body;
  write_body(out.sent.back(), body);
  CHECK(body.find("\"code\": 11") != std::string::npos);
}

TEST_CASE(
    "a sloppy quorum: a stand-in stores with a hint, hands it off, forgets it when acknowledged") {
  const std::vector<std::string> names = {"n1", "n2", "n3", "n4"};
  Replication rep;
  rep.n = 3;
  rep.w = 3;
  rep.sloppy = true;
  const std::string key = "x";
  const Placement ring = Placement::ring(names, 3);
  const Placement::List walk = ring.ring_walk(key);
  const Endpoint coordinator = walk[0], missing = walk[2], stand_in = walk[3];
  Replica coord = quorum_replica(names, coordinator, rep);
  Recorded out;
  Message put = request(MsgType::kPut, &key, 1, coordinator, make_version("1", Clock{1, 0, 0, 0}));
  put.src = 9;
  coord.receive(put, out);
  REQUIRE(out.sent.size() == 2);
  REQUIRE(out.timers.size() == 2);  // the deadline, and the turn to stand-ins at half of it
  CHECK(out.timers[1].first == 50000);
  // walk[1] stores it, `missing` does not answer; at half the timeout the
  // write goes to the stand-in with a hint naming `missing`.
  coord.receive(node_message(MsgType::kStoreOk, walk[1], coordinator, out.sent[0].msg_id, &key),
                out);
  CHECK(out.sent.size() == 2);  // 2 copies of 3
  coord.on_timer(out.timers[1].second, out);
  REQUIRE(out.sent.size() == 3);
  const Message hinted = out.sent[2];
  CHECK(hinted.type == MsgType::kStore);
  CHECK(hinted.dest == stand_in);
  CHECK(hinted.hint == missing);
  std::string body;
  write_body(hinted, body);
  CHECK(body.find("\"hint\": \"" + names[missing] + "\"") != std::string::npos);

  // The stand-in stores it, acknowledges, and keeps the hint.
  Replica standin = quorum_replica(names, stand_in, rep);
  Recorded sout;
  standin.receive(hinted, sout);
  REQUIRE(sout.sent.size() == 1);
  CHECK(sout.sent[0].type == MsgType::kStoreOk);
  REQUIRE(standin.hints().size() == 1);
  CHECK(standin.hints().begin()->second.owner == missing);
  // Its copy is the third: the client is told yes.
  coord.receive(node_message(MsgType::kStoreOk, stand_in, coordinator, hinted.msg_id, &key), out);
  CHECK(out.sent.back().type == MsgType::kPutOk);
  // The handoff round offers the write to its replica until acknowledged.
  REQUIRE(sout.timers.size() == 1);
  standin.on_timer(sout.timers[0].second, sout);
  REQUIRE(sout.sent.size() == 2);
  CHECK(sout.sent[1].type == MsgType::kHandoff);
  CHECK(sout.sent[1].dest == missing);
  CHECK(sout.timers.size() == 2);  // the next round
  Replica owner = quorum_replica(names, missing, rep);
  Recorded oout;
  owner.receive(sout.sent[1], oout);
  CHECK(owner.node().get(key).size() == 1);
  REQUIRE(oout.sent.size() == 1);
  standin.receive(oout.sent[0], sout);
  CHECK(standin.hints().empty());
}

TEST_CASE("read repair sends the merge to the replicas whose answers lacked it") {
  Replication rep;
  rep.n = 3;
  rep.r = 1;
  rep.read_repair = true;
  Replica n1 = quorum_replica(kNames, 0, rep);
  Recorded out;
  const std::string key = "x";
  n1.receive(request(MsgType::kPut, &key, 1, 0, make_version("1", Clock{1, 0, 0})), out);
  out.sent.clear();
  n1.receive(request(MsgType::kGet, &key, 2, 0), out);
  // r = 1: its own copy answers the client at once; fetches go out.
  REQUIRE(out.sent.size() == 3);
  CHECK(out.sent[2].type == MsgType::kGetOk);
  CHECK(out.sent[2].values.size() == 1);
  const uint64_t req = out.sent[0].msg_id;
  Message empty = node_message(MsgType::kFetchOk, 1, 0, req, &key);
  n1.receive(empty, out);
  CHECK(out.sent.size() == 3);  // still open: n3 has not answered
  Message also_empty = node_message(MsgType::kFetchOk, 2, 0, req, &key);
  n1.receive(also_empty, out);
  // Closed: both lacked the version, each is sent it.
  REQUIRE(out.sent.size() == 5);
  CHECK(out.sent[3].type == MsgType::kReplicate);
  CHECK(out.sent[4].type == MsgType::kReplicate);
  CHECK(out.sent[3].dest + out.sent[4].dest == 3);
  CHECK(out.sent[3].version->value == "1");
}

}  // namespace
}  // namespace kv
