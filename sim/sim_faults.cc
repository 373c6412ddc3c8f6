#include "sim/simulation_impl.h"

namespace kv::sim {

// --- faults ------------------------------------------------------------------

void Simulation::Impl::fault(const TimelineEvent& e) {
  using Kind = TimelineEvent::Kind;
  stats.last_fault_us = stats.last_change_after_fault_us = now().us;
  switch (e.kind) {
    case Kind::kPartition: {
      const Partition p = network.partition(e.partition);
      if (record.on()) record.partition(now(), p);
      return;
    }
    case Kind::kHeal:
      ++stats.heals;
      network.heal();
      if (record.on()) record.heal(now());
      return;
    case Kind::kCrash: {
      const NodeIndex node = e.node;
      const bool was_crashed = crashed[node];
      crashed[node] = 1;
      oracle.on_crash(node, now().us);
      ++life[node];
      timers[node].clear();
      std::vector<std::string_view> lost_keys;
      if (e.amnesia) {
        ++stats.amnesia_crashes;
        lost_keys = replicas[node].node().store().sorted_keys();
      }
      if (record.on()) record.crash(now(), node, e.amnesia, was_crashed, lost_keys);
      if (e.amnesia) replicas[node].forget();
      replicas[node].crash(e.amnesia);
      if (outside != nullptr && !was_crashed) outside_crash(node, e.amnesia);
      if (outside != nullptr && was_crashed && e.amnesia) outside_crash(node, true);
#ifdef KVSIM_MUTANTS
      if (!e.amnesia && !was_crashed) replicas[node].crash_without_amnesia();
#endif
      return;
    }
    case Kind::kRestart: {
      const NodeIndex node = e.node;
      const bool was_crashed = crashed[node];
      crashed[node] = 0;
      oracle.on_restart(node);
      if (record.on()) record.restart(now(), node, !was_crashed);
      if (outside != nullptr && was_crashed) outside_start(node);
      if (was_crashed && node_coordinates) {
        NodeOutbox out(*this, node);
        replicas[node].restart(out);
      }
      if (was_crashed && scenario.anti_entropy_interval) {
        ++life[node];
        queue.push(now() + *scenario.anti_entropy_interval, kAeTick, life[node], node);
      }
      return;
    }
    case Kind::kClient:
    case Kind::kDrop:
    case Kind::kDelay:
      break;
  }
  KV_ASSERT(false && "not a fault");
}

}  // namespace kv::sim
