// A replica: one node's whole protocol, the same code in the simulator and
// in `kvsim node`.
//
// A Replica takes a message and an Outbox, a tick for its anti-entropy
// timer and the timers it set itself; it knows nothing of time, randomness
// or I/O. The host hands in what
// it needs (which peer a tick picks, the round's number) and carries what the
// replica sends: the simulator through its simulated network, `kvsim node`
// as JSON lines on stdout. The rules it follows (docs/PROTOCOL.md):
//
//   kv_put, kv_resolve   apply the write to the store and reply
//                        written | conflict (+ siblings) | resolved | rejected,
//                        or error 14 when the key would pass the sibling
//                        bound; then, if accepted, replicate it to the key's
//                        other replicas (its Placement: today every node),
//                        a retried duplicate too: the retry must reach the
//                        peers the first attempt's replication missed;
//   kv_get               reply with the key's siblings;
//   (coordinator: node)  a client's write or read is coordinated instead:
//                        node/coordinator.cc says how;
//   replicate            apply a peer's write (no sibling bound, no reply);
//   anti-entropy         tick: send the store's bucket digests to one peer;
//                        ae_digest: answer with my versions in the buckets
//                        that differ (nothing if in sync); ae_diff: apply
//                        them and push back mine, less what the peer sent;
//                        ae_push: apply them.
//
// Invariant: every version a replica holds was applied through its Node, so
// the store's own invariant (siblings pairwise non-dominating) holds; a
// replica sends a reply to every client request it receives, exactly one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "base/time.h"
#include "node/message.h"
#include "node/node.h"
#include "node/placement.h"

namespace kv {

// What the store did with one version, reported to the host (the simulator
// records it; `kvsim node` does not).
struct AppliedWrite {
  HashedKey key;
  const VersionPtr& version;
  WriteOp op;
  const Message* via;        // the message it came in; null for a colocated write
  ApplyOutcome outcome;      // what the store did
  const WriteResult* reply;  // client writes: the reply's status; else null
};

// Where a replica's messages, timers and reports go: the host's side of the
// replica (the simulator's network and event queue, or `kvsim node`'s
// stdout and wall clock).
//
// Contracts, asserted here for both hosts:
//   compose then send: a message is sent in two steps, compose() then
//     send(), so that the host can hand out storage of its own (the
//     simulator's message slots) and no message is copied on the way; a
//     replica composes one message at a time and sends every message it
//     composes (checked in debug and sanitizer builds: on the simulator's
//     hot path a check per message is a cost the benchmarks count);
//   exactly one reply per request: every client request a replica receives
//     gets exactly one reply, at once or later (when the coordinator's
//     pending request completes or times out). A replica sends its replies
//     with send_reply(), which replies() counts; a host checks, over each
//     call into the replica, replies() == requests received + pending
//     requests closed (Replica::check_replies).
class Outbox {
 public:
  virtual ~Outbox() = default;
  // A cleared message for the replica to fill in.
  Message& compose() {
    KV_EXPENSIVE_ASSERT(!composing_ && "compose then send: the message composed was not sent");
#ifdef KV_EXPENSIVE_CHECKS
    composing_ = true;
#endif
    return do_compose();
  }
  // Carries the composed message to its dest.
  void send() {
    KV_EXPENSIVE_ASSERT(composing_ && "compose then send: nothing composed to send");
#ifdef KV_EXPENSIVE_CHECKS
    composing_ = false;
#endif
    do_send();
  }
  // The same for a reply to a client (kv_*_ok, error): counted, and handed
  // to the host as a reply (the simulator's oracle learns from it).
  void send_reply() {
    KV_EXPENSIVE_ASSERT(composing_ && "compose then send: nothing composed to send");
#ifdef KV_EXPENSIVE_CHECKS
    composing_ = false;
#endif
    ++replies_;
    do_send_reply();
  }
  // Asks the host to call Replica::on_timer(timer) `after` from now, unless
  // cancelled first. `timer` is the replica's own number, unique among its
  // timers not yet fired or cancelled. A node's timers die with it: a crash
  // cancels them all.
  virtual void set_timer(Duration after, uint64_t timer) = 0;
  // The host will not fire `timer` (set and not yet fired).
  virtual void cancel_timer(uint64_t timer) = 0;
  virtual void applied(const AppliedWrite&) {}
  // The node's physical clock, in microseconds: what lww timestamps a write
  // with (node/lww.h). A host without one (`kvsim node`, which runs
  // client-vv only) reads 0.
  virtual uint64_t clock_us() const {
    return 0;
  }

  // The replies to clients sent through this outbox (send_reply).
  uint64_t replies() const {
    return replies_;
  }

 protected:
  virtual Message& do_compose() = 0;
  virtual void do_send() = 0;
  virtual void do_send_reply() {
    do_send();
  }

 private:
#ifdef KV_EXPENSIVE_CHECKS
  bool composing_ = false;
#endif
  uint64_t replies_ = 0;
};

class Replica {
 public:
  // Sets the replica's identity (Node::init) and how the cluster
  // replicates; a replica may be initialised again (the line protocol
  // accepts a repeated init) and keeps its store.
  // REQUIRES: node_ids[slot] == id; replication.n <= node_ids.size().
  void init(std::string id, std::vector<std::string> node_ids, size_t slot,
            const Replication& replication = {}) {
    replication_ = replication;
    placement_ = replication.quorum()
                     ? Placement::ring(node_ids, replication.n)
                     : Placement::everywhere(static_cast<uint32_t>(node_ids.size()));
    node_.init(std::move(id), std::move(node_ids), slot);
  }

  // The conflict-detection mechanism of its store (Node::set_mechanism):
  // set by the simulator before any write; kvsim node keeps client-vv.
  void set_mechanism(Mechanism m) { node_.set_mechanism(m); }

  // Handles one message addressed to this replica. REQUIRES: m is a client
  // request or a node-to-node message (not a reply), with its fields set.
  void receive(const Message& m, Outbox& out);

  // A client colocated with the node writes straight to it: the write is
  // applied as a put and, if accepted, replicated; there is no reply message.
  // REQUIRES: key_hash == Store::key_hash(*key).
  WriteResult write_local(const std::string* key, uint64_t key_hash, const VersionPtr& version,
                          Outbox& out);

  // The anti-entropy timer fired: opens round `round` with peer number
  // `peer_pick` among the others (0 is the first node that is not this one).
  // REQUIRES: peer_pick < peer_count().
  void tick(uint32_t peer_pick, uint64_t round, Outbox& out);
  size_t peer_count() const { return node_.node_ids().size() - 1; }

  // A timer the replica set (Outbox::set_timer) fired: a coordinator's
  // deadline or its turn to stand-ins, or a stand-in's handoff round.
  void on_timer(uint64_t timer, Outbox& out);

  // The client requests received and not yet answered (a coordinator's
  // pending requests); 0 unless this node coordinates quorums.
  size_t open_requests() const { return unanswered_; }

  // The node crashed: its pending requests die with it (their clients time
  // out); the hints it holds are on disk and stay, unless `amnesia`.
  void crash(bool amnesia);
  // The node restarted: a stand-in offers its hints again.
  void restart(Outbox& out);

  // A write this node keeps for another (a sloppy quorum's stand-in), until
  // that one acknowledges the handoff.
  struct Hint {
    const std::string* key;
    VersionPtr version;
    Endpoint owner;
  };
  // The hints not yet handed off, by number.
  const std::map<uint64_t, Hint>& hints() const { return hints_; }
  // The reply contract over one call into the replica: `replies` sent
  // through its outbox, `requests` client requests received, and the open
  // requests before the call. Aborts if a request went unanswered or was
  // answered twice.
  void check_replies(uint64_t replies, uint64_t requests, size_t open_before) const {
    KV_ASSERT_MSG(replies + open_requests() == requests + open_before,
                  "a client request must get exactly one reply");
  }

  // An amnesia crash: the store is lost, the identity kept.
  void forget() { node_.forget(); }

  // The number of the next message the node sends a client: replies count
  // from 0, the line protocol's own (init_ok, errors) included.
  uint64_t take_msg_id() { return next_msg_id_++; }
  uint64_t next_msg_id() const { return next_msg_id_; }

  const Node& node() const { return node_; }
  const Placement& placement() const { return placement_; }
  Endpoint self() const { return static_cast<Endpoint>(node_.slot()); }

#ifdef KVSIM_MUTANTS
  // A crash that keeps the store (mutant kRestartDropsLastWrite).
  void crash_without_amnesia();
#endif

 private:
  void on_client_write(const Message& m, Outbox& out);
  void on_get(const Message& m, Outbox& out);
  void on_ae_digest(const Message& m, Outbox& out);
  void on_ae_diff(const Message& m, Outbox& out);
  void apply_repairs(const Message& m, Outbox& out);
  void replicate_to_peers(const std::string* key, uint64_t key_hash, const VersionPtr& version,
                          Outbox& out);
  // Composes a message from this replica in `out`.
  Message& compose(Outbox& out, Endpoint dest, MsgType type) {
    Message& m = out.compose();
    m.src = self();
    m.dest = dest;
    m.type = type;
    return m;
  }
  Message& compose_reply(Outbox& out, const Message& request, MsgType type);

  // --- coordinator: node (node/coordinator.cc) ---------------------------
  // A client request this node coordinates: sent to the key's replicas,
  // answered at the w-th acknowledgement (the r-th response), or with an
  // error at the deadline. It stays open after its answer until every
  // replica asked has answered or the deadline passes, so a sloppy quorum
  // can still place the copies it lacks and read repair can see them all.
  struct Pending {
    Endpoint client = 0;
    uint64_t client_msg_id = 0;
    MsgType type = MsgType::kPut;
    const std::string* key = nullptr;
    VersionPtr version;                          // writes
    WriteStatus status = WriteStatus::kWritten;  // writes: the reply's (the coordinator's apply)
    uint32_t siblings = 0;
    uint32_t acks = 0;                 // writes: copies stored (the coordinator's own included)
    uint32_t responses = 0;            // reads
    Placement::List asked;             // the nodes a store or fetch went to
    SmallVector<uint8_t, 8> answered;  // by asked's index
    std::vector<std::pair<Endpoint, Siblings>> seen;  // reads: each response
    uint32_t stand_ins_used = 0;                      // sloppy: ring positions past n taken
    bool replied = false;
  };
  bool node_coordinates() const {
    return replication_.quorum() && replication_.coordinator == Replication::Coordinator::kNode;
  }
  void coordinate_write(const Message& m, Outbox& out);
  void coordinate_read(const Message& m, Outbox& out);
  void on_store(const Message& m, Outbox& out);
  void on_fetch(const Message& m, Outbox& out);
  void on_node_ack(const Message& m, Outbox& out);
  void on_handoff(const Message& m, Outbox& out);
  void ask(Pending& p, uint64_t req, Endpoint node, Endpoint hint, Outbox& out);
  void answer(Pending& p, Outbox& out, bool failed);
  void close(uint64_t req, Outbox& out);
  void read_repair(const Pending& p, Outbox& out);
  void turn_to_stand_ins(uint64_t req, Pending& p, Outbox& out);
  void offer_hints(Outbox& out);
  Siblings merged(const Pending& p, size_t first) const;

  enum TimerKind : uint64_t { kDeadline = 0, kSloppy = 1, kHandoffRound = 2 };
  static uint64_t timer_of(uint64_t req, TimerKind kind) {
    return req * 4 + kind;
  }

  Node node_;
  Replication replication_;
  Placement placement_;
  uint64_t next_msg_id_ = 0;             // numbers the replies the node sends to clients
  std::map<uint64_t, Pending> pending_;  // by request number
  std::map<uint64_t, Hint> hints_;       // by the handoff's number
  uint64_t next_request_ = 1;            // numbers requests to replicas, and hints
  size_t unanswered_ = 0;                // pending_ not yet answered
  bool handoff_timer_ = false;           // a handoff round is set
};

}  // namespace kv
