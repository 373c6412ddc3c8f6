// Loads of short byte strings with fixed-size reads only, for the stable hash
// and for comparing keys: keys are short, and a call to memcmp (or a loop over
// the bytes) costs more than two or three loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kv {

// Little-endian loads, the same on any host.
inline uint64_t load64(const unsigned char* p) {
  uint64_t word = 0;
  std::memcpy(&word, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  return word;
}

inline uint64_t load32(const unsigned char* p) {
  uint32_t word = 0;
  std::memcpy(&word, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap32(word);
#endif
  return word;
}

// The last 0..7 bytes of an input as one word, with fixed-size loads only
// (overlapping for 4..7 bytes, as wyhash does). Every byte reaches the word,
// so two tails of the same length are equal iff their words are.
inline uint64_t load_tail(const unsigned char* p, size_t n) {
  if (n >= 4) return (load32(p) << 32) | load32(p + n - 4);
  if (n > 0) return (uint64_t{p[0]} << 16) | (uint64_t{p[n / 2]} << 8) | p[n - 1];
  return 0;
}

// Whether the n bytes at a and at b are the same.
inline bool same_bytes(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (load64(x + i) != load64(y + i)) return false;
  }
  return load_tail(x + i, n - i) == load_tail(y + i, n - i);
}

}  // namespace kv
