// A kvsim node's state and its write rules: its identity (name, clock slot,
// the cluster's node list) and its store, and what each kind of write does
// to them.
//
// The Node handles no messages: its Replica (node/replica.h) owns the
// protocol — it reads requests and peer messages, calls the Node, composes
// the replies and sends replication and anti-entropy — in `kvsim node` and
// in the simulator alike. The Node knows nothing of messages, time,
// randomness or I/O.
//
// Operations:
//   put / resolve   a client write: its status written|conflict|resolved|
//                   rejected, or too_many_siblings past kMaxSiblings
//   get             the key's siblings in the order they were added
//   replicate       a write a peer accepted, applied with the same rules and
//                   no sibling bound
//   anti-entropy    digest(), differing_buckets(), versions_in()
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/mutant.h"
#include "node/store.h"

namespace kv {

// Siblings a client write may leave on a key (Riak refuses past 100 by
// default too). A client write past it is refused and must resolve first.
// Replicated and anti-entropy writes are applied regardless, so replicas
// still converge: a key can pass the bound only through writes accepted
// concurrently on different nodes.
inline constexpr size_t kMaxSiblings = 100;

enum class WriteStatus {
  kWritten,
  kConflict,
  kResolved,
  kRejected,         // stale: a sibling dominates the write
  kTooManySiblings,  // refused: the key would pass kMaxSiblings
};
// The status's name in replies and histories ("written", ...): the one table.
inline constexpr std::string_view kWriteStatusNames[] = {"written", "conflict", "resolved",
                                                         "rejected", "too_many_siblings"};
constexpr std::string_view to_string(WriteStatus status) {
  return kWriteStatusNames[static_cast<size_t>(status)];
}
// The error text for a write refused with kTooManySiblings.
std::string too_many_siblings_text(std::string_view key);

struct WriteResult {
  WriteStatus status;
  size_t siblings;      // sibling count after the write
  ApplyResult applied;  // what the store did (kDuplicate: nothing changed)
  // A node replicates every write it accepts, a duplicate included: a client
  // retries a put whose reply was lost, and the retry must reach the peers the
  // first attempt's replication did not.
  bool accepted() const {
    return status != WriteStatus::kRejected && status != WriteStatus::kTooManySiblings;
  }
};

// One key's versions shipped by anti-entropy.
struct KeyVersions {
  std::string key;
  std::vector<VersionPtr> versions;
};

class Node {
 public:
  // Sets the node's identity. `slot` is the clock slot this node owns (its
  // position in the cluster's node list). A node may be initialised again
  // (the line protocol accepts a repeated init); its store is kept.
  void init(std::string id, std::vector<std::string> peers, size_t slot);
  bool initialized() const { return initialized_; }
  const std::string& id() const { return id_; }
  // Every node of the cluster, this one included, in clock-slot order.
  const std::vector<std::string>& node_ids() const { return node_ids_; }
  size_t slot() const { return slot_; }

  // The store's mechanism (node/causality.h): client-vv unless set, before
  // the first write, by a host that runs another.
  void set_mechanism(Mechanism m) { store_ = Store(m); }
  Mechanism mechanism() const { return store_.mechanism(); }
  // A client's write as this node, coordinating it, stores it: under
  // client-vv the write as sent; under a server-side mechanism stamped from
  // what the node holds for the key (ServerVv/Dvv::coordinate), and under
  // lww timestamped with `clock_us`, the node's physical clock's reading
  // (the host's: Outbox::clock_us).
  VersionPtr coordinate(const HashedKey& key, const VersionPtr& write,
                        uint64_t clock_us = 0) const {
    if (store_.mechanism() == Mechanism::kClientVv) [[likely]]
      return write;
    return coordinate_server_side(key, write, clock_us);
  }

  // A key is given as text, or with its hash (HashedKey, node/store.h).
  WriteResult put(const HashedKey& key, const VersionPtr& version);
  WriteResult resolve(const HashedKey& key, const VersionPtr& version);
  const Siblings& get(const HashedKey& key) const { return store_.get(key); }
  ApplyOutcome replicate(const HashedKey& key, const VersionPtr& version);

  // Anti-entropy, in three steps between an initiator A and a peer B:
  //   A sends digest();  B computes differing_buckets(A's digest) and sends
  //   versions_in(those buckets) along with the bucket list; A applies them
  //   with replicate() and sends back its own versions_in(the same buckets).
  // Afterwards both hold the union of their versions in every bucket that
  // differed, so with no new writes they converge in one round.
  const Store::Digest& digest() const { return store_.digest(); }
  std::vector<uint32_t> differing_buckets(const Store::Digest& theirs) const;
  std::vector<KeyVersions> versions_in(const std::vector<uint32_t>& buckets) const;

  const Store& store() const { return store_; }
  // An amnesia crash: the store is lost, the identity kept.
  void forget() { store_.clear(); }
#ifdef KVSIM_MUTANTS
  // Mutant kRestartDropsLastWrite: a crash that keeps the store loses the
  // last write (it had not reached the disk).
  void crash_without_amnesia() {
    if (active_mutant == Mutant::kRestartDropsLastWrite) store_.undo_last_write();
  }
#endif

 private:
  WriteResult write(const HashedKey& key, const VersionPtr& version, bool resolving);
  VersionPtr coordinate_server_side(const HashedKey& key, const VersionPtr& write,
                                    uint64_t clock_us) const;

  bool initialized_ = false;
  std::string id_;
  std::vector<std::string> node_ids_;
  size_t slot_ = 0;
  Store store_;
};

}  // namespace kv
