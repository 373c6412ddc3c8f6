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
//
// Memory. Explaining (the story, from a history) keeps every write. Counting
// (the simulator) forgets a version once the simulator says no copy of it is
// left anywhere (release(): no store, message or client holds one, so no
// client can observe it again and no node holds it at the end): its record,
// its closure and its identity are reused. What stays per write is 8 bytes
// for each accepted one, its client and number under its key: a lost update
// is an accepted write whose number is above what the final cover (the pasts
// of every held version of its key) knows of its client, so counting needs
// nothing else. A write of a value and clock made after every copy of an
// equal earlier version is gone is a version of its own.
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
  // why_precedes and the lost updates' write numbers (the story); the
  // simulator, which only counts, does not.
  explicit Truth(bool explain = false) : explain_(explain) {}

  // The first `count` writes of client `client`.
  struct PastEntry {
    uint32_t client = 0;
    uint32_t count = 0;
    bool operator==(const PastEntry&) const = default;
  };
  using Past = std::vector<PastEntry>;  // sorted by client, counts > 0

  // Client `client` (any dense number) sends a new write of `key` whose
  // version is `identity`. Returns the write's number. Explaining, writes are
  // numbered 0, 1, ... in the order written; counting, a released write's
  // number is given again. `tag` (nonzero): the caller's name for the write
  // (the simulator's Version::origin), for write_of_tag, hold and drop.
  uint32_t write(uint32_t client, std::string_view key, uint64_t identity, uint64_t tag = 0);
  // Client `client` is given version `version` (a read's reply, a put's
  // returned body, or, for a client beside its node, the node's siblings).
  void observe(uint32_t client, uint32_t version);
  // A node accepted the write (told its client written, conflict or resolved).
  void accept(uint32_t write);

  // Counting only: one more copy of the write tagged `tag` exists (made
  // before or after write() names it); one copy went. When the last goes the
  // write is released, and its version forgotten once all its writes are.
  void hold(uint64_t tag);
  void drop(uint64_t tag);
  // The write tagged `tag`, or kNone.
  uint32_t write_of_tag(uint64_t tag) const;

  // Version `version` is also known by `identity` (under a server-side
  // mechanism the node's stamp gives a write the identity it is held by).
  // Explaining only.
  void alias(uint32_t version, uint64_t identity);
  // The version of `key` with `identity`, or kNone if no write made it.
  uint32_t version_of(std::string_view key, uint64_t identity) const;
  uint32_t version_of_write(uint32_t write) const { return writes_[write].version; }
  // Version `x` precedes version `y` (x != y).
  bool precedes(uint32_t x, uint32_t y) const;

  struct Write {
    uint32_t client = 0;
    uint32_t seq = 0;  // 1 for the client's first write
    uint32_t version = kNone;
    uint32_t key = 0;       // id in keys()
    uint32_t next = kNone;  // the next write of the same version
    uint32_t copies = 0;    // counting: copies held (hold, drop)
    bool accepted = false;
    bool released = false;
  };
  const Write& write_at(uint32_t w) const { return writes_[w]; }
  // The first write that made version `v`.
  uint32_t first_write(uint32_t v) const { return versions_[v].first_write; }
  // Writes made so far.
  size_t writes() const { return writes_made_; }
  const KeyIndex& keys() const { return keys_; }
  // Counting: versions and writes remembered now (for the memory's tests).
  size_t live_versions() const { return versions_.size() - free_versions_.size(); }
  size_t live_writes() const { return writes_.size() - free_writes_.size(); }

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
  // lists its false siblings and, explaining, its lost updates (write
  // numbers, in the order written) when asked.
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
  // A version: its key, its writes (a list through Write::next), and its
  // closure (the pasts of its writes and the writes themselves) as a range
  // of arena_. Nothing per version lives on the heap of its own.
  struct Version {
    uint32_t key = kNone;  // kNone: a free record
    uint32_t first_write = kNone;
    uint32_t last_write = kNone;
    uint32_t unreleased = 0;  // writes not yet released
    uint32_t closure_at = 0;
    uint32_t closure_len = 0;
    uint64_t identity = 0;  // its slot in by_identity_
  };
  // 64-bit name -> 32-bit number, open addressing with linear probing, at
  // most half full; erase shifts the run back, so there are no tombstones.
  class Table {
   public:
    uint32_t find(uint64_t name) const;
    void insert(uint64_t name, uint32_t value);  // REQUIRES: absent
    void erase(uint64_t name);
    size_t size() const { return used_; }

   private:
    struct Slot {
      uint64_t name = 0;
      uint32_t value = kNone;
    };
    std::vector<Slot> slots_;  // power-of-two size
    size_t used_ = 0;
  };
  std::span<const PastEntry> closure(uint32_t v) const {
    return {arena_.data() + versions_[v].closure_at, versions_[v].closure_len};
  }
  template <class F>
  void for_each_write(uint32_t v, F&& f) const {
    for (uint32_t w = versions_[v].first_write; w != kNone; w = writes_[w].next) f(w);
  }
  static uint64_t name_of(uint32_t key_id, uint64_t identity);
  uint32_t new_write();
  void release(uint32_t w);
  void compact_arena();
  static void merge(Past& into, std::span<const PastEntry> from);
  static uint32_t count_in(std::span<const PastEntry> past, uint32_t client);

  bool explain_ = false;
  KeyIndex keys_;
  size_t writes_made_ = 0;
  std::vector<Write> writes_;
  std::vector<uint32_t> free_writes_;
  std::vector<Version> versions_;
  std::vector<uint32_t> free_versions_;
  std::vector<PastEntry> arena_;  // the versions' closures, end to end
  size_t arena_dead_ = 0;         // entries of forgotten or rewritten closures
  Table by_identity_;             // name_of(key, identity) -> version
  Table by_tag_;                  // tag -> write
  // By key id: the accepted writes, (client, number), in the order accepted.
  std::vector<std::vector<PastEntry>> accepted_;
  // Explaining: by client, its writes in order; per write, its client's
  // knowledge when it wrote (sorted by client), for why_precedes.
  std::vector<std::vector<uint32_t>> client_writes_;
  std::vector<std::vector<Known>> pasts_;
  std::vector<std::vector<Known>> knowledge_;  // by client
};

}  // namespace kv::history
