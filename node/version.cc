#include "node/version.h"

#include "node/bytes.h"

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
