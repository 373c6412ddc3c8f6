#include "base/hash.h"

#include <cstdio>

#include "base/bytes.h"

namespace kv {

uint64_t stable_hash(const void* data, size_t size, uint64_t seed) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  uint64_t h = 0xcbf29ce484222325ull ^ seed ^ (size * 0x9e3779b97f4a7c15ull);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) h = (h ^ mix64(load64(bytes + i))) * 0x100000001b3ull;
  return mix64(h ^ load_tail(bytes + i, size - i));
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace kv
