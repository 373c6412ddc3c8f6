#include "node/names.h"

#include "base/assert.h"

namespace kv {

std::string node_name(size_t slot) {
  return "n" + std::to_string(slot + 1);
}

uint32_t name_number(std::string_view name) {
  KV_ASSERT(name.size() >= 2);
  uint64_t n = 0;
  for (char c : name.substr(1)) {
    KV_ASSERT(c >= '0' && c <= '9');
    n = n * 10 + static_cast<uint64_t>(c - '0');
    KV_ASSERT(n <= UINT32_MAX);
  }
  return static_cast<uint32_t>(n);
}

}  // namespace kv
