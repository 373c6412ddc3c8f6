// Dynamo's coordinator (replication.coordinator: node), hinted handoff and
// read repair: the Replica's rules when a node coordinates quorums.
//
// The node a client asks coordinates its request:
//   write   applied here first if this node is one of the key's replicas (a
//           write the store refuses is answered at once, as without a
//           quorum), then sent as a `store` to the key's other replicas;
//           the client is answered at the w-th copy stored (this node's
//           own counts), with the status of this node's apply;
//   read    this node's siblings (if it is a replica) and a `fetch` to the
//           others; the client is answered with the merge, by the store's
//           rules, of the first r responses;
//   timeout at `replication.timeout` a request not answered is answered
//           with error 11 (temporarily unavailable), which the client
//           counts; a write may still have landed on some replicas.
// A sloppy quorum: at half the timeout, each replica that has not stored
// the write is taken to be unreachable, and the next node of the ring's
// walk past the key's replicas (a stand-in) is sent the write with a
// `hint` naming that replica. A stand-in stores the write, acknowledges it
// (its copy counts toward w) and keeps the hint; every
// `replication.handoff_interval` it sends each hint's write to its replica
// as a `handoff`, and forgets the hint when that replica acknowledges it.
// Read repair: when a read closes (every replica asked has answered, or
// the deadline), each replica whose response lacked some version of the
// merge of all responses is sent those versions as `replicate`s.
//
// Invariants: a pending request is answered exactly once (`replied`);
// unanswered_ counts the pending requests not yet answered; every timer
// set is for a request in pending_ or for the handoff round.
#include "base/assert.h"
#include "node/replica.h"

namespace kv {

namespace {

bool holds_version(const Causality& rules, const Siblings& siblings, const Version& v) {
  for (const VersionPtr& s : siblings) {
    if (rules.same_version(*s, v)) return true;
  }
  return false;
}

}  // namespace

void Replica::ask(Pending& p, uint64_t req, Endpoint node, Endpoint hint, Outbox& out) {
  const bool read = p.type == MsgType::kGet;
  Message& m = compose(out, node, read ? MsgType::kFetch : MsgType::kStore);
  m.msg_id = req;
  m.set_key(p.key);
  if (!read) m.version = p.version;
  m.hint = hint;
  out.send();
  p.asked.push_back(node);
  p.answered.push_back(0);
}

void Replica::coordinate_write(const Message& m, Outbox& out) {
  const bool resolving = m.type == MsgType::kResolve;
  Pending p;
  p.client = m.src;
  p.client_msg_id = m.msg_id;
  p.type = m.type;
  p.key = m.key;
  p.version = m.version;
  if (placement_.holds(*m.key, self())) {
    const WriteResult r =
        resolving ? node_.resolve(m.hashed_key(), m.version) : node_.put(m.hashed_key(), m.version);
    out.applied({m.hashed_key(),
                 m.version,
                 resolving ? WriteOp::kResolve : WriteOp::kPut,
                 &m,
                 {r.applied, r.siblings},
                 &r});
    p.status = r.status;
    p.siblings = static_cast<uint32_t>(r.siblings);
    if (!r.accepted()) {
      // Refused here (stale, or past the sibling bound): answered at once.
      ++unanswered_;
      answer(p, out, /*failed=*/false);
      return;
    }
    p.acks = 1;
  }
  const uint64_t req = next_request_++;
  for (const Endpoint node : placement_.replicas_of(*m.key)) {
    if (node != self()) ask(p, req, node, kNoEndpoint, out);
  }
  ++unanswered_;
  if (p.acks >= replication_.w) answer(p, out, /*failed=*/false);
  out.set_timer(replication_.timeout, timer_of(req, kDeadline));
  if (replication_.sloppy) {
    out.set_timer(Duration{replication_.timeout.us / 2}, timer_of(req, kSloppy));
  }
  pending_.emplace(req, std::move(p));
  if (pending_.at(req).asked.empty()) close(req, out);
}

void Replica::coordinate_read(const Message& m, Outbox& out) {
  Pending p;
  p.client = m.src;
  p.client_msg_id = m.msg_id;
  p.type = MsgType::kGet;
  p.key = m.key;
  if (placement_.holds(*m.key, self())) {
    const Siblings& mine = node_.get(m.hashed_key());
    p.seen.emplace_back(self(), mine);
    p.responses = 1;
  }
  const uint64_t req = next_request_++;
  for (const Endpoint node : placement_.replicas_of(*m.key)) {
    if (node != self()) ask(p, req, node, kNoEndpoint, out);
  }
  ++unanswered_;
  if (p.responses >= replication_.r) answer(p, out, /*failed=*/false);
  out.set_timer(replication_.timeout, timer_of(req, kDeadline));
  pending_.emplace(req, std::move(p));
  if (pending_.at(req).asked.empty()) close(req, out);
}

Siblings Replica::merged(const Pending& p, size_t first) const {
  Store scratch(node_.store().mechanism());  // merged by the run's own rules
  for (size_t i = 0; i < p.seen.size() && i < first; ++i) {
    for (const VersionPtr& v : p.seen[i].second) scratch.apply(*p.key, v);
  }
  const Siblings& all = scratch.get(*p.key);
  return all;
}

void Replica::answer(Pending& p, Outbox& out, bool failed) {
  KV_ASSERT(!p.replied && unanswered_ > 0);
  p.replied = true;
  --unanswered_;
  Message& reply = out.compose();
  reply.src = self();
  reply.dest = p.client;
  reply.msg_id = p.client_msg_id;
  reply.set_key(p.key);
  reply.own_msg_id = take_msg_id();
  if (failed) {
    reply.type = MsgType::kError;
    reply.error = ErrorCode::kUnavailable;
  } else if (p.type == MsgType::kGet) {
    reply.type = MsgType::kGetOk;
    reply.values = merged(p, replication_.r);
  } else {
    reply.type = p.status == WriteStatus::kTooManySiblings ? MsgType::kError
                 : p.type == MsgType::kResolve             ? MsgType::kResolveOk
                                                           : MsgType::kPutOk;
    reply.version = p.version;
    reply.status = p.status;
    reply.siblings = p.siblings;
  }
  out.send_reply();
}

void Replica::on_node_ack(const Message& m, Outbox& out) {
  auto hint = hints_.find(m.msg_id);
  if (hint != hints_.end()) {
    if (m.type == MsgType::kStoreOk && m.src == hint->second.owner) hints_.erase(hint);
    return;
  }
  auto it = pending_.find(m.msg_id);
  if (it == pending_.end()) return;  // closed: a late or duplicate answer
  Pending& p = it->second;
  size_t i = 0;
  while (i < p.asked.size() && (p.asked[i] != m.src || p.answered[i])) ++i;
  if (i == p.asked.size()) return;  // a duplicate
  p.answered[i] = 1;
  if (m.type == MsgType::kFetchOk) {
    p.seen.emplace_back(m.src, m.values);
    ++p.responses;
    if (!p.replied && p.responses >= replication_.r) answer(p, out, /*failed=*/false);
  } else {
    ++p.acks;
    if (!p.replied && p.acks >= replication_.w) answer(p, out, /*failed=*/false);
  }
  bool all = true;
  for (const uint8_t a : p.answered) all &= a != 0;
  if (all) close(it->first, out);
}

// Closes a pending request: its timers go, a read repairs what it saw.
void Replica::close(uint64_t req, Outbox& out) {
  auto it = pending_.find(req);
  KV_ASSERT(it != pending_.end());
  Pending& p = it->second;
  if (!p.replied) answer(p, out, /*failed=*/true);
  if (p.type == MsgType::kGet && replication_.read_repair) read_repair(p, out);
  out.cancel_timer(timer_of(req, kDeadline));
  if (replication_.sloppy && p.type != MsgType::kGet) out.cancel_timer(timer_of(req, kSloppy));
  pending_.erase(it);
}

void Replica::read_repair(const Pending& p, Outbox& out) {
  const Siblings all = merged(p, p.seen.size());
  const HashedKey key(*p.key);
  for (const auto& [node, values] : p.seen) {
    for (const VersionPtr& v : all) {
      if (holds_version(node_.store().rules(), values, *v)) continue;
      if (node == self()) {
        const ApplyOutcome outcome = node_.replicate(key, v);
        out.applied({key, v, WriteOp::kReplicate, nullptr, outcome, nullptr});
        continue;
      }
      Message& m = compose(out, node, MsgType::kReplicate);
      m.set_key(p.key);
      m.version = v;
      out.send();
    }
  }
}

void Replica::turn_to_stand_ins(uint64_t req, Pending& p, Outbox& out) {
  const Placement::List walk = placement_.ring_walk(*p.key);
  const Placement::List replicas = placement_.replicas_of(*p.key);
  size_t next = replicas.size() + p.stand_ins_used;
  for (const Endpoint replica : replicas) {
    if (replica == self()) continue;
    size_t i = 0;
    while (i < p.asked.size() && p.asked[i] != replica) ++i;
    if (i < p.asked.size() && p.answered[i]) continue;
    // The next stand-in that is not this node.
    while (next < walk.size() && walk[next] == self()) ++next;
    if (next >= walk.size()) return;  // no node left to stand in
    ask(p, req, walk[next++], replica, out);
    ++p.stand_ins_used;
  }
}

void Replica::on_store(const Message& m, Outbox& out) {
  const ApplyOutcome outcome = node_.replicate(m.hashed_key(), m.version);
  out.applied({m.hashed_key(), m.version, WriteOp::kReplicate, &m, outcome, nullptr});
  if (m.hint != kNoEndpoint && m.hint != self()) {
    hints_.emplace(next_request_++, Hint{m.key, m.version, m.hint});
    if (!handoff_timer_) {
      handoff_timer_ = true;
      out.set_timer(replication_.handoff_interval, timer_of(next_request_++, kHandoffRound));
    }
  }
  Message& ack = compose(out, m.src, MsgType::kStoreOk);
  ack.msg_id = m.msg_id;
  ack.set_key_of(m);
  out.send();
}

void Replica::on_handoff(const Message& m, Outbox& out) {
  const ApplyOutcome outcome = node_.replicate(m.hashed_key(), m.version);
  out.applied({m.hashed_key(), m.version, WriteOp::kReplicate, &m, outcome, nullptr});
  Message& ack = compose(out, m.src, MsgType::kStoreOk);
  ack.msg_id = m.msg_id;
  ack.set_key_of(m);
  out.send();
}

void Replica::on_fetch(const Message& m, Outbox& out) {
  Message& reply = compose(out, m.src, MsgType::kFetchOk);
  reply.msg_id = m.msg_id;
  reply.set_key_of(m);
  reply.values = node_.get(m.hashed_key());
  out.send();
}

void Replica::offer_hints(Outbox& out) {
  for (const auto& [number, hint] : hints_) {
    Message& m = compose(out, hint.owner, MsgType::kHandoff);
    m.msg_id = number;
    m.set_key(hint.key);
    m.version = hint.version;
    out.send();
  }
}

void Replica::on_timer(uint64_t timer, Outbox& out) {
  const uint64_t req = timer / 4;
  switch (static_cast<TimerKind>(timer % 4)) {
    case kDeadline:
      return close(req, out);
    case kSloppy: {
      auto it = pending_.find(req);
      KV_ASSERT(it != pending_.end());
      return turn_to_stand_ins(req, it->second, out);
    }
    case kHandoffRound:
      handoff_timer_ = false;
      if (hints_.empty()) return;
      offer_hints(out);
      handoff_timer_ = true;
      out.set_timer(replication_.handoff_interval, timer_of(next_request_++, kHandoffRound));
      return;
  }
  KV_ASSERT(false && "not a timer of this replica");
}

void Replica::crash(bool amnesia) {
  pending_.clear();
  unanswered_ = 0;
  handoff_timer_ = false;
  if (amnesia) hints_.clear();
}

void Replica::restart(Outbox& out) {
  if (hints_.empty() || handoff_timer_) return;
  handoff_timer_ = true;
  out.set_timer(replication_.handoff_interval, timer_of(next_request_++, kHandoffRound));
}

}  // namespace kv
