// The simulated cluster's state and handlers: private to sim/'s
// simulation*.cc files, one per concern —
//   simulation.cc       the event loop, set-up and the public face;
//   sim_messages.cc     messages through the network, and the replicas'
//                       outboxes (what a node sends and what its store does);
//   sim_clients.cc      clients (sequential processes) and the workload;
//   sim_faults.cc       partitions, heals, crashes and restarts.
// What happens is written by the Recorder (sim/recorder.h) and reported to
// the Oracle (sim/checks.h).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/assert.h"
#include "base/hash.h"
#include "base/rng.h"
#include "history/truth.h"
#include "history/writer.h"
#include "node/message.h"
#include "node/names.h"
#include "node/replica.h"
#include "node/request.h"
#include "sim/checks.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/outside_node.h"
#include "sim/recorder.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace kv::sim {

enum EventKind : uint32_t {
  kDeliver,   // arg: message slot
  kClientOp,  // arg: timeline index
  kFault,     // arg: timeline index
  kTimeout,   // arg: operation index, arg32: attempt
  kAeTick,    // arg32: node, arg: the node's life (incarnation) it was set in
  kWorkload,  // arg: operation number
  kTimer,     // arg: the replica's timer number, arg32: node (timers[node] holds it until then)
  kProbe,     // arg: staleness trial; arg32: 0 its writes are due, 1 its read, 2 its early read
};

// Every key the run has met, stored once. Messages and operations refer to a
// key by pointer, so replicating a write copies a pointer, not a string.
// Pointers stay valid for the whole run (a deque never moves its elements).
class KeyTable {
 public:
  const std::string* intern(std::string_view key) {
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    const std::string* stored = &keys_.emplace_back(key);
    index_.emplace(std::string_view(*stored), stored);
    return stored;
  }

 private:
  struct Hash {
    size_t operator()(std::string_view key) const { return stable_hash(key.data(), key.size()); }
  };
  std::deque<std::string> keys_;
  std::unordered_map<std::string_view, const std::string*, Hash> index_;
};

// An operation that fell due while its client had a request in flight.
struct WaitingOp {
  NodeIndex node = 0;
  ClientOp op;
  SimTime due;
};

// A client is one sequential process (as in Jepsen): at most one request in
// flight. An operation due while one is in flight waits in `waiting`, first
// in first out, and is sent the instant the one before it completes (its
// first reply arrives, or the client gives up).
struct ClientState {
  std::string name;
  uint64_t next_msg_id = 1;
  std::vector<uint64_t> ops;  // msg_id - 1 -> operation index
  bool busy = false;          // a request in flight
  // The queue is waiting[waiting_head..]; a vector, not a deque, so that an
  // idle client allocates nothing (a run may have 100,000 clients).
  std::vector<WaitingOp> waiting;
  size_t waiting_head = 0;
  // What the client last read of each key: the pointwise maximum of the
  // clocks of its last completed read's reply, and that read's msg_id.
  struct Read {
    Clock clock;
    uint64_t msg_id = 0;
    // The values returned, kept only when the scenario builds a value from
    // them (ClientOp::union_with).
    std::vector<VersionPtr> values;
  };
  std::map<std::string, Read, std::less<>> context;
};

struct Operation {
  uint32_t client = 0;  // index into clients
  MsgType kind = MsgType::kPut;
  const std::string* key = nullptr;  // interned
  VersionPtr version;
  uint64_t msg_id = 0;
  NodeIndex node = 0;
  uint32_t attempt = 0;
  bool done = false;
  // A client-coordinated quorum (replication.coordinator: client): the
  // replies gathered for this attempt's requests to the key's replicas.
  uint32_t responses = 0;
  uint32_t acks = 0;               // writes: replies that accepted the write
  std::vector<VersionPtr> merged;  // reads: the responses' versions, merged by the store's rules
  uint64_t trial = kNoTrial;       // the staleness trial it belongs to
  static constexpr uint64_t kNoTrial = UINT64_MAX;
};

// prefix + decimal n + suffix, without the temporaries of operator+: the
// text is put together back to front in one buffer, then copied once (a
// colocated put names its value this way, once per write).
inline std::string numbered(std::string_view prefix, uint64_t n, std::string_view suffix) {
  char text[64];
  if (prefix.size() + suffix.size() > sizeof text - 20) {
    return std::string(prefix) + std::to_string(n) + std::string(suffix);
  }
  char* const end = text + sizeof text;
  char* p = end;
  for (size_t i = suffix.size(); i-- > 0;) *--p = suffix[i];
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  for (size_t i = prefix.size(); i-- > 0;) *--p = prefix[i];
  return std::string(p, static_cast<size_t>(end - p));
}

struct Simulation::Impl {
  Impl(const Scenario& scenario, uint64_t seed, history::HistoryWriter& history);

  // --- plumbing ---------------------------------------------------------
  SimTime now() const { return queue.now(); }
  uint32_t client_endpoint(uint32_t client) const { return n + client; }
  bool is_node(uint32_t e) const { return e < n; }
  // Tells the oracle that `node` does `act` now, and stops the run if it is
  // down: no path may let a crashed node act (a simulator bug, not input).
  [[gnu::always_inline]] void acting(NodeIndex node, Oracle::Act act) {
    if (oracle.down(node)) [[unlikely]]
      acting_while_down(node, act);
  }
  [[gnu::noinline]] void acting_while_down(NodeIndex node, Oracle::Act act) {
    const std::string refusal = oracle.refusal(node, act, now().us);
    KV_ASSERT_MSG(refusal.empty(), refusal.c_str());
  }

  // A free slot of the slab, its message cleared and numbered.
  uint64_t new_message();
  void send(uint64_t slot);
  void release(uint64_t slot);
  void deliver(uint64_t slot);
  void handle(Message& m);

  // --- nodes --------------------------------------------------------------
  // What a replica sends goes through the simulated network, its timers are
  // queue events; what its store does is recorded. One per call into a
  // replica, naming it.
  //
  // The oracle learns that a client write was accepted from the reply its
  // client is sent (or, for a colocated client, the result write_local
  // hands it), not from the store's apply. Within one call a client's
  // request is applied before its reply is composed, so the apply's check
  // that the version was accepted (Oracle::on_stored) waits for the reply:
  // it runs when the reply is sent, or when the outbox goes out of scope.
  struct NodeOutbox final : Outbox {
    NodeOutbox(Impl& sim, NodeIndex node, uint32_t colocated_client = 0)
        : sim(sim), node(node), colocated_client(colocated_client) {}
    ~NodeOutbox() override { settle(); }
    Message& do_compose() override {
      slot = sim.new_message();
      return *sim.slab[slot];
    }
    void do_send() override { sim.send(slot); }
    void do_send_reply() override {
      sim.told_client(node, *sim.slab[slot]);
      settle();
      sim.send(slot);
    }
    void set_timer(Duration after, uint64_t timer) override { sim.set_timer(node, after, timer); }
    void cancel_timer(uint64_t timer) override { sim.cancel_timer(node, timer); }
    void applied(const AppliedWrite& a) override { sim.record_apply(*this, a); }
    uint64_t clock_us() const override { return sim.node_clocks[node].read(sim.now().us); }
    // The deferred on_stored of a client request's own apply (its version
    // and key are the request's).
    void settle() {
      if (unsettled == nullptr) [[likely]]
        return;
      sim.oracle.on_stored(*unsettled->key, unsettled->version, node, sim.now().us);
      unsettled = nullptr;
    }
    Impl& sim;
    NodeIndex node;
    uint32_t colocated_client;           // the client of a write with no message
    uint64_t slot = 0;                   // of the message composed
    const Message* unsettled = nullptr;  // a request applied, its reply not yet sent
  };
  // A node answers a client: the oracle and the figures learn what the
  // client was told (a write's status; a read tells nothing to record).
  void told_client(NodeIndex node, const Message& reply) {
    if (reply.type == MsgType::kGetOk) return;
    if (reply.type == MsgType::kError && reply.error == ErrorCode::kUnavailable) {
      ++stats.quorum_errors;  // a coordinator's quorum not gathered in time
      return;                 // nothing accepted
    }
    if (client_coordinates) {
      // One replica's answer: the write is acknowledged when its client
      // counts the w-th (gather_reply), not here.
      count_write(reply.status);
      return;
    }
    told_client(node, reply.hashed_key(), reply.version, reply.status,
                reply.type == MsgType::kResolveOk);
  }
  void told_client(NodeIndex node, const HashedKey& key, const VersionPtr& version,
                   WriteStatus status, bool resolve) {
    count_write(status);
    if (status == WriteStatus::kRejected || status == WriteStatus::kTooManySiblings) return;
    oracle.on_accepted(key, version, node, now().us);
    if (truth_on) truth.accept(truth_write_of(*version));
    if (resolve && stats.heals > 0) ++stats.resolves_after_heal;
  }
  // The role whose delay a message of type `type` takes (network.delays):
  // its own, but when clients coordinate a client's request to a replica is
  // the write (W) or read (R) of PBS's model, and the reply its
  // acknowledgement (A) or response (S).
  Role delay_role(MsgType type) const {
    if (!client_coordinates) return role_of(type);
    switch (type) {
      case MsgType::kPut:
      case MsgType::kResolve:
        return Role::kWrite;
      case MsgType::kGet:
        return Role::kRead;
      case MsgType::kPutOk:
      case MsgType::kResolveOk:
      case MsgType::kError:
        return Role::kWriteAck;
      case MsgType::kGetOk:
        return Role::kReadReply;
      default:
        return role_of(type);
    }
  }
  void set_timer(NodeIndex node, Duration after, uint64_t timer);
  void cancel_timer(NodeIndex node, uint64_t timer);
  void on_timer(NodeIndex node, uint64_t timer);
  void count_write(WriteStatus status) {
    if (status == WriteStatus::kRejected) {
      ++stats.writes_rejected;
    } else if (status == WriteStatus::kTooManySiblings) {
      ++stats.writes_refused;
    } else {
      ++stats.writes_accepted;
    }
  }
  // Records what a replica's store did with a version (history, oracle,
  // figures).
  void record_apply(NodeOutbox& out, const AppliedWrite& a);
  void ae_tick(NodeIndex node, uint64_t life);

  // --- clients ------------------------------------------------------------
  uint32_t client_index(const std::string& name);
  // An operation falls due: sent now if its client is idle, else queued.
  void operation_due(uint32_t client, NodeIndex node, const ClientOp& op);
  // The client's request in flight completed: the next waiting one goes.
  void operation_done(uint32_t client);
  void start_operation(uint32_t client, NodeIndex node, const ClientOp& op, SimTime due);
  void send_request(uint64_t op_index);
  void on_reply(uint32_t client, const Message& m);
  // A reply to a client-coordinated request; true when the operation completes.
  bool gather_reply(Operation& o, const Message& m);
  // The operation completed (a reply, or enough of them when the client
  // coordinates).
  void complete(uint32_t client, Operation& o, const Message& m);
  void on_timeout(uint64_t op_index, uint32_t attempt);
  void workload_op(uint64_t i);
  const std::string* workload_key(uint64_t k) {
    constexpr uint64_t kWorkloadKeyCache = uint64_t{1} << 22;
    if (k >= kWorkloadKeyCache) return keys.intern(numbered("k", k, ""));
    if (k >= workload_keys.size()) workload_keys.resize(k + 1, nullptr);
    if (workload_keys[k] == nullptr) workload_keys[k] = keys.intern(numbered("k", k, ""));
    return workload_keys[k];
  }
  std::string workload_client_name(uint64_t k) const {
    return numbered("c", workload_client_base + 1 + k, "");
  }
  void colocated_put(uint64_t i);

  // --- the truth (history/truth.h) ------------------------------------------
  // What each client observed, fed as the run goes: a write when a client
  // makes it, the versions a read's reply gives it, what its node holds for
  // a client beside it, a put's returned versions under a server-side
  // mechanism. Versions are known by their origin, which a node's stamp
  // keeps. While the run goes the truth is told of every copy of a version
  // made and gone (node/version.h's VersionWatch), and forgets a write once
  // no copy of it is left.
  void truth_write(uint32_t client, const std::string& key, const VersionPtr& v) {
    if (!truth_on) return;
    // Under a server-side mechanism the node stamps each write, so no two
    // writes are one version: each gets an identity of its own.
    const uint64_t identity = rules.server_side() ? mix64(v->origin) : v->hash;
    truth.write(client, key, identity, v->origin);
  }
  uint32_t truth_write_of(const Version& v) const {
    return v.origin == 0 ? history::Truth::kNone : truth.write_of_tag(v.origin);
  }
  uint32_t truth_version_of(const Version& v) const {
    const uint32_t w = truth_write_of(v);
    return w == history::Truth::kNone ? w : truth.version_of_write(w);
  }
  template <class Versions>
  void truth_observe(uint32_t client, const Versions& versions) {
    if (!truth_on) return;
    for (const VersionPtr& v : versions) truth.observe(client, truth_version_of(*v));
  }
  struct TruthWatch final : VersionWatch {
    explicit TruthWatch(history::Truth& t) : truth(t) {}
    void made(uint64_t origin) override { truth.hold(origin); }
    void dropped(uint64_t origin) override { truth.drop(origin); }
    history::Truth& truth;
  };
  bool truth_on = true;
  history::Truth truth;
  TruthWatch truth_watch{truth};

  // --- the staleness experiment (sim_staleness.cc) -------------------------
  StalenessCounts run_staleness(const StalenessProbe& spec);
  void probe_event(uint64_t trial, uint32_t what);
  void probe_done(const Operation& o, bool completed);
  uint64_t next_trial = Operation::kNoTrial;  // the trial of the next operation started
  Store merge_store;                          // scratch: merging a read's responses
  struct Probe {
    const StalenessProbe* spec = nullptr;
    StalenessCounts* counts = nullptr;
    std::vector<uint32_t> writers;  // c1, c2, ...: the trial's writers; c1 also reads
    uint32_t early_client = 0;      // the next client: the early read (staleness: early_read)
    uint64_t started = 0;           // the trial under way
    uint64_t ended = 0;             // trials done (counted or failed)
    int64_t sent_us = 0;            // when its writes fell due
    int64_t read_sent_us = 0;       // when its measured read fell due
    uint32_t pending = 0;           // its writes, then its reads, not yet ended
    bool failed = false;            // a write or the measured read did not complete
    bool acked = false;  // the reply just taken accepted the write (no client coordination)
    std::vector<VersionPtr> written;  // its committed writes
    std::vector<VersionPtr> read;     // its measured read's result
  } probe;

  // --- faults -------------------------------------------------------------
  void fault(const TimelineEvent& e);

  // A scenario's drop: and delay: events, in timeline order; each decides
  // the first message it matches, sent at or after `at`.
  struct ScriptedFate {
    SimTime at;
    uint32_t src = 0;  // endpoints; kNoEndpoint: a client the run does not have
    uint32_t dest = 0;
    MsgType type = MsgType::kReplicate;
    bool drop = true;
    Duration by{};
    std::optional<Duration> again;  // a second delivery (a duplicate)
    bool used = false;
  };
  static constexpr uint32_t kNoEndpoint = UINT32_MAX;
  uint32_t endpoint_named(const std::string& name) const;
  // The scripted fate armed for `m`, sent now (marked used), or null.
  const ScriptedFate* take_scripted(const Message& m);

  // --- nodes outside the simulator (sim_outside.cc, sim/outside_node.h) --
  // A message a node wrote, read back before anything of its reaction is
  // recorded.
  struct Sent {
    uint32_t dest = 0;
    MsgType type = MsgType::kReplicate;
    PeerMessage peer;  // to a peer
    // to a client: a reply to its operation `op` (msg_id in_reply_to)
    uint64_t in_reply_to = 0, own_msg_id = 0, op = 0;
    WriteStatus status = WriteStatus::kWritten;
    uint32_t siblings = 0;
    Siblings values;
  };
  // A node's reaction: what it sent, and its sibling sets of the keys asked.
  struct Reaction {
    std::vector<Sent> sent;
    std::vector<std::pair<std::string, Siblings>> store;
  };
  void outside_handle(Message& m);
  void outside_tick(NodeIndex node, uint32_t peer_pick, uint64_t round);
  void outside_start(NodeIndex node);
  void outside_crash(NodeIndex node, bool amnesia);
  // Hands the node `lines` and reads its reaction; false (and
  // outside_error set) when it failed.
  bool outside_react(NodeIndex node, const std::string& lines, std::string_view doing, Reaction& r);
  bool outside_fail(NodeIndex node, std::string_view doing, const std::string& what);
  // The mirror replica takes on the sibling sets the node reported (a
  // `siblings` line for each that differs).
  void outside_reconcile(NodeIndex node, const Reaction& r);
  void outside_send(NodeIndex node, Outbox& out, Reaction& r);
  std::string outside_line(const Message& m) const;
  std::string harness_line(NodeIndex node, std::string_view body) const;
  std::string sync_line(NodeIndex node, const std::vector<std::string_view>& keys) const;
  uint32_t endpoint_named_safe(const std::string& name) const;
  // The client's version `v` is (same key, value and clock), so that the
  // oracle knows it by its origin; `v` itself when no client wrote it.
  VersionPtr known_version(std::string_view key, const VersionPtr& v);
  NodeProcesses* outside = nullptr;
  Status outside_error;
  OutsideReport outside_report;
  std::map<std::string, std::vector<VersionPtr>, std::less<>> client_versions;

  void run(void (*progress)(void*, int64_t, uint64_t), void* ctx);
  void dispatch(const ScheduledEvent& e);
  // Counts what is still under way at run_until (stats.run_end).
  void note_run_end();
  void write_finals();

  const Scenario& scenario;
  const Causality& rules;  // the scenario's mechanism
  const uint64_t seed;
  history::HistoryWriter& history;
  Recorder record;
  const uint32_t n;
  // Where keys live (replication.n of the ring, or every node) and whether
  // clients send to the replicas themselves.
  Placement placement;
  const bool client_coordinates;
  const bool node_coordinates;
  const bool placement_quorum;
  bool scenario_unions = false;  // some put builds its value with union: (ClientOp)  // a
                                 // replication: section (keys on n nodes of the ring)
  std::vector<Replica> replicas;
  std::vector<uint8_t> crashed;
  std::vector<uint64_t> life;  // incarnation: bumped by every crash
  // Each node's timers set and neither fired nor cancelled, by timer number;
  // a crash clears them (a node's timers die with it). A replica never
  // reuses a timer number, so an event of a cleared timer finds it gone.
  std::vector<std::set<uint64_t>> timers;
  std::vector<Rng> node_rngs;
  // Each node's physical clock (scenario.clocks, drawn from the "clocks"
  // stream): what lww timestamps its writes with.
  std::vector<NodeClock> node_clocks;
  Network network;
  Rng workload_rng;
  EventQueue queue;
  Oracle oracle;
  RunStats stats;
  KeyTable keys;
  // The workload's keys k0..k<K-1>, interned on first use (for K up to
  // kWorkloadKeyCache; past that each op interns its key by name).
  std::vector<const std::string*> workload_keys;

  // Messages by slot. Each message has its own allocation so that a
  // reference to one stays valid while handlers send more; slots are reused.
  std::vector<std::unique_ptr<Message>> slab;
  std::vector<uint8_t> deliveries_left;  // by slot
  std::vector<uint64_t> free_slots;
  uint64_t next_message_id = 1;
  uint64_t next_origin = 1;
  uint64_t next_ae_round = 1;

  std::vector<ClientState> clients;
  std::map<std::string, uint32_t, std::less<>> client_by_name;
  uint32_t workload_client_base = 0;   // workload clients are named c<base+1>..
  uint32_t workload_client_first = 0;  // and are clients[first..first+count)
  std::vector<Operation> operations;
  std::vector<ScriptedFate> scripted;
  bool keep_messages = false;
  std::vector<SentMessage> sent_messages;
  // Simulation::keep_workload_ties(): the time of the last event handled
  // that the run itself queued (not a timeline event), and per workload
  // operation whether one of the same microsecond came before it.
  bool keep_workload_ties = false;
  int64_t last_run_event_us = -1;
  std::vector<bool> workload_ties;
  std::string endpoint_text(uint32_t e) const {
    return is_node(e) ? node_name(e) : clients[e - n].name;
  }
};

}  // namespace kv::sim
