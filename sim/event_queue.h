// The event queue: events totally ordered by (time, push order).
//
// Events at the same time run first in, first out, and the order never
// depends on a container's iteration order or on pointer values. Popping
// asserts that time never goes backwards.
//
// Most events of a run are due soon: a message's delay, a timeout, the next
// anti-entropy tick. Those within kWindow microseconds of now() sit in a
// calendar of one-microsecond buckets (a ring indexed by time modulo
// kWindow); a bucket holds the events due at that exact time, so it is a
// first-in-first-out list and needs no comparisons at all. A two-level bitmap
// of the non-empty buckets finds the next one in a few instructions. Events
// further ahead wait in a binary heap ordered by (time, seq) and move into
// the calendar as soon as time comes within kWindow of them; they move
// before any later push can reach their bucket (a push lands in the calendar
// only within the window), so a bucket stays in push order.
//
// push, top and pop run once or twice per event: they are forced inline, as
// the compiler left them out of line (some 40 instructions an event) once
// the run loop grew or a unity build put more code in one unit.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/assert.h"
#include "base/time.h"

namespace kv::sim {

struct ScheduledEvent {
  int64_t time;    // microseconds
  uint64_t arg;    // e.g. a message slot, an operation index
  uint32_t kind;   // what to do (the simulation's own enum)
  uint32_t arg32;  // small argument (a node, an attempt number)

  int64_t time_us() const { return time; }
};

class EventQueue {
 public:
  EventQueue() : buckets_(new Bucket[kWindow]) {}

  // REQUIRES: `at` is not before now().
  [[gnu::always_inline]] void push(SimTime at, uint32_t kind, uint64_t arg, uint32_t arg32 = 0) {
    KV_ASSERT(at.us >= now_us_);
    const ScheduledEvent e{at.us, arg, kind, arg32};
    if (at.us - now_us_ < kWindow) {
      append(e);
    } else {
      later_.push_back(Later{(static_cast<uint128>(at.us) << 64) | next_seq_++, e});
      sift_up(later_.size() - 1);
    }
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // The earliest event. REQUIRES: !empty().
  [[gnu::always_inline]] const ScheduledEvent& top() const {
    KV_ASSERT(size_ > 0);
    if (near_ == 0) return later_.front().event;
    return nodes_[buckets_[next_bucket()].head].event;
  }

  // Removes and returns the earliest event and advances time to it.
  [[gnu::always_inline]] ScheduledEvent pop() {
    KV_ASSERT(size_ > 0);
    const ScheduledEvent e = near_ > 0 ? take(next_bucket()) : pop_later();
    --size_;
    KV_ASSERT(e.time >= now_us_);
    now_us_ = e.time;
    while (!later_.empty() && later_.front().event.time - now_us_ < kWindow) append(pop_later());
    return e;
  }

  SimTime now() const { return {now_us_}; }

 private:
  static constexpr int64_t kWindow = int64_t{1} << 16;  // microseconds: 65.5 ms
  static constexpr size_t kWords = kWindow / 64;        // bitmap of non-empty buckets
  static constexpr size_t kSummaryWords = kWords / 64;  // bitmap of non-zero words
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Node {
    ScheduledEvent event;
    uint32_t next;  // the bucket's next node, or the free list's
  };
  struct Bucket {
    uint32_t head;  // valid while the bucket's bit is set
    uint32_t tail;
  };
  struct Later {
    uint128 key;  // (time << 64) | seq
    ScheduledEvent event;
  };

  static size_t bucket_of(int64_t time) { return static_cast<size_t>(time) & (kWindow - 1); }

  [[gnu::always_inline]] void append(const ScheduledEvent& e) {
    uint32_t index;
    if (free_ != kNone) {
      index = free_;
      free_ = nodes_[index].next;
      nodes_[index] = Node{e, kNone};
    } else {
      index = static_cast<uint32_t>(nodes_.size());
      KV_ASSERT(index != kNone);
      nodes_.push_back(Node{e, kNone});
    }
    const size_t b = bucket_of(e.time);
    Bucket& bucket = buckets_[b];
    uint64_t& word = words_[b / 64];
    if (word >> (b % 64) & 1) {
      nodes_[bucket.tail].next = index;
    } else {
      bucket.head = index;
      if (word == 0) summary_[b / 64 / 64] |= uint64_t{1} << (b / 64 % 64);
      word |= uint64_t{1} << (b % 64);
    }
    bucket.tail = index;
    ++near_;
  }

  [[gnu::always_inline]] ScheduledEvent take(size_t b) {
    Bucket& bucket = buckets_[b];
    const uint32_t index = bucket.head;
    Node& node = nodes_[index];
    if (index == bucket.tail) {
      uint64_t& word = words_[b / 64];
      word &= ~(uint64_t{1} << (b % 64));
      if (word == 0) summary_[b / 64 / 64] &= ~(uint64_t{1} << (b / 64 % 64));
    } else {
      bucket.head = node.next;
    }
    node.next = free_;
    free_ = index;
    --near_;
    return node.event;
  }

  // The calendar's earliest bucket: the first non-empty one from now()'s,
  // going round the ring (every event in it is due before now() + kWindow).
  // REQUIRES: near_ > 0.
  [[gnu::always_inline]] size_t next_bucket() const {
    const size_t start = bucket_of(now_us_);
    size_t w = start / 64;
    const uint64_t bits = words_[w] & (~uint64_t{0} << (start % 64));
    if (bits != 0) return w * 64 + static_cast<size_t>(std::countr_zero(bits));
    // The next non-zero word after w, round the ring (back to w itself if the
    // only events left are in w's buckets before start: the window's end).
    w = (w + 1) % kWords;
    size_t s = w / 64;
    uint64_t summary = summary_[s] & (~uint64_t{0} << (w % 64));
    while (summary == 0) {
      s = (s + 1) % kSummaryWords;
      summary = summary_[s];
    }
    w = s * 64 + static_cast<size_t>(std::countr_zero(summary));
    return w * 64 + static_cast<size_t>(std::countr_zero(words_[w]));
  }

  ScheduledEvent pop_later() {
    const ScheduledEvent e = later_.front().event;
    const Later last = later_.back();
    later_.pop_back();
    if (!later_.empty()) {
      size_t hole = 0;
      const size_t n = later_.size();
      for (size_t child = 1; child < n; child = 2 * hole + 1) {
        if (child + 1 < n && later_[child + 1].key < later_[child].key) ++child;
        if (!(later_[child].key < last.key)) break;
        later_[hole] = later_[child];
        hole = child;
      }
      later_[hole] = last;
    }
    return e;
  }

  void sift_up(size_t i) {
    const Later e = later_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!(e.key < later_[parent].key)) break;
      later_[i] = later_[parent];
      i = parent;
    }
    later_[i] = e;
  }

  // Not value-initialised: a bucket is read only while its bit is set, and
  // untouched pages of the ring cost nothing.
  std::unique_ptr<Bucket[]> buckets_;
  uint64_t words_[kWords] = {};
  uint64_t summary_[kSummaryWords] = {};
  std::vector<Node> nodes_;   // the calendar's events, in per-bucket lists
  uint32_t free_ = kNone;     // recycled nodes, most recently freed first
  size_t near_ = 0;           // events in the calendar
  std::vector<Later> later_;  // events kWindow or more ahead: a binary heap
  size_t size_ = 0;
  uint64_t next_seq_ = 0;
  int64_t now_us_ = 0;
};

}  // namespace kv::sim
