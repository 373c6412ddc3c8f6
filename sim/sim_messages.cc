#include "sim/simulation_impl.h"

#include "history/format.h"
#include "node/names.h"

namespace kv::sim {

namespace fmt = history::format;

// --- messages ----------------------------------------------------------------

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
  if (record.on()) record.send(now(), m);
  // A scripted fate replaces the network's draws for its message.
  const ScriptedFate* scripted_fate = scripted.empty() ? nullptr : take_scripted(m);
  Network::Fate fate;
  if (scripted_fate == nullptr) {
    fate = network.delays_by_role() ? network.fate(m.src, m.dest, delay_role(m.type))
                                    : network.fate(m.src, m.dest);
  } else {
    fate.lost = scripted_fate->drop;
    fate.delay = scripted_fate->by;
    if (scripted_fate->again) {
      fate.duplicate = true;
      fate.duplicate_delay = *scripted_fate->again;
    }
  }
  if (keep_messages) {
    sent_messages.push_back({now(), endpoint_text(m.src), endpoint_text(m.dest), m.type, fate.lost,
                             fate.delay, fate.duplicate, fate.duplicate_delay,
                             scripted_fate != nullptr});
  }
  if (fate.lost) {
    ++stats.dropped_loss;
    if (record.on()) record.lost(now(), m, scripted_fate != nullptr);
    release(slot);
    return;
  }
  deliveries_left[slot] = 1;
  queue.push(now() + fate.delay, kDeliver, slot);
  if (fate.duplicate) {
    ++stats.duplicated;
    deliveries_left[slot] = 2;
    queue.push(now() + fate.duplicate_delay, kDeliver, slot);
    if (record.on()) record.duplicate(now(), m);
  }
}

uint32_t Simulation::Impl::endpoint_named(const std::string& name) const {
  if (name[0] == 'n') return name_number(name) - 1;  // the loader checked the range
  auto it = client_by_name.find(name);
  return it == client_by_name.end() ? kNoEndpoint : client_endpoint(it->second);
}

const Simulation::Impl::ScriptedFate* Simulation::Impl::take_scripted(const Message& m) {
  for (ScriptedFate& f : scripted) {
    if (f.used || f.at > now() || f.src != m.src || f.dest != m.dest || f.type != m.type) continue;
    f.used = true;
    return &f;
  }
  return nullptr;
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
  if (record.on()) record.arrival(now(), m, reason);
  if (reason.empty()) {
    ++stats.messages_delivered;
    handle(m);
  }
  if (deliveries_left[slot] == 0) release(slot);
}

void Simulation::Impl::handle(Message& m) {
  if (!is_node(m.dest)) return on_reply(m.dest - n, m);
  acting(m.dest, Oracle::Act::kHandle);
  if (outside != nullptr) [[unlikely]]
    return outside_handle(m);
  Replica& replica = replicas[m.dest];
  const size_t open_before = replica.open_requests();
  NodeOutbox out(*this, m.dest);
  replica.receive(m, out);
  // Exactly one reply per request: checked on every client request; on
  // node-to-node messages (the hot path) in debug and sanitizer builds.
  if (is_client_request(m.type)) {
    replica.check_replies(out.replies(), 1, open_before);
  } else {
    KV_EXPENSIVE_ASSERT(out.replies() + replica.open_requests() == open_before);
  }
}

// --- the replicas' outboxes ------------------------------------------------------------------

void Simulation::Impl::record_apply(NodeOutbox& out, const AppliedWrite& a) {
  const NodeIndex node = out.node;
  acting(node, Oracle::Act::kApply);
  const HashedKey& key = a.key;
  const VersionPtr& v = a.version;
  const ApplyOutcome outcome = a.outcome;
  // A colocated client's write has no reply message: the result write_local
  // hands it (a.reply, unchanged) is its reply, known now. A client's
  // request is answered by a reply the oracle learns from when it is sent,
  // and its apply is checked then (NodeOutbox::settle).
  const bool answered_by_message = a.reply != nullptr && a.via != nullptr;
  if (a.reply != nullptr && a.via == nullptr) {
    told_client(node, key, v, a.reply->status, a.op == WriteOp::kResolve);
  }
  if (outcome.result == ApplyResult::kApplied) {
    if (stats.last_fault_us >= 0) stats.last_change_after_fault_us = now().us;
    if (placement_quorum) {
      // Under quorums a write lands on replicas before (or without) its
      // client being told yes: a version a client sent is no invention.
      oracle.on_landed(key.text, v, node, now().us);
    } else if (answered_by_message) {
      out.unsettled = a.via;  // checked when its reply is sent
    } else {
      oracle.on_stored(key.text, v, node, now().us);
    }
    if (outcome.siblings >= 2) ++stats.siblings_created;
    if (outcome.siblings > stats.max_siblings) stats.max_siblings = outcome.siblings;
    if (a.op == WriteOp::kAntiEntropy) ++stats.versions_repaired;
  }
  if (!record.on()) return;
  const Endpoint client = a.via ? a.via->src : client_endpoint(out.colocated_client);
  record.apply(now(), node, a, client, replicas[node].node().get(key));
}

void Simulation::Impl::set_timer(NodeIndex node, Duration after, uint64_t timer) {
  KV_ASSERT(after.us >= 0 && timers[node].insert(timer).second);
  queue.push(now() + after, kTimer, timer, node);
}

void Simulation::Impl::cancel_timer(NodeIndex node, uint64_t timer) {
  timers[node].erase(timer);
}

void Simulation::Impl::on_timer(NodeIndex node, uint64_t timer) {
  if (timers[node].erase(timer) == 0) return;  // cancelled, or set before a crash
  acting(node, Oracle::Act::kTick);
  Replica& replica = replicas[node];
  const size_t open_before = replica.open_requests();
  NodeOutbox out(*this, node);
  replica.on_timer(timer, out);
  replica.check_replies(out.replies(), 0, open_before);
}

void Simulation::Impl::ae_tick(NodeIndex node, uint64_t node_life) {
  if (crashed[node] || node_life != life[node]) return;  // timers stop while crashed
  acting(node, Oracle::Act::kTick);
  queue.push(now() + *scenario.anti_entropy_interval, kAeTick, life[node], node);
  if (n < 2) return;
  const uint32_t peer = static_cast<uint32_t>(node_rngs[node].below(n - 1));
  ++stats.anti_entropy_rounds;
  if (outside != nullptr) [[unlikely]]
    return outside_tick(node, peer, next_ae_round++);
  NodeOutbox out(*this, node);
  replicas[node].tick(peer, next_ae_round++, out);
  KV_ASSERT(out.replies() == 0);
}

}  // namespace kv::sim
