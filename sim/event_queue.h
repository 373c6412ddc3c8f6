// The event queue: a binary min-heap totally ordered by (time, seq).
//
// `seq` increases on every push, so events at the same time run first in,
// first out, and the order never depends on a container's iteration order or
// on pointer values. Popping asserts that time never goes backwards.
#pragma once

#include <cstdint>
#include <vector>

#include "node/kv_assert.h"
#include "sim/time.h"

namespace kv::sim {

struct Event {
  int64_t time_us;
  uint64_t seq;
  uint32_t kind;   // what to do (the simulation's own enum)
  uint32_t arg32;  // small argument (a node, an attempt number)
  uint64_t arg;    // e.g. a message slot, an operation index

  bool before(const Event& other) const {
    return time_us != other.time_us ? time_us < other.time_us : seq < other.seq;
  }
};

class EventQueue {
 public:
  void push(SimTime at, uint32_t kind, uint64_t arg, uint32_t arg32 = 0) {
    KV_ASSERT(at.us >= now_us_);
    heap_.push_back(Event{at.us, next_seq_++, kind, arg32, arg});
    sift_up(heap_.size() - 1);
  }

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty().
  const Event& top() const { return heap_.front(); }

  // Removes and returns the earliest event and advances time to it.
  Event pop() {
    KV_ASSERT(!heap_.empty());
    const Event top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    KV_ASSERT(top.time_us >= now_us_);
    now_us_ = top.time_us;
    return top;
  }

  SimTime now() const { return {now_us_}; }

 private:
  void sift_up(size_t i) {
    const Event e = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!e.before(heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  void sift_down(size_t i) {
    const size_t n = heap_.size();
    const Event e = heap_[i];
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].before(heap_[child])) ++child;
      if (!heap_[child].before(e)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
  int64_t now_us_ = 0;
};

}  // namespace kv::sim
