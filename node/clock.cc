#include "node/clock.h"

#include <algorithm>

#include "node/kv_assert.h"

namespace kv {

void Clock::merge(const Clock& other) {
  if (other.slots_.size() > slots_.size()) slots_.resize(other.slots_.size(), 0);
  for (size_t i = 0; i < other.slots_.size(); ++i) {
    slots_[i] = std::max(slots_[i], other.slots_[i]);
  }
}

void Clock::increment(size_t slot) {
  if (slot >= slots_.size()) slots_.resize(slot + 1, 0);
  KV_ASSERT(slots_[slot] != UINT64_MAX);
  ++slots_[slot];
}

Order compare(const Clock& a, const Clock& b) {
  const uint64_t* x = a.slots().data();
  const uint64_t* y = b.slots().data();
  const size_t nx = a.size(), ny = b.size();
  const size_t common = nx < ny ? nx : ny;
  bool a_greater = false;  // some slot of a is > the same slot of b
  bool b_greater = false;
  for (size_t i = 0; i < common; ++i) {
    a_greater |= x[i] > y[i];
    b_greater |= y[i] > x[i];
  }
  // Past the shorter clock the other is compared with zeros.
  for (size_t i = common; i < nx; ++i) a_greater |= x[i] != 0;
  for (size_t i = common; i < ny; ++i) b_greater |= y[i] != 0;
  if (a_greater && b_greater) return Order::kConcurrent;
  if (a_greater) return Order::kDominates;
  if (b_greater) return Order::kDominated;
  return Order::kEqual;
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
