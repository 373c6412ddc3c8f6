// The event queue: a binary min-heap totally ordered by (time, seq).
//
// `seq` increases on every push, so events at the same time run first in,
// first out, and the order never depends on a container's iteration order or
// on pointer values. Popping asserts that time never goes backwards.
//
// The order key is one 128-bit integer, time in the high half and seq in the
// low half, so comparing two events is one comparison. pop() uses the
// "bottom-up" sift: the hole left by the minimum walks down to a leaf along
// the smaller children (one comparison per level), then the last element is
// sifted up from there, which usually takes a step or two.
#pragma once

#include <cstdint>
#include <vector>

#include "node/kv_assert.h"
#include "sim/time.h"

namespace kv::sim {

struct Event {
  uint128 key;     // (time_us << 64) | seq
  uint64_t arg;    // e.g. a message slot, an operation index
  uint32_t kind;   // what to do (the simulation's own enum)
  uint32_t arg32;  // small argument (a node, an attempt number)

  int64_t time_us() const { return static_cast<int64_t>(key >> 64); }
};

class EventQueue {
 public:
  // REQUIRES: `at` is not before now().
  void push(SimTime at, uint32_t kind, uint64_t arg, uint32_t arg32 = 0) {
    KV_ASSERT(at.us >= now_us_);
    const uint128 key = (static_cast<uint128>(at.us) << 64) | next_seq_++;
    heap_.push_back(Event{key, arg, kind, arg32});
    sift_up(heap_.size() - 1, heap_.back());
  }

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty().
  const Event& top() const { return heap_.front(); }

  // Removes and returns the earliest event and advances time to it.
  Event pop() {
    KV_ASSERT(!heap_.empty());
    const Event top = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const size_t n = heap_.size();
    if (n > 0) {
      size_t hole = 0;
      for (size_t child = 1; child < n; child = 2 * hole + 1) {
        if (child + 1 < n && heap_[child + 1].key < heap_[child].key) ++child;
        heap_[hole] = heap_[child];
        hole = child;
      }
      sift_up(hole, last);
    }
    KV_ASSERT(top.time_us() >= now_us_);
    now_us_ = top.time_us();
    return top;
  }

  SimTime now() const { return {now_us_}; }

 private:
  void sift_up(size_t i, const Event e) {
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!(e.key < heap_[parent].key)) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
  int64_t now_us_ = 0;
};

}  // namespace kv::sim
