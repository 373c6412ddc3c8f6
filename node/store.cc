#include "node/store.h"

#include <algorithm>
#include <cstring>

#include "node/kv_assert.h"

namespace kv {

namespace {
const Siblings kNoSiblings;
}

namespace {
uint64_t key_hash(std::string_view key) {
  return stable_hash(key.data(), key.size(), 0x6b6579);
}
}  // namespace

size_t Store::bucket_of(std::string_view key) {
  return key_hash(key) % kBuckets;
}

uint64_t Store::entry_hash(const Entry& entry) {
  uint64_t sum = 0;
  for (const VersionPtr& v : entry.siblings) sum += v->hash;
  // Mix the key in so that two keys swapping their siblings still differ.
  return (sum ^ entry.key_hash) * 0x9e3779b97f4a7c15ull + entry.key_hash;
}

const Store::Entry* Store::find(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.entry == 0) return nullptr;
    if (slot.hash != hash) continue;
    const Entry& entry = entries_[slot.entry - 1];
    if (entry.key.size() != key.size()) continue;
    bool same = true;
    for (size_t c = 0; c < key.size() && same; ++c) same = entry.key[c] == key[c];
    if (same) return &entry;
  }
}

void Store::grow() {
  std::vector<Slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    size_t i = entries_[e].key_hash & mask;
    while (bigger[i].entry != 0) i = (i + 1) & mask;
    bigger[i] = {entries_[e].key_hash, e + 1};
  }
  slots_ = std::move(bigger);
}

Store::Entry& Store::insert(std::string_view key, uint64_t hash) {
  if (2 * (entries_.size() + 1) > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].entry != 0) i = (i + 1) & mask;
  Entry& entry = entries_.emplace_back();
  entry.key.assign(key);
  entry.key_hash = hash;
  slots_[i] = {hash, entries_.size()};
  return entry;
}

ApplyOutcome Store::apply(std::string_view key, const VersionPtr& version, size_t max_siblings) {
  KV_ASSERT(version != nullptr);
  const uint64_t hash = key_hash(key);
  // find() is const; the entry is this store's own, so writing it is fine.
  auto* found = const_cast<Entry*>(find(key, hash));
  Entry& entry = found != nullptr ? *found : insert(key, hash);
  Siblings& siblings = entry.siblings;

  // One comparison per sibling; remember which ones the write dominates
  // (bit i for sibling i; past 64 siblings they are compared again below).
  uint64_t dominated = 0;
  size_t dominated_count = 0;
  for (size_t i = 0; i < siblings.size(); ++i) {
    const Version& s = *siblings[i];
    const Order order = compare(s.clock, version->clock);
    if (order == Order::kDominates) return {ApplyResult::kStale, siblings.size()};
    if (order == Order::kEqual && s.value == version->value) {
      return {ApplyResult::kDuplicate, siblings.size()};
    }
    if (order == Order::kDominated) {
      ++dominated_count;
      if (i < 64) dominated |= uint64_t{1} << i;
    }
  }
  if (siblings.size() - dominated_count + 1 > max_siblings) {
    return {ApplyResult::kTooMany, siblings.size()};
  }

  const size_t before = siblings.size();
  if (dominated_count > 0) {
    size_t kept = 0;
    for (size_t i = 0; i < siblings.size(); ++i) {
      const bool gone = i < 64 ? (dominated >> i & 1) != 0
                               : compare(version->clock, siblings[i]->clock) == Order::kDominates;
      if (gone) continue;
      if (kept != i) siblings[kept] = std::move(siblings[i]);
      ++kept;
    }
    siblings.resize(kept);
  }
  siblings.push_back(version);
  sibling_count_ = sibling_count_ - before + siblings.size();

  const uint64_t new_hash = entry_hash(entry);
  digest_[entry.key_hash % kBuckets] += new_hash - entry.hash;
  entry.hash = new_hash;
  return {ApplyResult::kApplied, siblings.size()};
}

const Siblings& Store::get(std::string_view key) const {
  const Entry* entry = find(key, key_hash(key));
  return entry == nullptr ? kNoSiblings : entry->siblings;
}

std::vector<std::string_view> Store::sorted_keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(entries_.size());
  for (const Entry& entry : entries_) keys.push_back(entry.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Store::for_each_in_buckets(
    uint64_t bucket_mask, const std::function<void(std::string_view, const Siblings&)>& fn) const {
  std::vector<const Entry*> selected;
  for (const Entry& entry : entries_) {
    if (bucket_mask >> (entry.key_hash % kBuckets) & 1) selected.push_back(&entry);
  }
  std::sort(selected.begin(), selected.end(),
            [](const Entry* a, const Entry* b) { return a->key < b->key; });
  for (const Entry* entry : selected) fn(entry->key, entry->siblings);
}

void Store::clear() {
  entries_.clear();
  slots_.clear();
  sibling_count_ = 0;
  digest_.fill(0);
}

}  // namespace kv
