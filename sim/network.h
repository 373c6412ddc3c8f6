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
#include <utility>
#include <vector>

#include "base/rng.h"
#include "base/time.h"
#include "node/message_types.h"

namespace kv::sim {

// Nodes are n1..nN; NodeIndex 0 is n1 (and owns clock slot 0).
using NodeIndex = uint32_t;

// How long a message takes, drawn per message, in integer microseconds
// from the network's own generator (base/rng.h: no floating point).
struct DelaySpec {
  enum class Dist { kConstant, kUniform, kExponential, kPareto, kMixture };
  Dist dist = Dist::kUniform;
  Duration value{};  // kConstant
  Duration min{};    // kUniform: [min, max]
  Duration max{};
  Duration mean{};  // kExponential
  // kPareto: P(X > x) = (xm / x)^alpha for x >= xm; alpha = alpha_num /
  // alpha_den, as written in the scenario (1.51 is 151/100).
  Duration xm{};
  uint64_t alpha_num = 1, alpha_den = 1;
  // kMixture: each part drawn with its weight (the weights add up to one).
  std::vector<DelaySpec> parts{};
  Probability weight{};  // a mixture part's
};

// The network's options (a scenario's `network:`): delay, and the chance
// that a message is lost or delivered twice. `delays` gives a message role
// (node/message_types.h: write, write_ack, read, read_reply, ...) a delay of
// its own; a role left out takes `delay`.
struct NetworkOptions {
  DelaySpec delay{DelaySpec::Dist::kUniform, {}, {1000}, {10000}, {}, {}, 1, 1, {}, {}};
  Probability loss{};
  Probability duplicate{};
  std::vector<std::pair<Role, DelaySpec>> delays{};
};

// One draw of `d` from `rng`.
Duration draw_delay(const DelaySpec& d, Rng& rng);

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
  // The fate of a message sent now from endpoint `src` to `dest`, its delay
  // drawn from `network.delay`.
  Fate fate(uint32_t src, uint32_t dest);
  // Whether some roles have delays of their own (then fate() takes a role).
  bool delays_by_role() const { return by_role_on_; }
  // The same, its delay drawn for `role` (the message type's role, or the
  // one a quorum configuration gives it).
  Fate fate(uint32_t, uint32_t, Role role) { return fate_with(delay_for(role)); }

  // Whether node `a`'s messages to node `b` are cut.
  bool blocked(uint32_t a, uint32_t b) const { return cut_[static_cast<size_t>(a) * n_ + b] != 0; }

  Partition partition(const PartitionSpec& spec);
  void heal();

 private:
  Fate fate_with(const DelaySpec& delay);
  template <class Draw>
  Fate fate_drawn(Draw draw);
  Duration draw_default();
  const DelaySpec& delay_for(Role role) const {
    const DelaySpec* d = by_role_[static_cast<size_t>(role)];
    return d != nullptr ? *d : options_.delay;
  }
  void cut_between_groups(const std::vector<std::vector<NodeIndex>>& groups);

  NetworkOptions options_;
  // options_.delays by role; empty when the scenario gives none (the common
  // case: every message's delay is options_.delay).
  std::vector<const DelaySpec*> by_role_;
  bool by_role_on_ = false;
  uint32_t n_;
  Rng rng_;
  Rng fault_rng_;
  std::vector<uint8_t> cut_;  // n_ x n_, row = sender
};

}  // namespace kv::sim
