#include "sim/simulation.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <string_view>
#include <unordered_map>

#include "node/json_text.h"
#include "node/kv_assert.h"
#include "node/message.h"
#include "node/replica.h"
#include "node/version_text.h"
#include "sim/history_format.h"
#include "sim/network.h"

namespace kv::sim {

namespace {

namespace fmt = history_format;
static_assert(fmt::kMaxNodes == kMaxNodes, "a start line lists at most the scenario's nodes");

enum EventKind : uint32_t {
  kDeliver,   // arg: message slot
  kClientOp,  // arg: timeline index
  kFault,     // arg: timeline index
  kTimeout,   // arg: operation index, arg32: attempt
  kAeTick,    // arg32: node, arg: the node's life (incarnation) it was set in
  kWorkload,  // arg: operation number
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
  };
  std::map<std::string, Read, std::less<>> context;
};

struct Operation {
  uint32_t client = 0;  // index into clients
  OpKind kind = OpKind::kPut;
  const std::string* key = nullptr;  // interned
  VersionPtr version;
  uint64_t msg_id = 0;
  NodeIndex node = 0;
  uint32_t attempt = 0;
  bool done = false;
};

std::string_view result_name(ApplyResult r) {
  switch (r) {
    case ApplyResult::kApplied:
      return fmt::result::kApplied;
    case ApplyResult::kDuplicate:
      return fmt::result::kDuplicate;
    case ApplyResult::kStale:
      return fmt::result::kStale;
    case ApplyResult::kTooMany:
      return fmt::result::kRefused;
  }
  return "?";
}

std::string_view status_name(WriteStatus s) {
  switch (s) {
    case WriteStatus::kWritten:
      return fmt::status::kWritten;
    case WriteStatus::kConflict:
      return fmt::status::kConflict;
    case WriteStatus::kResolved:
      return fmt::status::kResolved;
    case WriteStatus::kRejected:
      return fmt::status::kRejected;
    case WriteStatus::kTooManySiblings:
      return fmt::status::kTooManySiblings;
  }
  return "?";
}

// prefix + decimal n + suffix, without the temporaries of operator+.
std::string numbered(std::string_view prefix, uint64_t n, std::string_view suffix) {
  char text[64];
  if (prefix.size() + suffix.size() > sizeof text - 20) {
    return std::string(prefix) + std::to_string(n) + std::string(suffix);
  }
  std::memcpy(text, prefix.data(), prefix.size());
  char* end = std::to_chars(text + prefix.size(), text + sizeof text, n).ptr;
  std::memcpy(end, suffix.data(), suffix.size());
  return std::string(text, static_cast<size_t>(end - text) + suffix.size());
}

uint32_t client_number(std::string_view name) {
  uint32_t n = 0;
  for (char c : name.substr(1)) n = n * 10 + static_cast<uint32_t>(c - '0');
  return n;
}

}  // namespace

struct Simulation::Impl {
  Impl(const Scenario& scenario, uint64_t seed, HistoryWriter& history);

  // --- plumbing ---------------------------------------------------------
  SimTime now() const { return queue.now(); }
  uint32_t client_endpoint(uint32_t client) const { return n + client; }
  // An endpoint's name as JSON text, made once: history lines name endpoints
  // all the time.
  const std::string& name_json(uint32_t e) const { return names_json[e]; }
  void add_name(const std::string& name) {
    names_json.emplace_back();
    json::dump_string(name, names_json.back());
  }
  bool is_node(uint32_t e) const { return e < n; }
  // Tells the oracle that `node` does `act` now, and stops the run if it is
  // down: no path may let a crashed node act (a simulator bug, not input).
  void acting(NodeIndex node, Oracle::Act act) {
    const std::string refusal = oracle.refusal(node, act, now().us);
    KV_ASSERT_MSG(refusal.empty(), refusal.c_str());
  }

  // A free slot of the slab, its message cleared and numbered.
  uint64_t new_message();
  void send(uint64_t slot);
  void release(uint64_t slot);
  void write_send(const Message& m);
  void deliver(uint64_t slot);
  void handle(Message& m);

  // --- nodes --------------------------------------------------------------
  // What a replica sends goes through the simulated network; what its store
  // does is recorded. One per call into a replica, naming it.
  struct NodeOutbox final : Outbox {
    NodeOutbox(Impl& sim, NodeIndex node, uint32_t colocated_client = 0)
        : sim(sim), node(node), colocated_client(colocated_client) {}
    Message& compose() override {
      slot = sim.new_message();
      return *sim.slab[slot];
    }
    void send() override { sim.send(slot); }
    void applied(const AppliedWrite& a) override { sim.record_apply(node, a, colocated_client); }
    Impl& sim;
    NodeIndex node;
    uint32_t colocated_client;  // the client of a write with no message
    uint64_t slot = 0;          // of the message composed
  };
  void count_write(const WriteReply& r) {
    if (r.accepted()) {
      ++stats.writes_accepted;
    } else if (r.status == WriteStatus::kRejected) {
      ++stats.writes_rejected;
    } else {
      ++stats.writes_refused;
    }
  }
  // Records what a replica's store did with a version (history, oracle,
  // figures).
  void record_apply(NodeIndex node, const AppliedWrite& a, uint32_t colocated_client);
  void ae_tick(NodeIndex node, uint64_t life);

  // --- clients ------------------------------------------------------------
  uint32_t client_index(const std::string& name);
  // An operation falls due: sent now if its client is idle, else queued.
  void operation_due(uint32_t client, NodeIndex node, const ClientOp& op);
  // The client's request in flight completed: the next waiting one goes.
  void operation_done(uint32_t client);
  void start_operation(uint32_t client, NodeIndex node, const ClientOp& op, SimTime due);
  void write_op_line(const Operation& o, SimTime due, const ClientState::Read* auto_from);
  void send_request(uint64_t op_index);
  void on_reply(uint32_t client, const Message& m);
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
    return "c" + std::to_string(workload_client_base + 1 + k);
  }
  void colocated_put(uint64_t i);

  // --- faults -------------------------------------------------------------
  void fault(const TimelineEvent& e);
  void write_fault_nodes(std::string_view field, const std::vector<NodeIndex>& nodes);

  void run(void (*progress)(void*, int64_t, uint64_t), void* ctx);
  void write_finals();

  const Scenario& scenario;
  const uint64_t seed;
  HistoryWriter& history;
  const uint32_t n;
  std::vector<std::string> names_json;  // endpoints: n1.., then clients
  std::vector<Replica> nodes;
  std::vector<uint8_t> crashed;
  std::vector<uint64_t> life;  // incarnation: bumped by every crash
  std::vector<Rng> node_rngs;
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
};

Simulation::Impl::Impl(const Scenario& s, uint64_t seed_, HistoryWriter& h)
    : scenario(s),
      seed(seed_),
      history(h),
      n(s.nodes),
      nodes(s.nodes),
      crashed(s.nodes, 0),
      life(s.nodes, 0),
      network(s.network, s.nodes, Rng::derive(seed_, "network"), Rng::derive(seed_, "faults")),
      workload_rng(Rng::derive(seed_, "workload")) {
  KV_ASSERT(n >= 1);
  std::vector<std::string> node_names;
  for (uint32_t i = 0; i < n; ++i) node_names.push_back("n" + std::to_string(i + 1));
  for (uint32_t i = 0; i < n; ++i) {
    nodes[i].init(node_names[i], node_names, i);
    node_rngs.push_back(Rng::derive(seed_, "node", i));
  }
  for (const std::string& name : node_names) add_name(name);

  // Clients: the scripted ones in order of their numbers, then the workload's.
  uint32_t highest = 0;
  std::vector<uint32_t> numbers;
  for (const TimelineEvent& e : s.events) {
    if (e.kind == TimelineEvent::Kind::kClient) numbers.push_back(client_number(e.client));
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  for (uint32_t number : numbers) {
    client_index("c" + std::to_string(number));
    highest = std::max(highest, number);
  }
  workload_client_base = highest;
  if (s.workload) {
    workload_client_first = static_cast<uint32_t>(clients.size());
    for (uint32_t k = 0; k < s.workload->clients; ++k) client_index(workload_client_name(k));
  }

  for (size_t i = 0; i < s.events.size(); ++i) {
    const TimelineEvent& e = s.events[i];
    queue.push(e.at, e.kind == TimelineEvent::Kind::kClient ? kClientOp : kFault, i);
  }
  if (s.workload && s.workload->ops > 0) queue.push(s.workload->start, kWorkload, 0);
  if (s.anti_entropy_interval) {
    for (NodeIndex i = 0; i < n; ++i) {
      // Spread the nodes' first rounds over one interval.
      const int64_t offset = node_rngs[i].between(1, s.anti_entropy_interval->us);
      queue.push(SimTime{offset}, kAeTick, 0, i);
    }
  }
}

uint32_t Simulation::Impl::client_index(const std::string& name) {
  auto it = client_by_name.find(name);
  if (it != client_by_name.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(clients.size());
  clients.emplace_back().name = name;
  add_name(name);
  client_by_name.emplace(name, index);
  return index;
}

// --- messages ---------------------------------------------------------------

uint64_t Simulation::Impl::new_message() {
  uint64_t slot;
  if (!free_slots.empty()) {
    slot = free_slots.back();
    free_slots.pop_back();
  } else {
    slot = slab.size();
    slab.push_back(std::make_unique<Message>());
    deliveries_left.push_back(0);
  }
  slab[slot]->id = next_message_id++;
  return slot;
}

void Simulation::Impl::release(uint64_t slot) {
  slab[slot]->clear();
  free_slots.push_back(slot);
}

void Simulation::Impl::send(uint64_t slot) {
  Message& m = *slab[slot];
  if (is_node(m.src)) acting(m.src, Oracle::Act::kSend);
  ++stats.messages_sent;
  if (history.enabled()) write_send(m);
  const Network::Fate fate = network.fate(m.src, m.dest);
  if (fate.lost) {
    ++stats.dropped_loss;
    if (history.enabled()) {
      history.begin(now(), fmt::kind::kDrop);
      history.field_uint("id", m.id);
      history.field_raw("src", name_json(m.src));
      history.field_raw("dest", name_json(m.dest));
      history.field_string("reason", fmt::reason::kLoss);
      history.end();
    }
    release(slot);
    return;
  }
  deliveries_left[slot] = 1;
  queue.push(now() + fate.delay, kDeliver, slot);
  if (fate.duplicate) {
    ++stats.duplicated;
    deliveries_left[slot] = 2;
    queue.push(now() + fate.duplicate_delay, kDeliver, slot);
    if (history.enabled()) {
      history.begin(now(), fmt::kind::kDuplicate);
      history.field_uint("id", m.id);
      history.end();
    }
  }
}

void Simulation::Impl::write_send(const Message& m) {
  history.begin(now(), fmt::kind::kSend);
  history.field_uint("id", m.id);
  history.field_raw("src", name_json(m.src));
  history.field_raw("dest", name_json(m.dest));
  write_body(m, history.field("body"));
  history.end();
}

void Simulation::Impl::deliver(uint64_t slot) {
  Message& m = *slab[slot];
  KV_ASSERT(deliveries_left[slot] > 0);
  --deliveries_left[slot];
  std::string_view reason;  // empty: delivered
  if (is_node(m.dest) && crashed[m.dest]) {
    reason = fmt::reason::kCrashed;
    ++stats.dropped_crashed;
  } else if (is_node(m.src) && is_node(m.dest) && network.blocked(m.src, m.dest)) {
    reason = fmt::reason::kPartition;
    ++stats.dropped_partition;
  }
  if (history.enabled()) {
    history.begin(now(), reason.empty() ? fmt::kind::kDeliver : fmt::kind::kDrop);
    history.field_uint("id", m.id);
    history.field_raw("src", name_json(m.src));
    history.field_raw("dest", name_json(m.dest));
    if (!reason.empty()) history.field_string("reason", reason);
    history.end();
  }
  if (reason.empty()) {
    ++stats.messages_delivered;
    handle(m);
  }
  if (deliveries_left[slot] == 0) release(slot);
}

void Simulation::Impl::handle(Message& m) {
  if (!is_node(m.dest)) return on_reply(m.dest - n, m);
  acting(m.dest, Oracle::Act::kHandle);
  NodeOutbox out(*this, m.dest);
  nodes[m.dest].receive(m, out);
}

// --- nodes ------------------------------------------------------------------

void Simulation::Impl::record_apply(NodeIndex node, const AppliedWrite& a,
                                    uint32_t colocated_client) {
  acting(node, Oracle::Act::kApply);
  const std::string_view key = a.key;
  const VersionPtr& v = a.version;
  const ApplyOutcome outcome = a.outcome;
  if (a.reply) {
    count_write(*a.reply);
    if (a.reply->accepted()) oracle.on_accepted(key, v, node, now().us);
  }
  if (outcome.result == ApplyResult::kApplied) {
    oracle.on_stored(key, v, node, now().us);
    if (outcome.siblings >= 2) ++stats.siblings_created;
    if (a.op == WriteOp::kAntiEntropy) ++stats.versions_repaired;
  }
  if (!history.enabled()) return;
  history.begin(now(), fmt::kind::kApply);
  history.field_raw("node", name_json(node));
  history.field_string("key", key);
  history.field_raw("value", v->value);
  history.field_clock("clock", v->clock);
  history.field_string("op", op_name(a.op));
  history.field_uint("msg", a.via ? a.via->id : 0);
  history.field_string("result", result_name(outcome.result));
  history.field_uint("siblings", outcome.siblings);
  if (a.reply) {
    history.field_string("status", status_name(a.reply->status));
    const uint32_t client = a.via ? a.via->src : client_endpoint(colocated_client);
    history.field_raw("client", name_json(client));
  }
  history.end();
  if (outcome.result == ApplyResult::kApplied) {
    history.begin(now(), fmt::kind::kSiblings);
    history.field_raw("node", name_json(node));
    history.field_string("key", key);
    write_siblings(nodes[node].node().get(key), history.field("siblings"));
    history.end();
  }
}

void Simulation::Impl::ae_tick(NodeIndex node, uint64_t node_life) {
  if (crashed[node] || node_life != life[node]) return;  // timers stop while crashed
  acting(node, Oracle::Act::kTick);
  queue.push(now() + *scenario.anti_entropy_interval, kAeTick, life[node], node);
  if (n < 2) return;
  const uint32_t peer = static_cast<uint32_t>(node_rngs[node].below(n - 1));
  ++stats.anti_entropy_rounds;
  NodeOutbox out(*this, node);
  nodes[node].tick(peer, next_ae_round++, out);
}

// --- clients ----------------------------------------------------------------

void Simulation::Impl::operation_due(uint32_t client, NodeIndex node, const ClientOp& op) {
  ClientState& c = clients[client];
  if (c.busy) {
    c.waiting.push_back(WaitingOp{node, op, now()});
    ++stats.client_ops_waiting;
    return;
  }
  start_operation(client, node, op, now());
}

void Simulation::Impl::operation_done(uint32_t client) {
  ClientState& c = clients[client];
  c.busy = false;
  if (c.waiting_head == c.waiting.size()) return;
  const WaitingOp next = std::move(c.waiting[c.waiting_head++]);
  if (c.waiting_head == c.waiting.size()) {
    c.waiting.clear();
    c.waiting_head = 0;
  } else if (c.waiting_head >= 1024 && 2 * c.waiting_head >= c.waiting.size()) {
    // A queue that never empties: drop the sent half, amortized O(1).
    c.waiting.erase(c.waiting.begin(),
                    c.waiting.begin() + static_cast<std::ptrdiff_t>(c.waiting_head));
    c.waiting_head = 0;
  }
  --stats.client_ops_waiting;
  start_operation(client, next.node, next.op, next.due);
}

void Simulation::Impl::start_operation(uint32_t client, NodeIndex node, const ClientOp& op,
                                       SimTime due) {
  ClientState& c = clients[client];
  KV_ASSERT(!c.busy);
  c.busy = true;
  Operation o;
  o.client = client;
  o.kind = op.kind;
  o.key = keys.intern(op.key);
  o.node = node;
  o.msg_id = c.next_msg_id++;
  const ClientState::Read* auto_from = nullptr;
  static const ClientState::Read kNothingRead;
  if (op.kind != OpKind::kGet) {
    Clock clock;
    if (op.clock) {
      clock = Clock(*op.clock);
    } else {
      // clock: auto — what the client last read of the key (replies it has
      // received, nothing else), with the slot of the node it writes to
      // incremented; one slot per node at least.
      clock = Clock::zeros(n);
      auto it = c.context.find(op.key);
      auto_from = it != c.context.end() ? &it->second : &kNothingRead;
      clock.merge(auto_from->clock);
      if (clock.can_increment(node)) clock.increment(node);
    }
    o.version = make_version(op.value_json, std::move(clock), next_origin++);
  }
  const uint64_t index = operations.size();
  if (history.enabled()) write_op_line(o, due, auto_from);
  operations.push_back(std::move(o));
  c.ops.push_back(index);
  ++stats.client_ops;
  send_request(index);
}

void Simulation::Impl::write_op_line(const Operation& o, SimTime due,
                                     const ClientState::Read* auto_from) {
  history.begin(now(), fmt::kind::kOp);
  history.field_raw("client", name_json(client_endpoint(o.client)));
  history.field_uint("msg_id", o.msg_id);
  history.field_string("op", o.kind == OpKind::kPut   ? fmt::client_op::kPut
                             : o.kind == OpKind::kGet ? fmt::client_op::kGet
                                                      : fmt::client_op::kResolve);
  history.field_string("key", *o.key);
  history.field_raw("node", name_json(o.node));
  history.field_uint("due", static_cast<uint64_t>(due.us));
  if (auto_from != nullptr) {
    history.field_uint("auto_read", auto_from->msg_id);
    history.field_clock("auto_context", auto_from->clock);
  }
  history.end();
}

void Simulation::Impl::send_request(uint64_t op_index) {
  Operation& o = operations[op_index];
  const MsgType type = o.kind == OpKind::kPut   ? MsgType::kPut
                       : o.kind == OpKind::kGet ? MsgType::kGet
                                                : MsgType::kResolve;
  const uint64_t slot = new_message();
  Message& m = *slab[slot];
  m.src = client_endpoint(o.client);
  m.dest = o.node;
  m.type = type;
  m.msg_id = o.msg_id;
  m.key = o.key;
  m.version = o.version;
  send(slot);
  queue.push(now() + scenario.clients.timeout, kTimeout, op_index, o.attempt);
}

void Simulation::Impl::on_reply(uint32_t client, const Message& m) {
  ClientState& c = clients[client];
  if (m.msg_id == 0 || m.msg_id > c.ops.size()) return;
  Operation& o = operations[c.ops[m.msg_id - 1]];
  if (o.done) return;  // a late or duplicate reply: ignored
  o.done = true;
  if (m.type == MsgType::kGetOk) {
    ClientState::Read read;
    for (const VersionPtr& v : m.values) read.clock.merge(v->clock);
    read.msg_id = o.msg_id;
    c.context.insert_or_assign(*o.key, std::move(read));
  }
  operation_done(client);
}

void Simulation::Impl::on_timeout(uint64_t op_index, uint32_t attempt) {
  Operation& o = operations[op_index];
  if (o.done || o.attempt != attempt) return;
  ClientState& c = clients[o.client];
  if (o.attempt >= scenario.clients.retries) {
    o.done = true;
    ++stats.client_gave_up;
    if (history.enabled()) {
      history.begin(now(), fmt::kind::kGiveUp);
      history.field_string("client", c.name);
      history.field_uint("msg_id", o.msg_id);
      history.end();
    }
    operation_done(o.client);
    return;
  }
  ++o.attempt;
  ++stats.client_timeouts;
  if (scenario.clients.retry_next_node) o.node = (o.node + 1) % n;
  if (history.enabled()) {
    history.begin(now(), fmt::kind::kTimeout);
    history.field_string("client", c.name);
    history.field_uint("msg_id", o.msg_id);
    history.field_uint("attempt", o.attempt);
    history.field_raw("node", name_json(o.node));
    history.end();
  }
  send_request(op_index);
}

// A colocated client runs on its node: when the node is down, so is the
// client, and the put is not made. It is counted as an operation given up
// and written as a `give_up` line (msg_id 0, with the node and the reason),
// after the same draws as a put that is made, so the run's later operations
// do not depend on it.
void Simulation::Impl::colocated_put(uint64_t i) {
  const WorkloadSpec& w = *scenario.workload;
  const NodeIndex node = w.target == WorkloadSpec::Target::kRoundRobin
                             ? static_cast<NodeIndex>(i % n)
                             : static_cast<NodeIndex>(workload_rng.below(n));
  const std::string* key = workload_key(workload_rng.below(w.keys));
  // The colocated client of op i is workload client (i mod clients).
  const uint32_t client = workload_client_first + static_cast<uint32_t>(i % w.clients);
  if (crashed[node]) {
    ++stats.client_ops;
    ++stats.client_gave_up;
    if (history.enabled()) {
      history.begin(now(), fmt::kind::kGiveUp);
      history.field_raw("client", name_json(client_endpoint(client)));
      history.field_uint("msg_id", 0);
      history.field_raw("node", name_json(node));
      history.field_string("reason", fmt::reason::kCrashed);
      history.end();
    }
    return;
  }
  Clock clock = Clock::zeros(n);
  for (const VersionPtr& s : nodes[node].node().get(*key)) clock.merge(s->clock);
  if (!clock.can_increment(node)) return;
  clock.increment(node);
  VersionPtr v = make_version(numbered("\"v", i, "\""), std::move(clock), next_origin++);
  ++stats.client_ops;
  NodeOutbox out(*this, node, client);
  nodes[node].write_local(key, v, out);
}

void Simulation::Impl::workload_op(uint64_t i) {
  const WorkloadSpec& w = *scenario.workload;
  if (i + 1 < w.ops) {
    queue.push(w.start + Duration{w.interval.us * static_cast<int64_t>(i + 1)}, kWorkload, i + 1);
  }
  if (w.colocated) return colocated_put(i);
  const uint32_t client =
      workload_client_first + static_cast<uint32_t>(workload_rng.below(w.clients));
  const NodeIndex node = w.target == WorkloadSpec::Target::kRoundRobin
                             ? static_cast<NodeIndex>(i % n)
                             : static_cast<NodeIndex>(workload_rng.below(n));
  ClientOp op;
  op.key = *workload_key(workload_rng.below(w.keys));
  const uint64_t total = uint64_t{w.put_weight} + w.get_weight + w.resolve_weight;
  const uint64_t pick = workload_rng.below(total);
  op.kind = pick < w.put_weight                  ? OpKind::kPut
            : pick < w.put_weight + w.get_weight ? OpKind::kGet
                                                 : OpKind::kResolve;
  if (op.kind != OpKind::kGet) {
    op.value_json = (op.kind == OpKind::kPut ? "\"v" : "\"r") + std::to_string(i) + "\"";
  }
  operation_due(client, node, op);
}

// --- faults -----------------------------------------------------------------

void Simulation::Impl::write_fault_nodes(std::string_view field,
                                         const std::vector<NodeIndex>& list) {
  HistoryWriter& out = history.field(field);
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += name_json(list[i]);
  }
  out += ']';
}

void Simulation::Impl::fault(const TimelineEvent& e) {
  using Kind = TimelineEvent::Kind;
  switch (e.kind) {
    case Kind::kPartition: {
      const Partition p = network.partition(e.partition);
      if (!history.enabled()) return;
      history.begin(now(), fmt::kind::kFault);
      history.field_string("fault", fmt::fault::kPartition);
      history.field_string("shape", p.shape);
      if (!p.groups.empty()) {
        HistoryWriter& out = history.field("groups");
        out += '[';
        for (size_t g = 0; g < p.groups.size(); ++g) {
          if (g > 0) out += ", ";
          out += '[';
          for (size_t i = 0; i < p.groups[g].size(); ++i) {
            if (i > 0) out += ", ";
            out += name_json(p.groups[g][i]);
          }
          out += ']';
        }
        out += ']';
      }
      if (!p.from.empty()) {
        write_fault_nodes("from", p.from);
        write_fault_nodes("to", p.to);
      }
      if (!p.ring.empty()) write_fault_nodes("ring", p.ring);
      history.end();
      return;
    }
    case Kind::kHeal:
      network.heal();
      if (history.enabled()) {
        history.begin(now(), fmt::kind::kFault);
        history.field_string("fault", fmt::fault::kHeal);
        history.end();
      }
      return;
    case Kind::kCrash: {
      const NodeIndex node = e.node;
      const bool was_crashed = crashed[node];
      crashed[node] = 1;
      oracle.on_crash(node, now().us);
      ++life[node];
      std::vector<std::string_view> lost_keys;
      if (e.amnesia) {
        lost_keys = nodes[node].node().store().sorted_keys();
      }
      if (history.enabled()) {
        history.begin(now(), fmt::kind::kFault);
        history.field_string("fault", fmt::fault::kCrash);
        history.field_raw("node", name_json(node));
        history.field_bool("amnesia", e.amnesia);
        if (was_crashed) history.field_bool("already_crashed", true);
        history.end();
        for (std::string_view key : lost_keys) {
          history.begin(now(), fmt::kind::kSiblings);
          history.field_raw("node", name_json(node));
          history.field_string("key", key);
          history.field_raw("siblings", "[]");
          history.end();
        }
      }
      if (e.amnesia) nodes[node].forget();
      return;
    }
    case Kind::kRestart: {
      const NodeIndex node = e.node;
      const bool was_crashed = crashed[node];
      crashed[node] = 0;
      oracle.on_restart(node);
      if (history.enabled()) {
        history.begin(now(), fmt::kind::kFault);
        history.field_string("fault", fmt::fault::kRestart);
        history.field_raw("node", name_json(node));
        if (!was_crashed) history.field_bool("was_running", true);
        history.end();
      }
      if (was_crashed && scenario.anti_entropy_interval) {
        ++life[node];
        queue.push(now() + *scenario.anti_entropy_interval, kAeTick, life[node], node);
      }
      return;
    }
    case Kind::kClient:
      break;
  }
  KV_ASSERT(false && "not a fault");
}

// --- the loop ---------------------------------------------------------------

void Simulation::Impl::run(void (*progress)(void*, int64_t, uint64_t), void* ctx) {
  if (history.enabled()) {
    history.begin(SimTime{0}, fmt::kind::kStart);
    history.field_string("scenario", scenario.name);
    history.field_uint("seed", seed);
    write_fault_nodes("nodes", [&] {
      std::vector<NodeIndex> all(n);
      for (NodeIndex i = 0; i < n; ++i) all[i] = i;
      return all;
    }());
    history.field_string("description", scenario.description);
    history.end();
  }
  const int64_t until = scenario.run_until.us;
  while (!queue.empty() && queue.top().time_us() <= until) {
    const ScheduledEvent e = queue.pop();
    ++stats.events;
    switch (e.kind) {
      case kDeliver:
        deliver(e.arg);
        break;
      case kClientOp: {
        const TimelineEvent& t = scenario.events[e.arg];
        operation_due(client_index(t.client), t.node, t.op);
        break;
      }
      case kFault:
        fault(scenario.events[e.arg]);
        break;
      case kTimeout:
        on_timeout(e.arg, e.arg32);
        break;
      case kAeTick:
        ae_tick(e.arg32, e.arg);
        break;
      case kWorkload:
        workload_op(e.arg);
        break;
    }
    if (progress && (stats.events & 0xffff) == 0) progress(ctx, e.time_us(), stats.events);
    if (history.stopped()) {
      // A write failed or the history reached its limit: the run ends here,
      // with no final lines (they would not reach the file).
      stats.stopped = true;
      stats.end_us = e.time_us();
      return;
    }
  }
  stats.end_us = until;
  write_finals();
}

void Simulation::Impl::write_finals() {
  if (!history.enabled()) return;
  const SimTime end{stats.end_us};
  for (NodeIndex i = 0; i < n; ++i) {
    history.begin(end, fmt::kind::kFinal);
    history.field_raw("node", name_json(i));
    history.field_bool("live", !crashed[i]);
    HistoryWriter& out = history.field("store");
    out += '{';
    bool first = true;
    for (std::string_view key : nodes[i].node().store().sorted_keys()) {
      if (!first) out += ", ";
      first = false;
      out.put_string(key);
      out += ": ";
      write_siblings(nodes[i].node().get(key), out);
    }
    out += '}';
    history.end();
  }
  history.begin(end, fmt::kind::kEnd);
  history.field_uint("events", stats.events);
  history.field_uint("messages", stats.messages_sent);
  history.end();
}

// --- the size of a run --------------------------------------------------------

namespace {

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  uint64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

}  // namespace

uint64_t estimate_events(const Scenario& s) {
  const uint64_t n = s.nodes;
  const uint64_t until = static_cast<uint64_t>(std::max<int64_t>(s.run_until.us, 0));
  uint64_t events = 0;
  if (s.anti_entropy_interval && s.anti_entropy_interval->us > 0) {
    // A tick and the digest's delivery per node and interval (a round that
    // finds differences adds two more deliveries).
    const uint64_t ticks = until / static_cast<uint64_t>(s.anti_entropy_interval->us);
    events = saturating_add(events, saturating_mul(saturating_mul(ticks, n), 2));
  }
  // A client operation: the request's delivery, a replication to each other
  // node, the reply (a colocated one: the write and the replications).
  const uint64_t per_op = n + 2;
  uint64_t client_ops = 0;
  for (const TimelineEvent& e : s.events) {
    client_ops += e.kind == TimelineEvent::Kind::kClient ? 1 : 0;
    events = saturating_add(events, e.kind == TimelineEvent::Kind::kClient ? 0 : 1);
  }
  if (s.workload && s.workload->ops > 0 && s.workload->start.us <= s.run_until.us) {
    const WorkloadSpec& w = *s.workload;
    const uint64_t span = static_cast<uint64_t>(s.run_until.us - w.start.us);
    const uint64_t fit =
        w.interval.us > 0 ? span / static_cast<uint64_t>(w.interval.us) + 1 : UINT64_MAX;
    client_ops = saturating_add(client_ops, std::min(w.ops, fit));
  }
  return saturating_add(events, saturating_mul(client_ops, per_op));
}

// --- the public face ----------------------------------------------------------

Simulation::Simulation(const Scenario& scenario, uint64_t seed, HistoryWriter& history)
    : impl_(std::make_unique<Impl>(scenario, seed, history)) {}

Simulation::~Simulation() = default;

void Simulation::run(void (*progress)(void*, int64_t, uint64_t), void* ctx) {
  impl_->run(progress, ctx);
}

std::vector<CheckResult> Simulation::check(WriteFates* fates) const {
  std::vector<NodeView> views;
  for (NodeIndex i = 0; i < impl_->n; ++i)
    views.push_back({&impl_->nodes[i].node(), !impl_->crashed[i]});
  return run_checks(impl_->oracle, views, impl_->scenario.expect, impl_->stats.end_us, fates);
}

const RunStats& Simulation::stats() const {
  return impl_->stats;
}
const Node& Simulation::node(NodeIndex i) const {
  return impl_->nodes.at(i).node();
}
bool Simulation::live(NodeIndex i) const {
  return !impl_->crashed.at(i);
}
size_t Simulation::node_count() const {
  return impl_->n;
}

}  // namespace kv::sim
