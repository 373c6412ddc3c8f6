// The simulated network: per-message delay, loss and duplication drawn from
// its options (NetworkOptions, a scenario's `network:`), and partitions.
//
// Partitions cut links between nodes only (clients reach every node). Each
// partition event adds cut links to those already cut; heal restores every
// link. A link is directed: a one-way partition cuts a->b but not b->a.
// Whether a message crosses a cut link is decided when it arrives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/rng.h"
#include "base/time.h"

namespace kv::sim {

// Nodes are n1..nN; NodeIndex 0 is n1 (and owns clock slot 0).
using NodeIndex = uint32_t;

// How long a message takes, drawn per message.
struct DelaySpec {
  enum class Dist { kConstant, kUniform, kExponential };
  Dist dist = Dist::kUniform;
  Duration value{};  // kConstant
  Duration min{};    // kUniform: [min, max]
  Duration max{};
  Duration mean{};  // kExponential
};

// The network's options (a scenario's `network:`): delay, and the chance
// that a message is lost or delivered twice.
struct NetworkOptions {
  DelaySpec delay{DelaySpec::Dist::kUniform, {}, {1000}, {10000}, {}};
  Probability loss{};
  Probability duplicate{};
};

// A partition event's shape (a scenario's `partition:`).
struct PartitionSpec {
  enum class Shape { kGroups, kIsolate, kHalves, kMajoritiesRing, kOneWay };
  Shape shape = Shape::kGroups;
  // kGroups: the listed groups; nodes not listed form one more group.
  std::vector<std::vector<NodeIndex>> groups;
  NodeIndex isolate = 0;            // kIsolate
  std::vector<NodeIndex> from, to;  // kOneWay: from's messages to `to` are lost
};

// What a partition event did, for the history.
struct Partition {
  std::string shape;  // groups, isolate, halves, majorities-ring, one-way
  std::vector<std::vector<NodeIndex>> groups;
  std::vector<NodeIndex> from, to;
  std::vector<NodeIndex> ring;  // majorities-ring: the ring order drawn
};

class Network {
 public:
  // `rng` draws every message's fate; `fault_rng` draws partition shapes.
  Network(const NetworkOptions& options, uint32_t nodes, Rng rng, Rng fault_rng);

  struct Fate {
    bool lost = false;
    Duration delay{};
    bool duplicate = false;
    Duration duplicate_delay{};
  };
  // The fate of a message sent now from endpoint `src` to `dest`.
  Fate fate(uint32_t src, uint32_t dest);

  // Whether node `a`'s messages to node `b` are cut.
  bool blocked(uint32_t a, uint32_t b) const { return cut_[static_cast<size_t>(a) * n_ + b] != 0; }

  Partition partition(const PartitionSpec& spec);
  void heal();

 private:
  Duration draw_delay();
  void cut_between_groups(const std::vector<std::vector<NodeIndex>>& groups);

  NetworkOptions options_;
  uint32_t n_;
  Rng rng_;
  Rng fault_rng_;
  std::vector<uint8_t> cut_;  // n_ x n_, row = sender
};

}  // namespace kv::sim
