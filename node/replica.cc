#include "node/replica.h"

#include <algorithm>

#include "base/assert.h"
#include "node/mutant.h"

namespace kv {

namespace {

std::shared_ptr<AePayload> payload(uint64_t round) {
  auto p = std::make_shared<AePayload>();
  p->round = round;
  return p;
}

}  // namespace

void Replica::receive(const Message& m, Outbox& out) {
  KV_ASSERT(m.dest == self() && node_.initialized());
  switch (m.type) {
    case MsgType::kPut:
    case MsgType::kResolve:
      return node_coordinates() ? coordinate_write(m, out) : on_client_write(m, out);
    case MsgType::kGet:
      return node_coordinates() ? coordinate_read(m, out) : on_get(m, out);
    case MsgType::kReplicate: {
      const ApplyOutcome outcome = node_.replicate(m.hashed_key(), m.version);
      out.applied({m.hashed_key(), m.version, WriteOp::kReplicate, &m, outcome, nullptr});
      return;
    }
    case MsgType::kAeDigest:
      return on_ae_digest(m, out);
    case MsgType::kAeDiff:
      return on_ae_diff(m, out);
    case MsgType::kAePush:
      return apply_repairs(m, out);
    case MsgType::kStore:
      return on_store(m, out);
    case MsgType::kStoreOk:
    case MsgType::kFetchOk:
      return on_node_ack(m, out);
    case MsgType::kFetch:
      return on_fetch(m, out);
    case MsgType::kHandoff:
      return on_handoff(m, out);
    case MsgType::kPutOk:
    case MsgType::kGetOk:
    case MsgType::kResolveOk:
    case MsgType::kError:
    case MsgType::kInit:
    case MsgType::kInitOk:
      KV_ASSERT(false && "a reply or the line protocol's init was handed to a replica");
  }
}

Message& Replica::compose_reply(Outbox& out, const Message& request, MsgType type) {
  Message& reply = compose(out, request.src, type);
  reply.msg_id = request.msg_id;
  reply.set_key_of(request);
  reply.own_msg_id = take_msg_id();
  return reply;
}

void Replica::on_client_write(const Message& m, Outbox& out) {
  const bool resolving = m.type == MsgType::kResolve;
  // Under a server-side mechanism the node stamps the write (client-vv: as sent).
  const VersionPtr version = node_.coordinate(m.hashed_key(), m.version, out.clock_us());
  const WriteResult r =
      resolving ? node_.resolve(m.hashed_key(), version) : node_.put(m.hashed_key(), version);
  out.applied({m.hashed_key(),
               version,
               resolving ? WriteOp::kResolve : WriteOp::kPut,
               &m,
               {r.applied, r.siblings},
               &r});
  const MsgType type = r.status == WriteStatus::kTooManySiblings ? MsgType::kError
                       : resolving                               ? MsgType::kResolveOk
                                                                 : MsgType::kPutOk;
  Message& reply = compose_reply(out, m, type);
  reply.version = version;  // off the wire: what the client is told about
  // Riak's return_body: a server-side mechanism's client takes its next
  // context from the key's versions.
  if (node_.mechanism() != Mechanism::kClientVv) [[unlikely]]
    reply.values = node_.get(m.hashed_key());
  reply.status = r.status;
  reply.siblings = static_cast<uint32_t>(r.siblings);
  out.send_reply();  // reply first, then replicate
  const bool retry_unreplicated =
      active_mutant == Mutant::kRetryNotReplicated && r.applied == ApplyResult::kDuplicate;
  // When clients coordinate, the client sends the write to every replica
  // itself: a replica only applies and answers.
  const bool client_coordinates =
      replication_.quorum() && replication_.coordinator == Replication::Coordinator::kClient;
  if (r.accepted() && !retry_unreplicated && !client_coordinates) {
    replicate_to_peers(m.key, m.key_hash, version, out);
  }
}

WriteResult Replica::write_local(const std::string* key, uint64_t key_hash, const VersionPtr& write,
                                 Outbox& out) {
  const HashedKey hashed(*key, key_hash);
  const VersionPtr version = node_.coordinate(hashed, write, out.clock_us());
  const WriteResult r = node_.put(hashed, version);
  out.applied({hashed, version, WriteOp::kPut, nullptr, {r.applied, r.siblings}, &r});
  if (r.accepted()) replicate_to_peers(key, key_hash, version, out);
  return r;
}

#ifdef KVSIM_MUTANTS
void Replica::crash_without_amnesia() {
  node_.crash_without_amnesia();
}
#endif

void Replica::on_get(const Message& m, Outbox& out) {
  compose_reply(out, m, MsgType::kGetOk).values = node_.get(m.hashed_key());
  out.send_reply();
}

void Replica::replicate_to_peers(const std::string* key, uint64_t key_hash,
                                 const VersionPtr& version, Outbox& out) {
  if (placement_.everywhere()) [[likely]] {
    const Endpoint nodes = placement_.nodes();
    for (Endpoint peer = 0; peer < nodes; ++peer) {
      if (peer == self()) continue;
      Message& m = compose(out, peer, MsgType::kReplicate);
      m.set_key(key, key_hash);
      m.version = version;
      out.send();
    }
    return;
  }
  for (const Endpoint peer : placement_.replicas_of(*key)) {
    if (peer == self()) continue;
    Message& m = compose(out, peer, MsgType::kReplicate);
    m.set_key(key, key_hash);
    m.version = version;
    out.send();
  }
}

void Replica::tick(uint32_t peer_pick, uint64_t round, Outbox& out) {
  KV_ASSERT(peer_pick < peer_count());
  Endpoint peer = peer_pick;
  if (peer >= self()) ++peer;
  auto p = payload(round);
  p->digest = node_.digest();
  compose(out, peer, MsgType::kAeDigest).ae = std::move(p);
  out.send();
}

void Replica::on_ae_digest(const Message& m, Outbox& out) {
  std::vector<uint32_t> buckets = node_.differing_buckets(m.ae->digest);
  if (buckets.empty()) return;  // in sync: the round ends here
  auto p = payload(m.ae->round);
  p->versions = node_.versions_in(buckets);
  p->buckets = std::move(buckets);
  compose(out, m.src, MsgType::kAeDiff).ae = std::move(p);
  out.send();
}

void Replica::apply_repairs(const Message& m, Outbox& out) {
  for (const KeyVersions& kv : m.ae->versions) {
    const HashedKey key(kv.key);
    for (const VersionPtr& v : kv.versions) {
      const ApplyOutcome outcome = node_.replicate(key, v);
      out.applied({key, v, WriteOp::kAntiEntropy, &m, outcome, nullptr});
    }
  }
}

void Replica::on_ae_diff(const Message& m, Outbox& out) {
  apply_repairs(m, out);
  // Send back what the peer lacks: my versions in those buckets, less the
  // ones the peer just sent.
  std::vector<KeyVersions> mine = node_.versions_in(m.ae->buckets);
  const Causality& rules = node_.store().rules();
  auto sent_by_peer = [&](const std::string& key, const VersionPtr& v) {
    for (const KeyVersions& theirs : m.ae->versions) {
      if (theirs.key != key) continue;
      for (const VersionPtr& t : theirs.versions) {
        if (rules.same_version(*t, *v) || active_mutant == Mutant::kAePushByKey) return true;
      }
    }
    return false;
  };
  for (KeyVersions& kv : mine) {
    std::erase_if(kv.versions, [&](const VersionPtr& v) { return sent_by_peer(kv.key, v); });
  }
  std::erase_if(mine, [](const KeyVersions& kv) { return kv.versions.empty(); });
  if (mine.empty()) return;
  auto p = payload(m.ae->round);
  p->versions = std::move(mine);
  compose(out, m.src, MsgType::kAePush).ae = std::move(p);
  out.send();
}

}  // namespace kv
