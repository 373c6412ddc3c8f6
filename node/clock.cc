#include "node/clock.h"

#include <algorithm>

#include "node/kv_assert.h"

namespace kv {

void Clock::assign(const uint64_t* slots, size_t n) {
  KV_ASSERT(n <= UINT32_MAX);
  if (n > capacity_) {
    release();
    heap_ = new uint64_t[n];
    capacity_ = static_cast<uint32_t>(n);
  }
  std::copy(slots, slots + n, data());
  size_ = static_cast<uint32_t>(n);
}

void Clock::grow(size_t n) {
  KV_ASSERT(n <= UINT32_MAX);
  if (n <= size_) return;
  if (n > capacity_) {
    auto* bigger = new uint64_t[n];
    std::copy(data(), data() + size_, bigger);
    release();
    heap_ = bigger;
    capacity_ = static_cast<uint32_t>(n);
  }
  std::fill(data() + size_, data() + n, 0);
  size_ = static_cast<uint32_t>(n);
}

void Clock::take(Clock& other) {
  size_ = other.size_;
  capacity_ = other.capacity_;
  if (other.capacity_ > kInline) {
    heap_ = other.heap_;
  } else {
    std::copy(other.inline_, other.inline_ + other.size_, inline_);
  }
  other.size_ = 0;
  other.capacity_ = kInline;
}

void Clock::release() {
  if (capacity_ > kInline) delete[] heap_;
  capacity_ = kInline;
  size_ = 0;
}

bool Clock::operator==(const Clock& other) const {
  return size_ == other.size_ && std::equal(data(), data() + size_, other.data());
}

void Clock::merge(const Clock& other) {
  if (other.size_ > size_) grow(other.size_);
  uint64_t* mine = data();
  const uint64_t* theirs = other.data();
  for (size_t i = 0; i < other.size_; ++i) mine[i] = std::max(mine[i], theirs[i]);
}

void Clock::increment(size_t slot) {
  if (slot >= size_) grow(slot + 1);
  uint64_t& value = data()[slot];
  KV_ASSERT(value != UINT64_MAX);
  ++value;
}

Order compare(const Clock& a, const Clock& b) {
  const uint64_t* x = a.slots().data();
  const uint64_t* y = b.slots().data();
  const size_t nx = a.size(), ny = b.size();
  const size_t common = nx < ny ? nx : ny;
  bool a_greater = false;  // some slot of a is > the same slot of b
  bool b_greater = false;
  size_t i = 0;
  // Clocks of many nodes are mostly equal slot for slot: skip equal runs four
  // slots at a time and compare one by one only where something differs.
  for (; i + 4 <= common; i += 4) {
    const uint64_t differ =
        (x[i] ^ y[i]) | (x[i + 1] ^ y[i + 1]) | (x[i + 2] ^ y[i + 2]) | (x[i + 3] ^ y[i + 3]);
    if (differ == 0) continue;
    for (size_t j = i; j < i + 4; ++j) {
      a_greater |= x[j] > y[j];
      b_greater |= y[j] > x[j];
    }
    if (a_greater && b_greater) return Order::kConcurrent;
  }
  for (; i < common; ++i) {
    a_greater |= x[i] > y[i];
    b_greater |= y[i] > x[i];
  }
  // Past the shorter clock the other is compared with zeros.
  for (size_t j = common; j < nx; ++j) a_greater |= x[j] != 0;
  for (size_t j = common; j < ny; ++j) b_greater |= y[j] != 0;
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
