// Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012; TigerBeetle's
// VOPR draws its fault mix per seed): each seed of a `--swarm` run or sweep
// draws which faults are on and how hard, within the bounds of the
// scenario's `swarm:` section (SwarmSpec), and runs the scenario changed
// accordingly.
//
// Invariants of a draw (draw_swarm):
// - it is made from the seed's own streams, Rng::derive(seed, "swarm", d),
//   one per dimension d: the run's other streams (network, faults, workload,
//   nodes) are untouched, and switching one dimension off never shifts
//   another's draw;
// - every drawn value lies within its dimension's bounds; a dimension that
//   is off, or that does not apply to the scenario (below), is left out of
//   the draw and keeps the scenario's own setting;
// - every drawn fault ends by `faults_end` x run_until: each partition is
//   healed and each crashed node restarted by then, so a scenario leaves a
//   quiet tail for anti-entropy to converge in. Drawn partitions (and
//   crashes) never overlap one another: the fault window is cut into as
//   many equal slots as there are partitions (crashes), one in each.
//
// Where a dimension does not apply (so it is never drawn):
// - nodes: the scenario scripts events (they name nodes and clocks);
// - partitions: the scenario scripts a partition or a heal (a drawn heal
//   would end it), or has a single node;
// - crashes: the scenario scripts a crash or a restart (a node alternates
//   crash and restart; drawn ones could break that);
// - anti_entropy: the scenario has none (the swarm does not add a repair
//   the scenario left out);
// - workload: the scenario has no workload (the mix also not when it is
//   colocated: colocated clients only put).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "base/time.h"
#include "sim/network.h"

namespace kv::sim {

struct Scenario;

// A `swarm:` section: the bounds of each dimension, and which are on.
// The defaults are those of `--swarm` on a scenario without the section.
struct SwarmSpec {
  // Every drawn fault ends by this fraction of run_until.
  Probability faults_end{600000000};  // 0.6

  // A rate (loss, duplicate): on in a seed with `chance`, then uniform in
  // [min, max] in steps of 0.001; 0 in the other seeds.
  struct Rate {
    bool on = true;
    Probability chance{500000000};
    Probability min{0};
    Probability max{300000000};
  };
  Rate loss;
  Rate duplicate;

  // The delay: a distribution among `dists` and a scale S uniform in
  // [min_us, max_us]: constant S, uniform [S/10, S], exponential mean S/2.
  struct Delay {
    bool on = true;
    std::vector<DelaySpec::Dist> dists = {DelaySpec::Dist::kConstant, DelaySpec::Dist::kUniform,
                                          DelaySpec::Dist::kExponential};
    Duration min{1000};
    Duration max{20000};
  } delay;

  // Partitions: on in a seed with `chance`, then 1..max of them, each of a
  // shape among `shapes`, lasting uniform in [min, max] (max: its slot of
  // the fault window, at most).
  struct Partitions {
    bool on = true;
    Probability chance{500000000};
    uint32_t max = 2;
    std::vector<PartitionSpec::Shape> shapes = {
        PartitionSpec::Shape::kIsolate, PartitionSpec::Shape::kHalves,
        PartitionSpec::Shape::kMajoritiesRing, PartitionSpec::Shape::kOneWay};
    Duration min_duration{1000};
    std::optional<Duration> max_duration;  // none: the slot
  } partitions;

  // Crashes with restart: on in a seed with `chance`, then 1..max of them,
  // each of a node drawn uniformly, down uniform in [min, max] (max: its
  // slot, at most). With `amnesia`, each crash loses its store with
  // chance 1/2: that loses acknowledged writes by design, so it is off
  // unless the section says so.
  struct Crashes {
    bool on = true;
    Probability chance{500000000};
    uint32_t max = 2;
    Duration min_down{1000};
    std::optional<Duration> max_down;  // none: the slot
    bool amnesia = false;
  } crashes;

  // Clients send `clock: auto` clocks without trailing zero slots
  // (ClientSpec::short_clocks), with probability `chance`.
  struct ShortClocks {
    bool on = true;
    Probability chance{500000000};
  } short_clocks;

  // The anti-entropy interval, uniform in [min, max].
  struct AntiEntropy {
    bool on = true;
    Duration min{10000};
    Duration max{200000};
  } anti_entropy;

  // The workload: its interval uniform in [min, max] (default: from half
  // the scenario's to the scenario's, so operations never end later than
  // the scenario's), and, with `mix`, its weights: put 1..4, get 0..4,
  // resolve 0..4.
  struct Workload {
    bool on = true;
    std::optional<Duration> min_interval;
    std::optional<Duration> max_interval;
    bool mix = true;
  } workload;

  // The node count, uniform in [min, max] (default: the scenario's count to
  // two more).
  struct Nodes {
    bool on = true;
    std::optional<uint32_t> min;
    std::optional<uint32_t> max;
  } nodes;
};

// What one seed drew. Each dimension's value is set iff it was drawn.
struct SwarmDraw {
  std::optional<uint32_t> nodes;
  std::optional<Probability> loss;
  std::optional<Probability> duplicate;
  std::optional<DelaySpec> delay;
  std::optional<Duration> delay_scale;
  std::optional<Duration> anti_entropy_interval;
  std::optional<bool> short_clocks;
  std::optional<Duration> workload_interval;
  // put, get, resolve
  std::optional<std::vector<uint32_t>> workload_mix;
  struct Partition {
    PartitionSpec::Shape shape = PartitionSpec::Shape::kIsolate;
    SimTime at;
    SimTime heal;
  };
  std::optional<std::vector<Partition>> partitions;
  struct Crash {
    NodeIndex node = 0;
    SimTime at;
    SimTime restart;
    bool amnesia = false;
  };
  std::optional<std::vector<Crash>> crashes;

  // As recorded in summary.json, sweep.jsonl and the history's start line:
  // {"nodes", "loss", "duplicate", "delay": {"dist", "scale_us", ...},
  //  "anti_entropy_us", "short_clocks", "workload": {"interval_us", "mix"}, "partitions":
  //  [{"shape", "at_us", "heal_us"}], "crashes": [{"node", "at_us",
  //  "restart_us", "amnesia"}]}, each key only when drawn; as JSON text
  //  (json::dump's form).
  std::string json_text() const;
};

// The scenario `scenario` becomes in a swarm run with `seed`, and what was
// drawn. The result has no swarm section (it is what runs) and carries the
// draw's JSON text for the history's start line.
// REQUIRES: scenario.swarm is set (a loaded scenario's bounds are valid).
std::pair<Scenario, SwarmDraw> draw_swarm(const Scenario& scenario, uint64_t seed);

}  // namespace kv::sim
