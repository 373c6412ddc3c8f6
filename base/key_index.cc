#include "base/key_index.h"

#include "base/assert.h"

namespace kv {

uint32_t KeyIndex::add(std::string_view key, uint64_t hash) {
  KV_ASSERT(size() < kMaxKeys);
  if (2 * (size() + 1) > slots_.size()) grow();
  const auto fragment = static_cast<uint32_t>(hash);
  const size_t mask = slots_.size() - 1;
  size_t i = fragment & mask;
  while (slots_[i].id != 0) i = (i + 1) & mask;
  const auto id = static_cast<uint32_t>(size());
  slots_[i] = {fragment, id + 1};
  bytes_.append(key);
  starts_.push_back(bytes_.size());
  return id;
}

void KeyIndex::grow() {
  std::vector<Slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.id == 0) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].id != 0) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  slots_ = std::move(bigger);
}

void KeyIndex::clear() {
  slots_ = {};
  bytes_ = {};
  starts_ = {0};
}

}  // namespace kv
