// Placement: which nodes hold a key, and how a cluster replicates it.
//
// A key's replicas are its preference list, the first being the node a
// coordinator prefers. Today's rule, `everywhere`, puts every key on every
// node in slot order. A quorum configuration (Replication, a scenario's
// `replication:` section) places each key on `n` nodes of a consistent-hash
// ring: every node owns kRingPoints points (hashes of its name and the
// point's number), a key's hash falls between two points, and its
// preference list is the first `n` distinct nodes met walking the ring
// clockwise from there; the nodes met after them, in the same walk, are the
// key's stand-ins for a sloppy quorum. A Placement is fixed when a replica
// is initialised and is the same on every node of a cluster (it depends on
// the node names and `n` only), so any node or client computes any key's
// replicas alike.
//
// Invariant: a preference list names distinct nodes, each below the cluster
// size; replicas_of(k) is a prefix of ring_walk(k).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/small_vector.h"
#include "base/time.h"
#include "node/message.h"

namespace kv {

// How a cluster replicates (a scenario's `replication:`). Without one
// (n == 0) every node holds every key, takes client writes and replicates
// them to all others: today's rule, byte for byte.
struct Replication {
  enum class Coordinator : uint8_t {
    kNode,    // Dynamo: the node a client asks coordinates (sends to the replicas)
    kClient,  // PBS: the client sends to the key's replicas itself
  };
  uint32_t n = 0;  // replicas per key; 0: every node (today's rule)
  uint32_t r = 1;  // responses a read waits for
  uint32_t w = 1;  // acknowledgements a write waits for
  Coordinator coordinator = Coordinator::kNode;
  bool sloppy = false;       // unreachable replicas' writes go to stand-ins, with a hint
  bool read_repair = false;  // a read that saw stale replicas sends them the merge
  // coordinator: node — how long a coordinator waits for its quorum before
  // answering the client an error (half of it before a sloppy quorum turns
  // to stand-ins), and how often a stand-in offers its hints back.
  Duration timeout{100000};
  Duration handoff_interval{50000};
  bool quorum() const { return n > 0; }
};

class Placement {
 public:
  static constexpr uint32_t kRingPoints = 64;  // per node

  Placement() = default;
  // Every node holds every key (today's rule).
  static Placement everywhere(uint32_t nodes);
  // Each key on `n` nodes of the ring of `names` (node i named names[i]).
  // REQUIRES: 1 <= n <= names.size().
  static Placement ring(const std::vector<std::string>& names, uint32_t n);

  using List = SmallVector<Endpoint, 8>;
  // The nodes that hold `key`, in preference order.
  List replicas_of(std::string_view key) const;
  // Every node, in the ring's order from `key` (replicas first, then the
  // stand-ins a sloppy quorum tries in turn).
  List ring_walk(std::string_view key) const;
  // Whether every node holds every key.
  bool everywhere() const { return n_ == 0; }
  // Whether `node` is one of `key`'s replicas.
  bool holds(std::string_view key, Endpoint node) const;
  uint32_t nodes() const { return nodes_; }
  uint32_t n() const { return n_ == 0 ? nodes_ : n_; }

  // The nodes of `everywhere`, for the hot path: no list is built.
  std::span<const Endpoint> all() const { return all_; }

 private:
  struct Point {
    uint64_t hash;
    Endpoint node;
  };
  uint32_t nodes_ = 0;
  uint32_t n_ = 0;             // 0: everywhere
  std::vector<Endpoint> all_;  // every node, in slot order
  std::vector<Point> ring_;    // sorted by hash
};

}  // namespace kv
