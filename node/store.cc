#include "node/store.h"

#include <algorithm>

#include "base/assert.h"
#include "node/mechanisms.h"
#include "node/mutant.h"

namespace kv {

namespace {

const Siblings kNoSiblings{};

// A key's contribution to its bucket's digest, from the sum of its siblings'
// hashes (a key with no siblings contributes 0).
uint64_t entry_hash(uint64_t key_hash, uint64_t sibling_hash_sum) {
  // Mix the key in so that two keys swapping their siblings still differ.
  return (sibling_hash_sum ^ key_hash) * 0x9e3779b97f4a7c15ull + key_hash;
}

// The store's invariant for one key: siblings pairwise concurrent and
// distinct, by the mechanism's order.
[[maybe_unused]] bool siblings_are_maximal(const Causality& rules, const Siblings& siblings) {
  for (size_t i = 0; i < siblings.size(); ++i) {
    for (size_t j = i + 1; j < siblings.size(); ++j) {
      if (rules.order(*siblings[i], *siblings[j]) != Order::kConcurrent) return false;
    }
  }
  return true;
}

// Mutant kClockNoPadding: the clocks compared over their common slots only,
// as if the longer clock's extra slots were not there.
[[maybe_unused]] Order compare_common_slots(const Clock& a, const Clock& b) {
  const size_t n = std::min(a.size(), b.size());
  return compare(Clock(std::vector<uint64_t>(a.slots().begin(), a.slots().begin() + n)),
                 Clock(std::vector<uint64_t>(b.slots().begin(), b.slots().begin() + n)));
}

// How `held` fares against `write` under Rules, with the mutants of the
// store's verdicts planted where the store uses the rule.
template <class Rules>
Verdict judge(const Version& held, const Version& write) {
  if constexpr (kMutantsBuilt && Rules::kMechanism == Mechanism::kClientVv) {
    if (active_mutant == Mutant::kClockNoPadding) {
      const Order clocks = compare_common_slots(held.clock, write.clock);
      return ClientVv::verdict(clocks, clocks == Order::kEqual && held.value == write.value);
    }
    if (active_mutant == Mutant::kEqualClockDuplicate &&
        compare(held.clock, write.clock) == Order::kEqual) {
      return Verdict::kDuplicate;
    }
  }
  if constexpr (kMutantsBuilt && Rules::kMechanism == Mechanism::kServerVv) {
    if (active_mutant == Mutant::kServerVvReplaceByClock) {  // the kReplaced flag ignored
      const Order clocks = compare(held.clock, write.clock);
      return ClientVv::verdict(
          clocks, clocks == Order::kEqual && held.value == write.value && held.dot == write.dot);
    }
  }
  if constexpr (kMutantsBuilt && Rules::kMechanism == Mechanism::kLww) {
    if (active_mutant == Mutant::kLwwTieKeepsHeld && held.dot.counter == write.dot.counter &&
        held.dot.node != write.dot.node) {
      return Verdict::kStale;
    }
  }
  return Rules::verdict(held, write);
}

}  // namespace

size_t Store::bucket_of(std::string_view key) {
  return key_hash(key) % kBuckets;
}

ApplyOutcome Store::apply(const HashedKey& key, const VersionPtr& version, size_t max_siblings) {
  return with_rules(mechanism_,
                    [&]<class Rules>() { return apply_with<Rules>(key, version, max_siblings); });
}

template <class Rules>
ApplyOutcome Store::apply_with(const HashedKey& key, const VersionPtr& version,
                               size_t max_siblings) {
  KV_ASSERT(version != nullptr);
  const uint64_t hash = key.hash;
  const uint32_t id = keys_.insert(key.text, hash);
  if (id == siblings_.size()) siblings_.emplace_back();
  Siblings& siblings = siblings_[id];

  // One verdict per sibling; remember which ones the write replaces (bit i
  // for sibling i; past 64 siblings they are judged again below).
  const size_t before = siblings.size();
  VersionPtr* const items = siblings.data();
  uint64_t replaced = 0;
  size_t replaced_count = 0;
  uint64_t hash_sum = 0;
  for (size_t i = 0; i < before; ++i) {
    const Version& s = *items[i];
    const Verdict verdict = judge<Rules>(s, *version);
    if (verdict == Verdict::kStale && active_mutant != Mutant::kStaleWriteAccepted) {
      return {ApplyResult::kStale, before};
    }
    if (verdict == Verdict::kDuplicate) return {ApplyResult::kDuplicate, before};
    if (verdict == Verdict::kReplace) {
      ++replaced_count;
      if (i < 64) replaced |= uint64_t{1} << i;
    }
    hash_sum += s.hash;
  }
  if (before - replaced_count + 1 > max_siblings) return {ApplyResult::kRefused, before};
#ifdef KVSIM_MUTANTS
  if (active_mutant == Mutant::kRestartDropsLastWrite) {
    last_write_key_ = key.text;
    last_write_before_ = siblings;
  }
#endif

  const uint64_t old_hash = before == 0 ? 0 : entry_hash(hash, hash_sum);
  if (replaced_count == 0) {
    siblings.push_back(version);
  } else {
    // Keep the others in order, then the write takes the first place freed.
    size_t kept = 0;
    for (size_t i = 0; i < before; ++i) {
      const bool gone = i < 64 ? (replaced >> i & 1) != 0
                               : judge<Rules>(*items[i], *version) == Verdict::kReplace;
      if (gone) {
        hash_sum -= items[i]->hash;
        continue;
      }
      if (kept != i) items[kept] = std::move(items[i]);
      ++kept;
    }
    items[kept] = version;
    siblings.truncate(kept + 1);
  }
  sibling_count_ = sibling_count_ - before + siblings.size();
  hash_sum += version->hash;
  if (replaced_count == 0 || active_mutant != Mutant::kDigestStaleOnReplace) {
    digest_[hash % kBuckets] += entry_hash(hash, hash_sum) - old_hash;
  }
  KV_EXPENSIVE_ASSERT(siblings_are_maximal(rules(), siblings));
  return {ApplyResult::kApplied, siblings.size()};
}

const Siblings& Store::get(const HashedKey& key) const {
  const uint32_t id = keys_.find(key.text, key.hash);
  return id == KeyIndex::kAbsent ? kNoSiblings : siblings_[id];
}

std::vector<std::string_view> Store::sorted_keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(keys_.size());
  for (uint32_t id = 0; id < keys_.size(); ++id) keys.push_back(keys_.key(id));
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Store::for_each_in_buckets(
    uint64_t bucket_mask, const std::function<void(std::string_view, const Siblings&)>& fn) const {
  std::vector<uint32_t> selected;
  for (uint32_t id = 0; id < keys_.size(); ++id) {
    if (bucket_mask >> bucket_of(keys_.key(id)) & 1) selected.push_back(id);
  }
  std::sort(selected.begin(), selected.end(),
            [&](uint32_t a, uint32_t b) { return keys_.key(a) < keys_.key(b); });
  for (uint32_t id : selected) fn(keys_.key(id), siblings_[id]);
}

void Store::clear() {
  keys_.clear();
  siblings_ = {};
  sibling_count_ = 0;
  digest_.fill(0);
#ifdef KVSIM_MUTANTS
  last_write_key_.reset();
  last_write_before_ = {};
#endif
}

#ifdef KVSIM_MUTANTS
void Store::replace_siblings(std::string_view key, Siblings siblings) {
  const uint64_t hash = key_hash(key);
  const uint32_t id = keys_.insert(key, hash);
  if (id == siblings_.size()) siblings_.emplace_back();
  const auto entry = [&](const Siblings& s) {
    uint64_t sum = 0;
    for (const VersionPtr& v : s) sum += v->hash;
    return s.size() == 0 ? 0 : entry_hash(hash, sum);
  };
  digest_[hash % kBuckets] += entry(siblings) - entry(siblings_[id]);
  sibling_count_ = sibling_count_ - siblings_[id].size() + siblings.size();
  siblings_[id] = std::move(siblings);
}

void Store::keep_only(std::string_view key, const VersionPtr& version) {
  Siblings only;
  only.push_back(version);
  replace_siblings(key, std::move(only));
}

void Store::undo_last_write() {
  if (!last_write_key_) return;
  replace_siblings(*last_write_key_, std::move(last_write_before_));
  last_write_key_.reset();
  last_write_before_ = {};
}
#endif

}  // namespace kv
