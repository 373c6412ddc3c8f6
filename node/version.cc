#include "node/version.h"

namespace kv {

uint64_t stable_hash(const void* data, size_t size, uint64_t seed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ull;
  }
  // splitmix64 finaliser: spreads the bits so that sums of hashes mix well.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

namespace {

uint64_t version_hash(const std::string& value, const Clock& clock) {
  uint64_t h = stable_hash(value.data(), value.size());
  size_t len = clock.size();
  while (len > 0 && clock.at(len - 1) == 0) --len;
  return stable_hash(clock.slots().data(), len * sizeof(uint64_t), h);
}

}  // namespace

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin) {
  auto v = std::make_shared<Version>();
  v->hash = version_hash(value_json, clock);
  v->value = std::move(value_json);
  v->clock = std::move(clock);
  v->origin = origin;
  return v;
}

bool same_version(const Version& a, const Version& b) {
  return a.hash == b.hash && a.value == b.value && compare(a.clock, b.clock) == Order::kEqual;
}

}  // namespace kv
