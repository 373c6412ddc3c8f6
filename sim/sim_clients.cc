#include "sim/simulation_impl.h"

#include <algorithm>

#include "base/json_text.h"
#include "node/mechanisms.h"

namespace kv::sim {

namespace {

// ClientOp::union_with: the sorted list, without repeats, of every
// non-negative integer in `values` (a value that is one, or the items of a
// list that are) and `with`.
std::string union_value(const std::vector<VersionPtr>& values, uint64_t with) {
  std::vector<uint64_t> all{with};
  for (const VersionPtr& v : values) {
    const json::Json j = json::Json::parse(v->value, nullptr, /*allow_exceptions=*/false);
    if (j.is_number_unsigned()) all.push_back(j.get<uint64_t>());
    if (!j.is_array()) continue;
    for (const json::Json& item : j) {
      if (item.is_number_unsigned()) all.push_back(item.get<uint64_t>());
    }
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::string out = "[";
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += ", ";
    json::dump_uint(all[i], out);
  }
  return out + "]";
}

}  // namespace

// --- clients -----------------------------------------------------------------

uint32_t Simulation::Impl::client_index(const std::string& name) {
  auto it = client_by_name.find(name);
  if (it != client_by_name.end()) return it->second;
  const uint32_t index = static_cast<uint32_t>(clients.size());
  clients.emplace_back().name = name;
  record.add_endpoint(name);
  client_by_name.emplace(name, index);
  return index;
}

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
  static const ClientState::Read kNothingRead{};
  if (op.kind != MsgType::kGet) {
    Clock clock;
    if (op.clock) {
      clock = Clock(*op.clock);
    } else {
      // clock: auto — stamped by the mechanism from what the client last
      // read of the key (replies it has received, nothing else).
      auto it = c.context.find(op.key);
      auto_from = it != c.context.end() ? &it->second : &kNothingRead;
      clock = rules.stamp(auto_from->clock, node, n);
      if (scenario.clients.short_clocks) {
        std::span<const uint64_t> slots = clock.slots();
        while (!slots.empty() && slots.back() == 0) slots = slots.first(slots.size() - 1);
        clock = Clock(std::vector<uint64_t>(slots.begin(), slots.end()));
      }
    }
    std::string value = op.value_json;
    if (op.union_with) {
      auto it = c.context.find(op.key);
      value = union_value(it != c.context.end() ? it->second.values : std::vector<VersionPtr>{},
                          *op.union_with);
    }
    o.version = make_version(std::move(value), std::move(clock), next_origin++);
    truth_write(client, *o.key, o.version);
    if (outside != nullptr) client_versions[*o.key].push_back(o.version);
    if (placement_quorum) oracle.on_attempted(o.version);
  }
  const uint64_t index = operations.size();
  if (record.on()) {
    record.op(now(), client_endpoint(client), o.msg_id, o.kind, *o.key, node, due,
              auto_from ? &auto_from->clock : nullptr, auto_from ? auto_from->msg_id : 0);
  }
  o.trial = std::exchange(next_trial, Operation::kNoTrial);
  operations.push_back(std::move(o));
  c.ops.push_back(index);
  ++stats.client_ops;
  stats.last_op_sent_us = now().us;
  send_request(index);
}

void Simulation::Impl::send_request(uint64_t op_index) {
  Operation& o = operations[op_index];
  auto send_to = [&](NodeIndex node) {
    const uint64_t slot = new_message();
    Message& m = *slab[slot];
    m.src = client_endpoint(o.client);
    m.dest = node;
    m.type = o.kind;  // a client request
    m.msg_id = o.msg_id;
    m.set_key(o.key);
    m.version = o.version;
    send(slot);
  };
  if (client_coordinates) {
    // PBS's model: the client sends the request to every replica of the
    // key and gathers the replies itself (gather_reply).
    o.responses = o.acks = 0;
    o.merged.clear();
    for (const Endpoint node : placement.replicas_of(*o.key)) send_to(node);
  } else {
    send_to(o.node);
  }
  queue.push(now() + scenario.clients.timeout, kTimeout, op_index, o.attempt);
}

void Simulation::Impl::on_reply(uint32_t client, const Message& m) {
  ClientState& c = clients[client];
  if (m.msg_id == 0 || m.msg_id > c.ops.size()) return;
  Operation& o = operations[c.ops[m.msg_id - 1]];
  if (o.done) return;  // a late or duplicate reply: ignored
  if (client_coordinates && !gather_reply(o, m)) return;
  complete(client, o, m);
}

bool Simulation::Impl::gather_reply(Operation& o, const Message& m) {
  const Replication& rep = scenario.replication;
  ++o.responses;
  if (m.type == MsgType::kGetOk) {
    for (const VersionPtr& v : m.values) o.merged.push_back(v);
    truth_observe(o.client, m.values);
    if (o.responses < rep.r) return false;
    // The merge of the first r responses, by the store's own rules.
    merge_store.clear();
    for (const VersionPtr& v : o.merged) merge_store.apply(*o.key, v);
    const Siblings& merged = merge_store.get(*o.key);
    o.merged.assign(merged.begin(), merged.end());
    return true;
  }
  const bool accepted = (m.type == MsgType::kPutOk || m.type == MsgType::kResolveOk) &&
                        m.status != WriteStatus::kRejected;
  if (accepted) ++o.acks;
  if (accepted && o.acks == rep.w) {
    // The client counts the w-th acknowledgement: the write is acknowledged
    // now, whichever replica's answer it was.
    oracle.on_accepted(*o.key, o.version, m.src, now().us);
    if (m.type == MsgType::kResolveOk && stats.heals > 0) ++stats.resolves_after_heal;
  }
  return o.acks >= rep.w || o.responses >= rep.n;
}

void Simulation::Impl::complete(uint32_t client, Operation& o, const Message& m) {
  ClientState& c = clients[client];
  o.done = true;
  // Error 11: the coordinator did not gather its quorum in time; the
  // operation is over, and failed (a staleness trial counts it failed).
  const bool unavailable = m.type == MsgType::kError && m.error == ErrorCode::kUnavailable;
  if (m.type == MsgType::kGetOk) {
    ClientState::Read read;
    const auto& sent = client_coordinates ? std::span<const VersionPtr>(o.merged)
                                          : std::span<const VersionPtr>(m.values);
    for (const VersionPtr& v : sent) rules.observe(read.clock, *v);
    if (!client_coordinates) truth_observe(client, m.values);
    if (scenario_unions) read.values.assign(sent.begin(), sent.end());
    read.msg_id = o.msg_id;
    c.context.insert_or_assign(*o.key, std::move(read));
  } else if (rules.server_side() && !m.values.empty()) {
    // Riak's return_body: the key's versions as the put left them.
    ClientState::Read read;
    for (const VersionPtr& v : m.values) rules.observe(read.clock, *v);
    truth_observe(client, m.values);
    if (scenario_unions) read.values.assign(m.values.begin(), m.values.end());
    read.msg_id = o.msg_id;
    c.context.insert_or_assign(*o.key, std::move(read));
  }
  if (o.trial != Operation::kNoTrial) {
    if (m.type == MsgType::kGetOk) {
      if (client_coordinates) {
        probe.read = o.merged;
      } else {
        probe.read.assign(m.values.begin(), m.values.end());
      }
    } else {
      probe.acked = (m.type == MsgType::kPutOk || m.type == MsgType::kResolveOk) &&
                    m.status != WriteStatus::kRejected;
    }
    probe_done(o, /*completed=*/!unavailable);
  }
  operation_done(client);
}

void Simulation::Impl::on_timeout(uint64_t op_index, uint32_t attempt) {
  Operation& o = operations[op_index];
  if (o.done || o.attempt != attempt) return;
  if (o.attempt >= scenario.clients.retries) {
    o.done = true;
    ++stats.client_gave_up;
    if (record.on()) record.give_up(now(), client_endpoint(o.client), o.msg_id);
    if (o.trial != Operation::kNoTrial) probe_done(o, /*completed=*/false);
    operation_done(o.client);
    return;
  }
  ++o.attempt;
  ++stats.client_timeouts;
  if (scenario.clients.retry_next_node) o.node = (o.node + 1) % n;
  if (record.on()) record.timeout(now(), client_endpoint(o.client), o.msg_id, o.attempt, o.node);
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
    if (record.on()) record.not_made(now(), client_endpoint(client), node);
    return;
  }
  // The client reads the node's versions where it runs, and stamps its
  // write from them (inline: this is the hot path of BENCH.md's W1).
  Clock clock = Clock::zeros(n);
  const HashedKey hashed(*key);  // hashed once for every store the write reaches
  const Siblings& held = replicas[node].node().get(hashed);
  const bool stamped = with_rules(scenario.mechanism, [&]<class Rules>() {
    for (const VersionPtr& s : held) Rules::observe_of(clock, *s);
    if (!Rules::can_stamp_of(clock, node)) return false;
    Rules::stamp_in_place(clock, node, n);
    return true;
  });
  if (!stamped) return;
  // The client beside the node reads what the node holds, then writes.
  truth_observe(client, held);
  VersionPtr v = make_version(numbered("\"v", i, "\""), std::move(clock), next_origin++);
  truth_write(client, *key, v);
  ++stats.client_ops;
  NodeOutbox out(*this, node, client);
  replicas[node].write_local(key, hashed.hash, v, out);  // record_apply tells the oracle its result
}

void Simulation::Impl::workload_op(uint64_t i) {
  const WorkloadSpec& w = *scenario.workload;
  if (i + 1 < w.ops) {
    queue.push(w.start + Duration{w.interval.us * static_cast<int64_t>(i + 1)}, kWorkload, i + 1);
  }
  if (w.colocated) return colocated_put(i);
  if (keep_workload_ties) workload_ties.push_back(last_run_event_us == now().us);
  const WorkloadOp o = draw_workload_op(w, n, i, workload_rng);
  operation_due(workload_client_first + o.client, o.node, o.op);
}

WorkloadOp draw_workload_op(const WorkloadSpec& w, uint32_t nodes, uint64_t i, Rng& rng) {
  WorkloadOp o;
  o.client = static_cast<uint32_t>(rng.below(w.clients));
  o.node = w.target == WorkloadSpec::Target::kRoundRobin ? static_cast<NodeIndex>(i % nodes)
                                                         : static_cast<NodeIndex>(rng.below(nodes));
  ClientOp& op = o.op;
  op.key = numbered("k", rng.below(w.keys), "");
  const uint64_t total = uint64_t{w.put_weight} + w.get_weight + w.resolve_weight;
  const uint64_t pick = rng.below(total);
  op.kind = pick < w.put_weight                  ? MsgType::kPut
            : pick < w.put_weight + w.get_weight ? MsgType::kGet
                                                 : MsgType::kResolve;
  if (op.kind != MsgType::kGet) {
    op.value_json = (op.kind == MsgType::kPut ? "\"v" : "\"r") + std::to_string(i) + "\"";
  }
  return o;
}

}  // namespace kv::sim
