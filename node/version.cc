#include "node/version.h"

#include <cstring>

namespace kv {

namespace {

inline uint64_t mix(uint64_t h) {
  // splitmix64's finaliser.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

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
// (overlapping for 4..7 bytes, as wyhash does).
inline uint64_t load_tail(const unsigned char* p, size_t n) {
  if (n >= 4) return (load32(p) << 32) | load32(p + n - 4);
  if (n > 0) return (uint64_t{p[0]} << 16) | (uint64_t{p[n / 2]} << 8) | p[n - 1];
  return 0;
}

uint64_t version_hash(const std::string& value, const Clock& clock) {
  uint64_t h = stable_hash(value.data(), value.size());
  size_t len = clock.size();
  while (len > 0 && clock.at(len - 1) == 0) --len;
  for (size_t i = 0; i < len; ++i) h = (h ^ mix(clock.at(i) + i)) * 0x100000001b3ull;
  return mix(h ^ len);
}

}  // namespace

uint64_t stable_hash(const void* data, size_t size, uint64_t seed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ull ^ seed ^ (size * 0x9e3779b97f4a7c15ull);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) h = (h ^ mix(load64(bytes + i))) * 0x100000001b3ull;
  return mix(h ^ load_tail(bytes + i, size - i));
}

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin) {
  auto* v = new Version;
  v->hash = version_hash(value_json, clock);
  v->value = std::move(value_json);
  v->clock = std::move(clock);
  v->origin = origin;
  return VersionPtr(v);
}

bool same_version(const Version& a, const Version& b) {
  return a.hash == b.hash && a.value == b.value && compare(a.clock, b.clock) == Order::kEqual;
}

}  // namespace kv
