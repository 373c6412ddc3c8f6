// The event loop: one queue of ScheduledEvents ordered by (time, seq), each
// handed to the part of the simulator it concerns (sim/simulation_impl.h).
#include "sim/simulation.h"

#include <algorithm>

#include "history/format.h"
#include "node/names.h"
#include "sim/simulation_impl.h"

namespace kv::sim {

static_assert(history::format::kMaxNodes == kMaxNodes,
              "a start line lists at most the scenario's nodes");

Simulation::Impl::Impl(const Scenario& s, uint64_t seed_, history::HistoryWriter& h)
    : scenario(s),
      rules(causality(s.mechanism)),
      seed(seed_),
      history(h),
      record(h),
      n(s.nodes),
      client_coordinates(s.replication.quorum() &&
                         s.replication.coordinator == Replication::Coordinator::kClient),
      node_coordinates(s.replication.quorum() &&
                       s.replication.coordinator == Replication::Coordinator::kNode),
      placement_quorum(s.replication.quorum()),
      replicas(s.nodes),
      crashed(s.nodes, 0),
      life(s.nodes, 0),
      timers(s.nodes),
      network(s.network, s.nodes, Rng::derive(seed_, "network"), Rng::derive(seed_, "faults")),
      workload_rng(Rng::derive(seed_, "workload")),
      oracle(s.mechanism) {
  KV_ASSERT(n >= 1);
  std::vector<std::string> node_names;
  for (uint32_t i = 0; i < n; ++i) node_names.push_back(node_name(i));
  placement = s.replication.quorum() ? Placement::ring(node_names, s.replication.n)
                                     : Placement::everywhere(n);
  for (uint32_t i = 0; i < n; ++i) {
    replicas[i].init(node_names[i], node_names, i, s.replication);
    replicas[i].set_mechanism(s.mechanism);
  }
  merge_store = Store(s.mechanism);
  for (uint32_t i = 0; i < n; ++i) {
    node_rngs.push_back(Rng::derive(seed_, "node", i));
  }
  // The clocks' own stream: drawing them shifts no other draw.
  Rng clock_rng = Rng::derive(seed_, "clocks");
  const ClockSpec& c = s.clocks;
  for (uint32_t i = 0; i < n; ++i) {
    NodeClock clock;
    clock.skew_us = c.skews_us.empty() ? clock_rng.between(0, c.skew_us) : c.skews_us[i];
    clock.drift_ppm =
        c.drifts_ppm.empty() ? clock_rng.between(-c.drift_ppm, c.drift_ppm) : c.drifts_ppm[i];
    node_clocks.push_back(clock);
  }
  for (const std::string& name : node_names) record.add_endpoint(name);

  // Clients: the scripted ones in order of their numbers, then the workload's.
  uint32_t highest = 0;
  std::vector<uint32_t> numbers;
  for (const TimelineEvent& e : s.events) {
    if (e.kind == TimelineEvent::Kind::kClient) numbers.push_back(name_number(e.client));
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  for (uint32_t number : numbers) {
    client_index(numbered("c", number, ""));
    highest = std::max(highest, number);
  }
  workload_client_base = highest;
  if (s.workload) {
    workload_client_first = static_cast<uint32_t>(clients.size());
    for (uint32_t k = 0; k < s.workload->clients; ++k) client_index(workload_client_name(k));
  }

  for (size_t i = 0; i < s.events.size(); ++i) {
    const TimelineEvent& e = s.events[i];
    if (e.is_fate()) {
      // Not an event of its own: send() looks the message up (no queue entry,
      // so a scenario without fates runs exactly as before).
      scripted.push_back({e.at, endpoint_named(e.fate.from), endpoint_named(e.fate.to), e.fate.type,
                          e.kind == TimelineEvent::Kind::kDrop, e.fate.by, e.fate.again});
      continue;
    }
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

// --- the loop ---------------------------------------------------------------

// One event of the queue, handled.
inline void Simulation::Impl::dispatch(const ScheduledEvent& e) {
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
    case kTimer:
      on_timer(e.arg32, e.arg);
      break;
    case kProbe:
      probe_event(e.arg, e.arg32);
      break;
  }
}

void Simulation::Impl::run(void (*progress)(void*, int64_t, uint64_t), void* ctx) {
  if (record.on()) record.start(scenario, seed, n, node_clocks);
  if (outside != nullptr) {
    for (NodeIndex i = 0; i < n && outside_error.ok(); ++i) outside_start(i);
    if (!outside_error.ok()) return;
  }
  const int64_t until = scenario.run_until.us;
  while (!queue.empty() && queue.top().time_us() <= until) {
    const ScheduledEvent e = queue.pop();
    ++stats.events;
    dispatch(e);
    if (!outside_error.ok()) [[unlikely]] {
      // A node outside failed: the run ends here, without final lines.
      stats.end_us = e.time_us();
      return;
    }
    if (keep_workload_ties && e.kind != kClientOp && e.kind != kFault) {
      last_run_event_us = e.time_us();
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
  note_run_end();
  write_finals();
}

// The staleness experiment's loop (sim_staleness.cc): the same events,
// until the last trial ends (anti-entropy would tick forever) or run_until.
StalenessCounts Simulation::Impl::run_staleness(const StalenessProbe& spec) {
  KV_ASSERT(!spec.deltas.empty());
  StalenessCounts counts;
  const size_t d = spec.deltas.size();
  counts.trials.assign(d, 0);
  counts.consistent.assign(d, 0);
  counts.failed.assign(d, 0);
  probe.spec = &spec;
  probe.counts = &counts;
  probe.writers.clear();
  for (uint32_t j = 0; j < scenario.staleness.writers; ++j) {
    probe.writers.push_back(client_index(numbered("c", j + 1, "")));
  }
  if (scenario.staleness.early_read) {
    probe.early_client = client_index(numbered("c", scenario.staleness.writers + 1, ""));
  }
  const uint64_t total = spec.trials * spec.deltas.size();
  if (total > 0) queue.push(now(), kProbe, 0, 0);
  if (record.on()) record.start(scenario, seed, n, node_clocks);
  const int64_t until = scenario.run_until.us;
  while (probe.ended < total && !queue.empty() && queue.top().time_us() <= until) {
    const ScheduledEvent e = queue.pop();
    ++stats.events;
    dispatch(e);
    if (history.stopped()) break;
  }
  stats.end_us = now().us;
  probe.spec = nullptr;
  probe.counts = nullptr;
  return counts;
}

void Simulation::Impl::note_run_end() {
  RunEnd& e = stats.run_end;
  e.ops_unsent = stats.client_ops_waiting;
  e.last_op_sent_us = stats.last_op_sent_us;
  for (const ClientState& c : clients) e.requests_in_flight += c.busy ? 1 : 0;
  for (size_t slot = 0; slot < slab.size(); ++slot) {
    if (deliveries_left[slot] == 0) continue;
    const Message& m = *slab[slot];
    // A write on its way: a replicate, a quorum's store or a hint's
    // handoff, or an anti-entropy message carrying versions.
    const bool versions = m.type == MsgType::kReplicate || m.type == MsgType::kStore ||
                          m.type == MsgType::kHandoff ||
                          ((m.type == MsgType::kAeDiff || m.type == MsgType::kAePush) && m.ae &&
                           !m.ae->versions.empty());
    if (versions && is_node(m.src) && is_node(m.dest)) ++e.writes_in_flight;
  }
  for (NodeIndex i = 0; i < n; ++i) {
    if (crashed[i]) e.nodes_down.push_back(i);
    for (NodeIndex j = 0; j < n; ++j) e.links_cut += i != j && network.blocked(i, j) ? 1 : 0;
  }
}

void Simulation::Impl::write_finals() {
  if (!record.on()) return;
  const SimTime end{stats.end_us};
  for (NodeIndex i = 0; i < n; ++i) record.final(end, i, !crashed[i], replicas[i].node());
  record.end(end, stats.events, stats.messages_sent);
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
    events = saturating_add(events, e.kind == TimelineEvent::Kind::kClient || e.is_fate() ? 0 : 1);
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

Simulation::Simulation(const Scenario& scenario, uint64_t seed, history::HistoryWriter& history)
    : impl_(std::make_unique<Impl>(scenario, seed, history)) {}

Simulation::~Simulation() = default;

namespace {

// While a run goes, the truth (if kept) is told of every copy of a version
// made and gone on this thread; before and after, nothing is.
class WatchDuringRun {
 public:
  explicit WatchDuringRun(VersionWatch* watch) : before_(watch_versions(watch)), mine_(watch) {}
  ~WatchDuringRun() {
    [[maybe_unused]] VersionWatch* replaced = watch_versions(before_);
    KV_ASSERT(replaced == mine_);
  }
  WatchDuringRun(const WatchDuringRun&) = delete;
  WatchDuringRun& operator=(const WatchDuringRun&) = delete;

 private:
  VersionWatch* before_;
  VersionWatch* mine_;
};

}  // namespace

void Simulation::run(void (*progress)(void*, int64_t, uint64_t), void* ctx) {
  WatchDuringRun watch(impl_->truth_on ? &impl_->truth_watch : nullptr);
  impl_->run(progress, ctx);
}

std::vector<CheckResult> Simulation::check(FateCounts* fates) const {
  std::vector<NodeView> views;
  for (NodeIndex i = 0; i < impl_->n; ++i)
    views.push_back({&impl_->replicas[i].node(), !impl_->crashed[i]});
  std::vector<CheckResult> checks;
  if (!impl_->placement_quorum) {
    checks = run_checks(impl_->oracle, views, impl_->scenario.expect, impl_->stats.end_us, fates);
  } else {
    // Under quorums each key is judged on its preference list and the
    // stand-ins still holding a hint of it.
    KeyOwners owners;
    owners.placement = &impl_->placement;
    for (NodeIndex i = 0; i < impl_->n; ++i) {
      for (const auto& [number, hint] : impl_->replicas[i].hints()) {
        owners.hinted.emplace_back(*hint.key, i);
      }
    }
    std::sort(owners.hinted.begin(), owners.hinted.end());
    owners.hinted.erase(std::unique(owners.hinted.begin(), owners.hinted.end()),
                        owners.hinted.end());
    checks = run_checks(impl_->oracle, views, impl_->scenario.expect, impl_->stats.end_us, fates,
                        &owners);
  }
  // Stores still being written to at the end may differ for no other
  // reason: a failing converged check says what was under way.
  const std::string early = impl_->stats.run_end.sentence(impl_->scenario.run_until.us);
  for (CheckResult& c : checks) {
    if (c.name == "converged" && !c.holds && !early.empty()) c.detail += "; " + early;
  }
  return checks;
}

history::Truth::Figures Simulation::truth_figures() const {
  history::Truth::Figures figures;
  const Impl& s = *impl_;
  KV_ASSERT_MSG(s.truth_on, "the truth's figures asked of a run made without the truth");
  std::vector<history::Truth::NodeHeld> held(s.n);
  for (uint32_t key = 0; key < s.truth.keys().size(); ++key) {
    const std::string_view name = s.truth.keys().key(key);
    for (NodeIndex i = 0; i < s.n; ++i) {
      held[i].node = i;
      held[i].live = !s.crashed[i];
      held[i].versions.clear();
      for (const VersionPtr& v : s.replicas[i].node().get(name)) {
        held[i].versions.push_back(s.truth_version_of(*v));
      }
    }
    s.truth.count_key(key, held, figures);
  }
  return figures;
}

void Simulation::no_truth() {
  impl_->truth_on = false;
}

const RunStats& Simulation::stats() const {
  return impl_->stats;
}
void Simulation::use_outside_nodes(NodeProcesses& processes) {
  impl_->outside = &processes;
}
const Status& Simulation::outside_error() const {
  return impl_->outside_error;
}
const OutsideReport& Simulation::outside_report() const {
  return impl_->outside_report;
}
void Simulation::keep_messages() {
  impl_->keep_messages = true;
}
const std::vector<SentMessage>& Simulation::messages() const {
  return impl_->sent_messages;
}
void Simulation::keep_workload_ties() {
  impl_->keep_workload_ties = true;
}
const std::vector<bool>& Simulation::workload_ties() const {
  return impl_->workload_ties;
}
const Node& Simulation::node(NodeIndex i) const {
  return impl_->replicas.at(i).node();
}
bool Simulation::live(NodeIndex i) const {
  return !impl_->crashed.at(i);
}
size_t Simulation::node_count() const {
  return impl_->n;
}

}  // namespace kv::sim
