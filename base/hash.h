// The stable hash: a small 64-bit hash of bytes, the same on every platform,
// build and run (unlike std::hash), so that what depends on it — anti-entropy
// digests, the generator's stream seeds, a scenario's fingerprint — is too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kv {

// splitmix64's finaliser: every input bit reaches every output bit.
inline uint64_t mix64(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Words of the input mixed with mix64, then the length and the tail.
uint64_t stable_hash(const void* data, size_t size, uint64_t seed = 0);

// A hash as the outputs write it: 16 lowercase hex digits.
std::string hex64(uint64_t v);

}  // namespace kv
