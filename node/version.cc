#include "node/version.h"

#include "base/bytes.h"

namespace kv {

namespace {

using kv::mix64;
inline uint64_t mix(uint64_t h) {
  return mix64(h);
}

uint64_t version_hash(const std::string& value, const Clock& clock) {
  uint64_t h = stable_hash(value.data(), value.size());
  size_t len = clock.size();
  while (len > 0 && clock.at(len - 1) == 0) --len;
  for (size_t i = 0; i < len; ++i) h = (h ^ mix(clock.at(i) + i)) * 0x100000001b3ull;
  return mix(h ^ len);
}

}  // namespace

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
