// The truth: which writes really came causally before which, from what each
// client had observed, against which a run's siblings and losses are labelled
// (docs/RUNNING.md, "The truth"). The simulator feeds it as the run goes
// (sim/), the story and the causal graph feed it from a history (viz/); both
// count with the same rules, here.
//
// Definitions. A *write* is a client's put or resolve, made once (a retry
// sends the same write again). Write B causally follows write A when B's
// client, before sending B, had observed A: A was among the values a read or
// a put's returned body gave it, or A is its own earlier write, or A is in the
// causal past of something it observed. Writes of one key with the same value
// and the same clock (zero padding aside) are one *version*: the store keeps
// them as one (docs/PROTOCOL.md, duplicates), so version X precedes version Y
// when some write of X is in the causal past of some write of Y.
//
// A client is one sequential process, so the writes of one client that a
// causal past holds are always its first k writes: a past is one number per
// client (`Past`, sparse), the truth's own vector clock, over clients. A
// client's knowledge is the past of the write it would send next.
//
// At the end, against what the nodes hold (HeldKey):
//   false sibling   a version a live node holds for a key that precedes
//                   another version the same node holds for that key;
//   true sibling    a version a live node holds that is not a false sibling;
//   lost update     an accepted write of a key that no node, live or down,
//                   holds (as its version) and that is in the causal past of
//                   no version any node holds for the same key.
//
// Identities: a version is found by its key and an identity number, a hash
// of its value and clock (kv::version_identity); two different versions of
// one key with the same 64-bit identity would be taken for one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/key_index.h"

namespace kv::history {

class Truth {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // `explain`: keep, per write, what its client knew and how, for
  // why_precedes (the story); the simulator, which only counts, does not.
  explicit Truth(bool explain = false) : explain_(explain) {}

  // The first `count` writes of client `client`.
  struct PastEntry {
    uint32_t client = 0;
    uint32_t count = 0;
    bool operator==(const PastEntry&) const = default;
  };
  using Past = std::vector<PastEntry>;  // sorted by client, counts > 0

  // Client `client` (any dense number) sends a new write of `key` whose
  // version is `identity`. Returns the write's number (0, 1, ... in the order
  // written).
  uint32_t write(uint32_t client, std::string_view key, uint64_t identity);
  // Client `client` is given version `version` (a read's reply, a put's
  // returned body, or, for a client beside its node, the node's siblings).
  void observe(uint32_t client, uint32_t version);
  // A node accepted the write (told its client written, conflict or resolved).
  void accept(uint32_t write) { writes_[write].accepted = true; }

  // Version `version` is also known by `identity` (under a server-side
  // mechanism the node's stamp gives a write the identity it is held by).
  void alias(uint32_t version, uint64_t identity);
  // The version of `key` with `identity`, or kNone if no write made it.
  uint32_t version_of(std::string_view key, uint64_t identity) const;
  uint32_t version_of_write(uint32_t write) const { return writes_[write].version; }
  // Version `x` precedes version `y` (x != y).
  bool precedes(uint32_t x, uint32_t y) const;

  struct Write {
    uint32_t client = 0;
    uint32_t seq = 0;  // 1 for the client's first write
    uint32_t version = 0;
    uint32_t key = 0;  // id in keys()
    bool accepted = false;
  };
  const Write& write_at(uint32_t w) const { return writes_[w]; }
  // The first write that made version `v`.
  uint32_t first_write(uint32_t v) const { return versions_[v].first_write; }
  size_t writes() const { return writes_.size(); }
  const KeyIndex& keys() const { return keys_; }

  // Why client `client`, when it made write `w`, knew of version `x`'s write
  // `known`: the version whose observation brought it (kNone: its own earlier
  // write), and the write that observation came before.
  struct Reason {
    uint32_t known = kNone;  // a write of x in w's past
    uint32_t via = kNone;    // the version observed that brought it; kNone: its own write
  };
  // REQUIRES: made with `explain`.
  Reason why_precedes(uint32_t x, uint32_t y) const;

  // --- counting at the end ---------------------------------------------------
  struct NodeHeld {
    uint32_t node = 0;
    bool live = true;
    std::vector<uint32_t> versions;  // kNone for a version no write made
  };
  struct FalseSibling {
    uint32_t node = 0;
    uint32_t version = 0;  // held, and preceding `above`
    uint32_t above = 0;    // held by the same node
  };
  struct Figures {
    uint64_t true_siblings = 0;
    uint64_t false_siblings = 0;
    uint64_t lost_updates = 0;
  };
  // Counts key id `key` (in keys()) against what each node holds of it, and
  // lists its false siblings and lost updates (write numbers) when asked.
  void count_key(uint32_t key, std::span<const NodeHeld> held, Figures& figures,
                 std::vector<FalseSibling>* false_siblings = nullptr,
                 std::vector<uint32_t>* lost = nullptr) const;

 private:
  // Knowledge of one client about another's writes: how many, and which
  // observed version brought the last raise (kNone: its own writes).
  struct Known {
    uint32_t client = 0;
    uint32_t count = 0;
    uint32_t via = kNone;
  };
  // A version: its key, its first write (others, rare: more_writes_), and
  // its closure (the pasts of its writes and the writes themselves) as a
  // range of arena_. Nothing per version lives on the heap of its own.
  struct Version {
    uint32_t key = 0;
    uint32_t first_write = 0;
    uint32_t closure_at = 0;
    uint32_t closure_len = 0;
  };
  // Identity -> version, open addressing (identities are hashes already).
  struct Slot {
    uint64_t identity = 0;
    uint32_t version = kNone;
  };
  std::span<const PastEntry> closure(uint32_t v) const {
    return {arena_.data() + versions_[v].closure_at, versions_[v].closure_len};
  }
  template <class F>
  void for_each_write(uint32_t v, F&& f) const {
    f(versions_[v].first_write);
    if (has_more_writes_) {
      for (const auto& [version, w] : more_writes_) {
        if (version == v) f(w);
      }
    }
  }
  uint32_t find(uint32_t key_id, uint64_t identity) const;
  void insert(uint64_t identity, uint32_t version);
  static void merge(Past& into, std::span<const PastEntry> from);
  static uint32_t count_in(std::span<const PastEntry> past, uint32_t client);

  bool explain_ = false;
  KeyIndex keys_;
  std::vector<Write> writes_;
  std::vector<Version> versions_;
  std::vector<PastEntry> arena_;                            // the versions' closures, end to end
  std::vector<std::pair<uint32_t, uint32_t>> more_writes_;  // (version, write) after the first
  bool has_more_writes_ = false;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  // The writes by key, built at the first count_key (counting is at the end).
  mutable std::vector<uint32_t> by_key_, key_start_;
  size_t used_slots_ = 0;
  // Per write: its client's knowledge when it wrote (sorted by client), for
  // why_precedes. The write's past is this, counts alone.
  std::vector<std::vector<Known>> pasts_;
  std::vector<std::vector<Known>> knowledge_;  // by client
};

}  // namespace kv::history
