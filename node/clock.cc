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
  const std::vector<uint64_t>& x = a.slots();
  const std::vector<uint64_t>& y = b.slots();
  const size_t n = std::max(x.size(), y.size());
  bool a_greater = false;  // some slot of a is > the same slot of b
  bool b_greater = false;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t xi = i < x.size() ? x[i] : 0;
    const uint64_t yi = i < y.size() ? y[i] : 0;
    a_greater |= xi > yi;
    b_greater |= yi > xi;
  }
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
