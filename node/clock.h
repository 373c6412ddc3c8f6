// Vector clocks.
//
// A clock is an array of unsigned 64-bit counters; slot j belongs to node
// n(j+1). Clocks of different lengths compare as if the shorter one were
// padded with zeros, but a clock keeps the length it was given, so that a
// reply writes it back exactly as received.
//
// `a` dominates `b` when every slot of `a` is >= the same slot of `b` and at
// least one is >. Two clocks are concurrent when neither dominates the other
// and they are not equal (under padding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "base/small_vector.h"

namespace kv {

class Clock {
 public:
  Clock() = default;
  Clock(std::initializer_list<uint64_t> slots) { slots_.append(slots.begin(), slots.size()); }
  explicit Clock(const std::vector<uint64_t>& slots) { slots_.append(slots.data(), slots.size()); }
  // n slots, all zero.
  static Clock zeros(size_t n) {
    Clock c;
    c.slots_.resize(n, 0);
    return c;
  }

  size_t size() const { return slots_.size(); }
  // The slot's value; 0 past the end (zero padding).
  uint64_t at(size_t slot) const { return slot < slots_.size() ? slots_[slot] : 0; }
  std::span<const uint64_t> slots() const { return {slots_.data(), slots_.size()}; }

  // Point-wise maximum, in place; grows to the longer length.
  void merge(const Clock& other);
  // Grows the clock with zero slots to at least `n` slots.
  void pad_to(size_t n) {
    if (n > slots_.size()) slots_.resize(n, 0);
  }
  // Adds one to `slot`, growing the clock with zeros to reach it.
  // REQUIRES: the slot is below 2^64-1 (callers check; see can_increment).
  void increment(size_t slot);
  bool can_increment(size_t slot) const { return at(slot) != UINT64_MAX; }
  // Slot `slot` becomes at least `value` (padded with zeros to reach it).
  void raise(size_t slot, uint64_t value) {
    pad_to(slot + 1);
    if (slots_[slot] < value) slots_[slot] = value;
  }

  // Exact equality of the stored arrays, length included.
  bool operator==(const Clock& other) const;

 private:
  // Clocks of up to 6 slots (clusters of up to that many nodes) live inside
  // the Clock; longer ones on the heap.
  SmallVector<uint64_t, 6> slots_;
};

enum class Order {
  kEqual,       // same counters once padded
  kDominates,   // the left clock dominates the right one
  kDominated,   // the right clock dominates the left one
  kConcurrent,  // neither
};

// The order from whether some slot of the left clock is greater than the
// right one's, and whether some slot of the right one is greater.
inline Order order_from(bool left_greater, bool right_greater) {
  static_assert(static_cast<int>(Order::kEqual) == 0 && static_cast<int>(Order::kDominates) == 1 &&
                static_cast<int>(Order::kDominated) == 2 &&
                static_cast<int>(Order::kConcurrent) == 3);
  return static_cast<Order>(unsigned{left_greater} | unsigned{right_greater} << 1);
}

// compare() for clocks of any lengths.
Order compare_any(const Clock& a, const Clock& b);

// How `a` relates to `b`, with zero padding. (Two versions are ordered by
// their mechanism, node/causality.h, which may use this.) Inline for clocks
// of a few nodes and the same length, the common case: the equal slots are
// skipped one compare each (a write's clock usually differs from the one
// it replaces in one slot), and the first slot that differs says which
// clock may be above, so the slots after it are searched for the other
// direction only.
inline Order compare(const Clock& a, const Clock& b) {
  const size_t n = a.size();
  if (n != b.size() || n > 8) [[unlikely]]
    return compare_any(a, b);
  const uint64_t* x = a.slots().data();
  const uint64_t* y = b.slots().data();
  size_t i = 0;
  while (i < n && x[i] == y[i]) ++i;
  if (i == n) return Order::kEqual;
  if (x[i] > y[i]) {
    for (++i; i < n; ++i) {
      if (y[i] > x[i]) return Order::kConcurrent;
    }
    return Order::kDominates;
  }
  for (++i; i < n; ++i) {
    if (x[i] > y[i]) return Order::kConcurrent;
  }
  return Order::kDominated;
}

const char* to_string(Order order);

}  // namespace kv
