#include "node/clock.h"

#include <algorithm>

#include "base/assert.h"

namespace kv {

bool Clock::operator==(const Clock& other) const {
  return std::ranges::equal(slots(), other.slots());
}

void Clock::merge(const Clock& other) {
  const size_t n = other.slots_.size();
  if (n > slots_.size()) slots_.resize(n, 0);
  uint64_t* mine = slots_.data();
  const uint64_t* theirs = other.slots_.data();
  for (size_t i = 0; i < n; ++i) mine[i] = std::max(mine[i], theirs[i]);
}

void Clock::increment(size_t slot) {
  if (slot >= slots_.size()) slots_.resize(slot + 1, 0);
  uint64_t& value = slots_[slot];
  KV_ASSERT(value != UINT64_MAX);
  ++value;
}

Order compare_any(const Clock& a, const Clock& b) {
  const uint64_t* x = a.slots().data();
  const uint64_t* y = b.slots().data();
  const size_t nx = a.size(), ny = b.size();
  const size_t common = nx < ny ? nx : ny;
  unsigned a_greater = 0;  // some slot of a is > the same slot of b
  unsigned b_greater = 0;
  size_t i = 0;
  // Clocks of many nodes are mostly equal slot for slot: skip equal runs
  // four slots at a time and compare one by one only where something
  // differs.
  for (; i + 4 <= common; i += 4) {
    const uint64_t differ =
        (x[i] ^ y[i]) | (x[i + 1] ^ y[i + 1]) | (x[i + 2] ^ y[i + 2]) | (x[i + 3] ^ y[i + 3]);
    if (differ == 0) continue;
    for (size_t j = i; j < i + 4; ++j) {
      a_greater |= x[j] > y[j];
      b_greater |= y[j] > x[j];
    }
    if (a_greater & b_greater) return Order::kConcurrent;
  }
  for (; i < common; ++i) {
    a_greater |= x[i] > y[i];
    b_greater |= y[i] > x[i];
  }
  // Past the shorter clock the other is compared with zeros.
  for (size_t j = common; j < nx; ++j) a_greater |= x[j] != 0;
  for (size_t j = common; j < ny; ++j) b_greater |= y[j] != 0;
  return order_from(a_greater, b_greater);
}

const char* to_string(Order order) {
  switch (order) {
    case Order::kEqual:
      return "equal";
    case Order::kDominates:
      return "dominates";
    case Order::kDominated:
      return "dominated";
    case Order::kConcurrent:
      return "concurrent";
  }
  return "?";
}

}  // namespace kv
