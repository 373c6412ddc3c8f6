// A comparison of conflict-detection mechanisms (`kvsim compare`): one
// scenario, one range of seeds, run once per mechanism and seed, the
// scenario otherwise unchanged (the same nodes, workload, faults and
// network), and what each mechanism made of it counted at the end.
//
// What is counted, per run, at the run's end:
//   true_siblings, false_siblings, lost_updates
//                     the truth's figures (history/truth.h): versions live
//                     nodes hold that the clients' causality says are
//                     concurrent (true) or superseded (false); accepted
//                     writes no node holds and no held version follows;
//   stale_rejections  client writes a node rejected as stale (RunStats);
//   key copies        (live node, key) pairs a live node holds;
//   versions_held     the versions those copies hold (their siblings);
//   max_siblings      the most versions one copy holds;
//   metadata          what the mechanism's rules read beside each held
//                     version's value, as (node, counter) entries: the
//                     clock's non-zero entries (client-vv, server-vv, dvv;
//                     a version vector kept sparsely), plus the dot (dvv)
//                     or the timestamp (lww, which reads no clock). Bytes:
//                     each entry's node slot and counter as LEB128 varints
//                     (a small counter is 1 byte, a timestamp in
//                     microseconds 3 or 4);
//   messages          messages sent, and those dropped (loss, partition,
//                     a crashed node);
//   shared_fates      the messages sent, from the first, that are the same
//                     message (time, sender, receiver, type) with the same
//                     fate (lost, delay, duplicate) as under the first
//                     mechanism compared, for the same seed.
//
// The network's draws: the network draws every message's fate, in the
// order messages are sent, from one stream of the seed ("network",
// base/rng.h), which no other subsystem touches; the workload, each node's
// anti-entropy peers and lww's clocks have streams of their own. So two
// mechanisms whose runs send the same messages in the same order get the
// same fates, draw for draw, and differ only in what the mechanism does:
// shared_fates counts how far that holds. From the first message that
// differs (a write one mechanism rejects as stale and another replicates,
// an anti-entropy exchange of different versions) the later fates are
// drawn from a shifted stream and are not comparable one by one; the
// comparison then holds over the seeds, not message by message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "node/causality.h"
#include "node/version.h"
#include "sim/scenario.h"

namespace kv::sim {

// One run's counts (one mechanism, one seed).
struct CompareRun {
  uint64_t seed = 0;
  bool checks_ok = true;  // every check as the scenario expects
  uint64_t true_siblings = 0, false_siblings = 0, lost_updates = 0;
  uint64_t stale_rejections = 0;
  uint64_t key_copies = 0, versions_held = 0, max_siblings = 0;
  uint64_t metadata_entries = 0, metadata_bytes = 0;
  uint64_t messages = 0, dropped = 0;
  uint64_t shared_fates = 0;
};

// One mechanism over every seed: the runs in seed order, and their sums
// (max_siblings: the greatest).
struct MechanismResult {
  Mechanism mechanism = Mechanism::kClientVv;
  std::vector<CompareRun> runs;
  CompareRun total;            // seed unused
  uint64_t checks_failed = 0;  // runs with a check not as expected
  uint64_t same_network = 0;   // runs whose every message and fate is the first mechanism's
};

struct Comparison {
  std::string scenario;  // its name
  uint64_t first_seed = 0, last_seed = 0;
  std::vector<MechanismResult> mechanisms;  // in the order asked
};

// What the mechanism's rules read beside a version's value (see above).
struct Metadata {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};
Metadata metadata_of(Mechanism mechanism, const Version& version);

// Bad input when `mechanisms` is empty, names one twice, or names one the
// scenario cannot run with (mechanism_fits: a replication: section).
Status check_mechanisms(const Scenario& scenario, std::span<const Mechanism> mechanisms);

// Runs seeds first..last (first <= last) under each mechanism on `jobs`
// threads (at least 1), each run without a history (the counts come from
// the simulation's own state; a run is the one `kvsim run FILE --seed S
// --mechanism M` makes, event for event). A seed's runs are made one after
// another on one thread, so their messages are compared as they end;
// results in seed order whatever `jobs`. REQUIRES: check_mechanisms(scenario,
// mechanisms) is ok.
Comparison run_compare(const Scenario& scenario, std::span<const Mechanism> mechanisms,
                       uint64_t first, uint64_t last, unsigned jobs);

// compare.json: the scenario, the seeds, and per mechanism its totals,
// means per run and each run's counts.
std::string compare_json(const Comparison& comparison);

}  // namespace kv::sim
