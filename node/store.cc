#include "node/store.h"

#include <algorithm>
#include <cstring>

#include "node/kv_assert.h"

namespace kv {

namespace {
const Siblings kNoSiblings;
}

namespace {
uint64_t key_hash(std::string_view key) { return stable_hash(key.data(), key.size(), 0x6b6579); }
}  // namespace

size_t Store::bucket_of(std::string_view key) { return key_hash(key) % kBuckets; }

uint64_t Store::entry_hash(const Entry& entry) {
  uint64_t sum = 0;
  for (const VersionPtr& v : entry.siblings) sum += v->hash;
  // Mix the key in so that two keys swapping their siblings still differ.
  return (sum ^ entry.key_hash) * 0x9e3779b97f4a7c15ull + entry.key_hash;
}

ApplyOutcome Store::apply(std::string_view key, const VersionPtr& version, size_t max_siblings) {
  KV_ASSERT(version != nullptr);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(std::string(key), Entry{}).first;
    it->second.key_hash = key_hash(key);
  }
  Entry& entry = it->second;
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
  auto it = entries_.find(key);
  return it == entries_.end() ? kNoSiblings : it->second.siblings;
}

std::vector<std::string_view> Store::sorted_keys() const {
  std::vector<std::string_view> keys;
  keys.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Store::for_each_in_buckets(
    uint64_t bucket_mask, const std::function<void(std::string_view, const Siblings&)>& fn) const {
  std::vector<std::string_view> keys;
  for (const auto& [key, entry] : entries_) {
    if (bucket_mask >> (entry.key_hash % kBuckets) & 1) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  for (std::string_view key : keys) fn(key, get(key));
}

void Store::clear() {
  entries_.clear();
  sibling_count_ = 0;
  digest_.fill(0);
}

}  // namespace kv
