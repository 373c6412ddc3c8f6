// A set of keys, each numbered by a dense id (0, 1, 2, ... in the order the
// keys were first inserted), so that a table keeps what it knows of each key in
// plain arrays indexed by id. Keys are never removed one by one, only all at
// once (clear()), so ids stay valid and no tombstones are needed.
//
// Open addressing with linear probing over a power-of-two array of slots, at
// most half full. A slot is 8 bytes: the low 32 bits of the key's hash (they
// pick its home slot, and a table has at most 2^32 slots) and 1 + the key's
// id (0: an empty slot). The keys' bytes sit end to end in one string, so a
// key costs its bytes, one offset and about three slots: no allocation of its
// own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace kv {

class KeyIndex {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // `hash` is the caller's hash of `key`, any function of the key's bytes
  // alone, so that the caller can reuse it (the store's digest does).
  //
  // The key's id, or kAbsent.
  uint32_t find(std::string_view key, uint64_t hash) const;
  // The key's id, inserting the key first if it is new; a new key's id is the
  // size() before the call.
  uint32_t insert(std::string_view key, uint64_t hash) {
    const uint32_t found = find(key, hash);
    return found != kAbsent ? found : add(key, hash);
  }

  // REQUIRES: id < size().
  std::string_view key(uint32_t id) const {
    return std::string_view(bytes_).substr(starts_[id], starts_[id + 1] - starts_[id]);
  }
  size_t size() const { return starts_.size() - 1; }

  // Forgets every key and releases the memory.
  void clear();

 private:
  struct Slot {
    uint32_t hash = 0;  // the key's hash, low 32 bits
    uint32_t id = 0;    // 1 + the key's id; 0: empty
  };
  static constexpr uint64_t kMaxKeys = uint64_t{1} << 31;  // keeps slots under 2^32

  // Inserts a key. REQUIRES: the key is absent.
  uint32_t add(std::string_view key, uint64_t hash);
  void grow();

  std::vector<Slot> slots_;
  std::string bytes_;
  // Key i is bytes_[starts_[i], starts_[i + 1]); starts_[0] is 0.
  std::vector<uint64_t> starts_ = {0};
};

// Inline: every write looks its key up, in each store and in the oracle.
inline uint32_t KeyIndex::find(std::string_view key, uint64_t hash) const {
  if (slots_.empty()) return kAbsent;
  const auto fragment = static_cast<uint32_t>(hash);
  const size_t mask = slots_.size() - 1;
  for (size_t i = fragment & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id == 0) return kAbsent;
    if (slot.hash != fragment) continue;
    const uint32_t id = slot.id - 1;
    const uint64_t start = starts_[id];
    if (starts_[id + 1] - start != key.size()) continue;
    if (same_bytes(bytes_.data() + start, key.data(), key.size())) return id;
  }
}

}  // namespace kv
