// The staleness experiment (sim/simulation.h, StalenessProbe): trials one
// after another, each on a key of its own, through the same clients,
// replicas and network as any run. A trial is its write, then its read sent
// `delta` after the write committed; the read is consistent when its result
// holds the write or a version that supersedes it (judged by applying the
// write to a scratch store holding the result: the store's own rules say
// whether it is stale or a duplicate there).
#include "sim/simulation_impl.h"

namespace kv::sim {

StalenessCounts Simulation::run_staleness(const StalenessProbe& probe) {
  return impl_->run_staleness(probe);
}

// Trial t: its write (what == 0) or its read (what == 1) is due.
void Simulation::Impl::probe_event(uint64_t trial, uint32_t what) {
  ClientOp op;
  op.key = numbered("t", trial, "");
  // Without a quorum the write goes to one node and the read to the next;
  // when nodes coordinate, both go to the first node of the key's
  // preference list.
  const NodeIndex node = node_coordinates ? placement.replicas_of(op.key)[0]
                                          : static_cast<NodeIndex>((trial + what) % n);
  if (what == 0) {
    op.kind = MsgType::kPut;
    op.value_json = numbered("\"t", trial, "\"");
  } else {
    op.kind = MsgType::kGet;
  }
  probe.sent_us = now().us;
  next_trial = trial;
  operation_due(probe.client, node, op);
}

void Simulation::Impl::probe_done(const Operation& o, bool completed) {
  const StalenessProbe& spec = *probe.spec;
  StalenessCounts& counts = *probe.counts;
  const uint64_t t = o.trial;
  const size_t slot = t % spec.deltas.size();
  const int64_t latency = now().us - probe.sent_us;
  bool next = true;
  if (o.kind != MsgType::kGet) {
    // The write committed when its client was told yes: the w-th accepting
    // reply (client coordination) or the node's reply.
    const bool committed =
        completed && (client_coordinates ? o.acks >= scenario.replication.w : probe.acked);
    if (committed) {
      counts.write_latency_us.push_back(
          static_cast<uint32_t>(std::min<int64_t>(latency, UINT32_MAX)));
      probe.written = o.version;
      queue.push(now() + spec.deltas[slot], kProbe, t, 1);
      next = false;
    } else {
      ++counts.failed[slot];
    }
  } else if (!completed) {
    ++counts.failed[slot];
  } else {
    counts.read_latency_us.push_back(static_cast<uint32_t>(std::min<int64_t>(latency, UINT32_MAX)));
    ++counts.trials[slot];
    merge_store.clear();
    for (const VersionPtr& v : probe.read) merge_store.apply(*o.key, v);
    const ApplyResult r = merge_store.apply(*o.key, probe.written).result;
    if (r == ApplyResult::kDuplicate || r == ApplyResult::kStale) ++counts.consistent[slot];
  }
  if (!next) return;
  ++probe.ended;
  const uint64_t total = spec.trials * spec.deltas.size();
  if (++probe.started < total) queue.push(now(), kProbe, probe.started, 0);
}

}  // namespace kv::sim
