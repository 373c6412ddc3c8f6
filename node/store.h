// The sibling store: key -> the versions a key holds (its siblings), kept by
// the rules of the run's conflict-detection mechanism (node/causality.h).
//
// Applying a write to a key, each held version is judged against it
// (Causality::judge):
//   - some held version is above it                -> kStale, nothing changes;
//   - a held version is the write                  -> kDuplicate, nothing changes;
//   - otherwise every held version it replaces is removed and it is appended.
// Under client-vv (the task's rules, docs/PROTOCOL.md) a version is (value, clock) and a write
// replaces the siblings its clock dominates. Invariant: a key's siblings are
// pairwise concurrent and distinct, kept in the order they were added; so
// they are exactly the maximal versions among the writes the key accepted,
// whatever order those arrived in.
//
// Keys live in a KeyIndex; a key's siblings sit at its id in one array, inline
// while there is one (most keys hold one sibling).
//
// The store also keeps a digest for anti-entropy: keys fall into kBuckets
// buckets by a stable hash, and each bucket's digest is the sum of its keys'
// entry hashes (key hash mixed with the sum of the sibling hashes). Two
// replicas that hold the same sibling sets have the same digests, whatever
// order the siblings arrived in; the digest is kept up to date on every write,
// so a reconciliation round costs O(kBuckets) until something differs.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/hash.h"
#include "base/key_index.h"
#include "base/small_vector.h"
#include "node/causality.h"
#include "node/version.h"

namespace kv {

using Siblings = SmallVector<VersionPtr, 1>;

// A key and its hash (Store::key_hash). A write reaches every store that
// holds its key (a replicated put, one per node): its key is hashed once,
// where it enters, and the hash travels with it (Message::key_hash), so that
// no store hashes it again. A key given as text alone is hashed here.
struct HashedKey {
  // Any text: hashed. (Implicit, so that a key can be passed as it is.)
  template <class Text>
  requires std::convertible_to<const Text&, std::string_view> HashedKey(
      const Text& text);  // NOLINT(google-explicit-constructor)
  // REQUIRES: hash == Store::key_hash(text).
  HashedKey(std::string_view text, uint64_t hash);

  std::string_view text;
  uint64_t hash;
};

enum class ApplyResult {
  kStale,      // a held version is above the write: rejected, nothing changed
  kDuplicate,  // the write is already a sibling: nothing changed
  kApplied,    // the write is now a sibling
  kRefused,    // the write would leave more siblings than allowed: refused
};
// The result's name in histories ("stale", ...): the one table.
inline constexpr std::string_view kApplyResultNames[] = {"stale", "duplicate", "applied",
                                                         "refused"};
constexpr std::string_view to_string(ApplyResult result) {
  return kApplyResultNames[static_cast<size_t>(result)];
}

struct ApplyOutcome {
  ApplyResult result;
  size_t siblings;  // the key's sibling count after the write
};

class Store {
 public:
  static constexpr size_t kBuckets = 64;  // one bit each in a uint64_t mask
  using Digest = std::array<uint64_t, kBuckets>;

  // The key's hash: it picks the key's digest bucket and its slot in the
  // store's index (a stable hash: the digests are the same on every host).
  static uint64_t key_hash(std::string_view key) {
    return stable_hash(key.data(), key.size(), 0x6b6579);
  }

  explicit Store(Mechanism mechanism = Mechanism::kClientVv) : mechanism_(mechanism) {}
  Mechanism mechanism() const { return mechanism_; }
  const Causality& rules() const { return causality(mechanism_); }

  // Applies the write with the rules above. A write that would leave the key
  // with more than `max_siblings` siblings is refused (kRefused) and changes
  // nothing.
  ApplyOutcome apply(const HashedKey& key, const VersionPtr& version,
                     size_t max_siblings = SIZE_MAX);

  // The key's siblings, empty for a key never written.
  const Siblings& get(const HashedKey& key) const;

  size_t key_count() const { return keys_.size(); }
  size_t sibling_count() const { return sibling_count_; }
  bool empty() const { return keys_.size() == 0; }

  // Every key in byte order (for output that must not depend on hashing).
  std::vector<std::string_view> sorted_keys() const;
  // The keys in the order they were first written (ids 0, 1, ...).
  const KeyIndex& key_index() const { return keys_; }

  const Digest& digest() const { return digest_; }
  static size_t bucket_of(std::string_view key);
  // Calls fn(key, siblings) for every key whose bucket's bit is set in
  // `bucket_mask` (bit b for bucket b), keys in byte order.
  void for_each_in_buckets(uint64_t bucket_mask,
                           const std::function<void(std::string_view, const Siblings&)>& fn) const;

  // Forgets everything (an amnesia crash).
  void clear();

#ifdef KVSIM_MUTANTS
  // For the planted bugs of node/mutant.h: the key's siblings become just
  // `version` (the digest kept right).
  void keep_only(std::string_view key, const VersionPtr& version);
  // Mutant kRestartDropsLastWrite: the last applied write is undone.
  void undo_last_write();
#endif

 private:
  template <class Rules>
  ApplyOutcome apply_with(const HashedKey& key, const VersionPtr& version, size_t max_siblings);

  Mechanism mechanism_;
  KeyIndex keys_;
  std::vector<Siblings> siblings_;  // by key id
  size_t sibling_count_ = 0;
  Digest digest_{};

#ifdef KVSIM_MUTANTS
  void replace_siblings(std::string_view key, Siblings siblings);
  // Mutant kRestartDropsLastWrite: the last applied write's key, and its
  // siblings before that write.
  std::optional<std::string> last_write_key_;
  Siblings last_write_before_;
#endif
};

template <class Text>
requires std::convertible_to<const Text&, std::string_view> HashedKey::HashedKey(const Text& text)
    : text(text), hash(Store::key_hash(this->text)) {}

inline HashedKey::HashedKey(std::string_view text, uint64_t hash) : text(text), hash(hash) {
  KV_EXPENSIVE_ASSERT(hash == Store::key_hash(text));
}

}  // namespace kv
