// A scenario: the cluster, the network, a timeline of client operations and
// faults, generated traffic, and what the run is expected to show.
//
// Scenarios are loaded from YAML (load_scenario_file, load_scenario_text;
// the format: docs/SCENARIOS.md) and may also be built in code (the
// benchmarks do). A loaded scenario is valid: every node index is
// in range, every time is within run_until, every probability in [0, 1];
// anything else was refused with "FILE:LINE: what is wrong".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/rng.h"
#include "base/status.h"
#include "base/time.h"
#include "node/message.h"
#include "node/placement.h"
#include "sim/network.h"
#include "sim/swarm.h"

namespace kv::sim {

// A client request: MsgType::kPut, kGet or kResolve (node/message.h).
using MsgType = MsgType;

struct ClientOp {
  MsgType kind = MsgType::kPut;
  std::string key;
  std::string value_json;  // put/resolve: the value as JSON text (json::dump form)
  // put/resolve: the clock; nullopt means `clock: auto`.
  std::optional<std::vector<uint64_t>> clock;
};

// A scripted fate (`drop:` or `delay:`): what happens to the first message of
// `type` from endpoint `from` to endpoint `to` (names: n1.., c1..) sent at or
// after the event's time, in place of the network's draws for it (loss,
// delay, duplication). Each event decides one message; a message matched by
// two takes the earlier-listed one.
struct MessageFate {
  std::string from;
  std::string to;
  MsgType type = MsgType::kReplicate;
  Duration by{};  // kDelay: the message's delay
  // kDelay: delivered a second time, this long after it was sent (the
  // network duplicated it); none: delivered once.
  std::optional<Duration> again;
};

struct TimelineEvent {
  SimTime at;
  int line = 0;  // where it stands in the scenario file (0 if built in code)
  enum class Kind { kClient, kPartition, kHeal, kCrash, kRestart, kDrop, kDelay };
  Kind kind = Kind::kClient;
  // kClient
  std::string client;  // "c1", "c2", ...
  NodeIndex node = 0;  // also kCrash / kRestart
  ClientOp op;
  // kPartition
  PartitionSpec partition;
  // kCrash
  bool amnesia = false;
  // kDrop, kDelay
  MessageFate fate;
  bool is_fate() const { return kind == Kind::kDrop || kind == Kind::kDelay; }
};

// Generated client traffic, drawn from the run's seed.
struct WorkloadSpec {
  uint32_t clients = 1;     // clients c<k+1>.. after the scripted ones
  uint32_t keys = 1;        // keys k0..k<keys-1>
  uint64_t ops = 0;         // how many operations
  SimTime start{};          // the first operation's time
  Duration interval{1000};  // time between operations
  // Relative weights of the operation kinds.
  uint32_t put_weight = 1;
  uint32_t get_weight = 0;
  uint32_t resolve_weight = 0;
  // Which node an operation goes to: kRoundRobin is op i -> n((i mod N)+1).
  enum class Target { kRandom, kRoundRobin };
  Target target = Target::kRandom;
  // Colocated clients read and write at the node in the same instant (no
  // request or reply message): the node builds the clock from the siblings it
  // holds, with its own slot incremented. Only puts. (BENCHMARKS.md's W1.)
  bool colocated = false;
};

struct ClientSpec {
  Duration timeout{200000};  // a request with no reply by then is retried
  uint32_t retries = 3;      // retries after the first attempt, then give up
  // Where a retry goes: the same node, or the next one (n(i+1), wrapping).
  bool retry_next_node = true;
  // `clock: auto` clocks are sent without their trailing zero slots ([1]
  // for [1, 0, 0]), as a client may send them: a node pads the shorter
  // clock with zeros when it compares (docs/PROTOCOL.md).
  bool short_clocks = false;
};

struct Expectations {
  std::optional<bool> converged;
  // The check "no lost write" is expected to fail (true) or hold (false).
  std::optional<bool> lost_writes;
  // The check "siblings are exactly the maximal writes" verdict expected.
  std::optional<bool> maximal;
  std::map<std::string, uint64_t> siblings;  // key -> sibling count on every live node
  // key -> the values (JSON text) on every live node, compared as a multiset.
  std::map<std::string, std::vector<std::string>> values;
  int line = 0;
};

// The `sweep:` section: what `kvsim sweep` of the scenario does unless its
// command line says otherwise; `kvsim run` ignores it.
struct SweepSpec {
  // Coverage counter (sim/sweep.h's kCoverage) -> the least percentage
  // of the seeds that must reach it, in file order.
  std::vector<std::pair<std::string, uint64_t>> require;
  std::optional<std::pair<uint64_t, uint64_t>> seeds;  // first, last
};

// The `staleness:` section: how `kvsim staleness` shapes a trial
// (sim/simulation.h, StalenessProbe); a plain run ignores it.
struct StalenessSpec {
  uint32_t writers = 1;     // clients writing the trial's key at the same instant (1 to nodes)
  bool early_read = false;  // another client reads the key at the commit, unmeasured
  uint32_t read_node = 0;  // coordinator: node: the reads' node, by position in the preference list
  bool operator==(const StalenessSpec&) const = default;
};

// The `clocks:` section: each node's physical clock, which lww timestamps
// writes with (node/lww.h). A node's clock reads, at simulated time t (us),
// t + skew + t * drift / 1,000,000 (integer division, toward zero).
struct ClockSpec {
  static constexpr int64_t kMaxDriftPpm = 100000;  // 10%: a clock never runs backwards
  // Drawn per node (the "clocks" stream): skew in [0, skew_us], drift in
  // [-drift_ppm, drift_ppm].
  int64_t skew_us = 0;
  int64_t drift_ppm = 0;
  // Or given per node, in node order (a list in the file): no draw.
  std::vector<int64_t> skews_us;
  std::vector<int64_t> drifts_ppm;
  bool any() const {
    return skew_us != 0 || drift_ppm != 0 || !skews_us.empty() || !drifts_ppm.empty();
  }
};
// One node's clock, as drawn or given.
struct NodeClock {
  int64_t skew_us = 0;
  int64_t drift_ppm = 0;
  // The clock's reading at simulated time `now_us`.
  uint64_t read(int64_t now_us) const {
    return static_cast<uint64_t>(now_us + skew_us + now_us * drift_ppm / 1000000);
  }
};

struct Scenario {
  std::string path;  // the file it came from, for messages
  std::string name;
  std::string description;
  std::optional<uint64_t> seed;  // --seed overrides
  uint32_t nodes = 3;
  // The conflict-detection mechanism the nodes and the checks use
  // (node/causality.h).
  Mechanism mechanism = Mechanism::kClientVv;
  ClockSpec clocks;  // the nodes' physical clocks (lww's timestamps)
  NetworkOptions network;
  // The `replication:` section (node/placement.h); without one every node
  // takes every write and replicates it to all others.
  Replication replication;
  std::optional<Duration> anti_entropy_interval;  // none: no anti-entropy
  StalenessSpec staleness;
  ClientSpec clients;
  std::vector<TimelineEvent> events;  // sorted by time, stable
  std::optional<WorkloadSpec> workload;
  SimTime run_until{1000000};
  Expectations expect;
  SweepSpec sweep;
  // The bounds a swarm run draws from (sim/swarm.h): the `swarm:` section.
  // Only a swarm run uses it: `kvsim run` and `sweep` clear it without
  // --swarm, and set the defaults with --swarm when the file has none.
  std::optional<SwarmSpec> swarm;
  // A drawn scenario's draw (SwarmDraw::to_json's text), for the history's
  // start line; empty for any other.
  std::string swarm_draw_json;
};

// Limits on what a scenario may ask for (each refused past its bound).
inline constexpr uint32_t kMaxNodes = 1000;
// workload.clients, and the number of a scripted client (c1..c100000).
inline constexpr uint32_t kMaxClients = 100000;
inline constexpr size_t kMaxScenarioBytes = 16 << 20;
inline constexpr size_t kMaxTimelineEvents = 1000000;
// 1000 days; every time and duration in a scenario is at most this, so sums of
// a time and a delay cannot overflow.
inline constexpr int64_t kMaxRunUntilUs = int64_t{1000} * 24 * 3600 * 1000000;
inline constexpr uint64_t kMaxWorkloadOps = 1000000000;
inline constexpr size_t kMaxNameLength = 128;  // `name` names a folder
// A value (put/resolve, expect.values) nests at most this deep, so a message
// carrying it stays within the node protocol's kMaxNestingDepth (128).
inline constexpr size_t kMaxValueDepth = 100;
// All values of a scenario together hold at most this many elements once
// YAML aliases are expanded: hand-written scenarios are far below it, and it
// stops a few lines of nested aliases from expanding into gigabytes.
inline constexpr uint64_t kMaxValueElements = uint64_t{1} << 20;

// The outcome of loading: a scenario, or a failed Status (base/status.h):
// bad input "FILE:LINE: what is wrong" (or "FILE: larger than ..."), or an
// I/O error when the file cannot be opened or read.
using LoadResult = Result<Scenario>;

LoadResult load_scenario_file(const std::string& path);

// Whether the scenario's mechanism can run with the rest of it: a
// server-side mechanism (server-vv, dvv) or lww with a `replication:`
// section is refused (bad input), because a quorum's coordinator sends the
// client's write to the replicas as the client sent it, unstamped. The
// loader asks it, and so does a command that sets --mechanism.
Status mechanism_fits(const Scenario& scenario);
// `path` only names the text in messages. Fails with bad input only.
LoadResult load_scenario_text(const std::string& text, const std::string& path);

}  // namespace kv::sim
