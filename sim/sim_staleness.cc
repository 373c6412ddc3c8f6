// The staleness experiment (sim/simulation.h, StalenessProbe): trials one
// after another, each on a key of its own, through the same clients,
// replicas and network as any run. A trial is its write (or, with the
// scenario's `staleness: {writers: k}`, k writes sent at the same instant by
// clients c1..ck, each stamped by a different node, so concurrent), then
// its read, sent by c1 `delta` after the last write committed. The read is
// consistent when its result holds every write of the trial or a version
// that supersedes it (judged by applying each write to a scratch store
// holding the result: the store's own rules say whether it is stale or a
// duplicate there). With `early_read: true`, client c(k+1) also reads the
// key at the commit, unmeasured: the read a read repair can start from.
// Invariants: a trial's clients are idle when it starts (the next trial
// starts when all its operations have ended), so no operation of a trial
// waits in a client's queue; a trial is counted once, consistent or not, or
// failed.
#include "sim/simulation_impl.h"

namespace kv::sim {

StalenessCounts Simulation::run_staleness(const StalenessProbe& probe) {
  return impl_->run_staleness(probe);
}

// Trial t: its writes (what == 0), its read (1) or its early read (2) are due.
void Simulation::Impl::probe_event(uint64_t trial, uint32_t what) {
  ClientOp op;
  op.key = numbered("t", trial, "");
  const StalenessSpec& shape = scenario.staleness;
  if (what == 0) {
    probe.sent_us = now().us;
    probe.pending = static_cast<uint32_t>(probe.writers.size());
    probe.failed = false;
    probe.written.clear();
    op.kind = MsgType::kPut;
    for (uint32_t j = 0; j < probe.writers.size(); ++j) {
      // Without a quorum writer j's write goes to node t + j, and the read
      // to node t + 1; when nodes coordinate, writer j's write goes to the
      // j-th node of the key's preference list and the reads to the
      // read_node-th. (A client-coordinated write is stamped by its node.)
      const NodeIndex node = node_coordinates
                                 ? placement.replicas_of(op.key)[j % scenario.replication.n]
                                 : static_cast<NodeIndex>((trial + j) % n);
      op.value_json = j == 0 ? numbered("\"t", trial, "\"")
                             : numbered("\"t", trial, ".") + std::to_string(j) + "\"";
      next_trial = trial;
      operation_due(probe.writers[j], node, op);
    }
    return;
  }
  const NodeIndex node = node_coordinates ? placement.replicas_of(op.key)[shape.read_node]
                                          : static_cast<NodeIndex>((trial + 1) % n);
  op.kind = MsgType::kGet;
  if (what == 1) probe.read_sent_us = now().us;
  next_trial = trial;
  operation_due(what == 1 ? probe.writers[0] : probe.early_client, node, op);
}

void Simulation::Impl::probe_done(const Operation& o, bool completed) {
  const StalenessProbe& spec = *probe.spec;
  StalenessCounts& counts = *probe.counts;
  const uint64_t t = o.trial;
  const size_t slot = t % spec.deltas.size();
  if (o.kind != MsgType::kGet) {
    // A write committed when its client was told yes: the w-th accepting
    // reply (client coordination) or the node's reply.
    const bool committed =
        completed && (client_coordinates ? o.acks >= scenario.replication.w : probe.acked);
    if (committed) {
      counts.write_latency_us.push_back(
          static_cast<uint32_t>(std::min<int64_t>(now().us - probe.sent_us, UINT32_MAX)));
      probe.written.push_back(o.version);
    } else {
      probe.failed = true;
    }
    if (--probe.pending > 0) return;
    if (!probe.failed) {
      // The last write committed now: the read Δ later, the early read now.
      probe.pending = scenario.staleness.early_read ? 2 : 1;
      queue.push(now() + spec.deltas[slot], kProbe, t, 1);
      if (scenario.staleness.early_read) queue.push(now(), kProbe, t, 2);
      return;
    }
  } else if (scenario.staleness.early_read && o.client == probe.early_client) {
    if (--probe.pending > 0) return;  // the early read: counted nowhere
  } else {
    if (!completed) {
      probe.failed = true;
    } else {
      counts.read_latency_us.push_back(
          static_cast<uint32_t>(std::min<int64_t>(now().us - probe.read_sent_us, UINT32_MAX)));
      ++counts.trials[slot];
      bool consistent = true;
      for (const VersionPtr& w : probe.written) {
        merge_store.clear();
        for (const VersionPtr& v : probe.read) merge_store.apply(*o.key, v);
        const ApplyResult r = merge_store.apply(*o.key, w).result;
        consistent = consistent && (r == ApplyResult::kDuplicate || r == ApplyResult::kStale);
      }
      if (consistent) ++counts.consistent[slot];
    }
    if (--probe.pending > 0) return;
  }
  if (probe.failed) ++counts.failed[slot];
  ++probe.ended;
  const uint64_t total = spec.trials * spec.deltas.size();
  if (++probe.started < total) queue.push(now(), kProbe, probe.started, 0);
}

}  // namespace kv::sim
