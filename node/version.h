// A written version: a value with what its mechanism records beside it
// (node/causality.h): under client-vv, its vector clock. Whether two
// versions are the same, or one is above the other, is the mechanism's to
// say (Causality::order).
//
// Versions are immutable once made and shared (a replicated write is the same
// Version object on every node that holds it), so copying one is a reference
// count, not a string and an array.
//
// The value is kept as its JSON text, written as json::dump writes it, so
// "the same value" is the same text and a reply can splice it back unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "base/hash.h"
#include "node/clock.h"

namespace kv {

class VersionPtr;

// What a server-side mechanism records beside a version's clock
// (node/causality.h). dvv: the version's dot, (node, counter); server-vv: the
// coordinating node, and whether the write replaced everything it held
// (kReplaced); lww: the coordinating node and its physical clock's reading
// in microseconds as the counter (kTimestamp). Under client-vv it is unset
// (node kNone) and in no hash.
struct Dot {
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kReplaced = 1;   // server-vv's flag
  static constexpr uint32_t kTimestamp = 2;  // lww's: the counter is a timestamp (us)
  uint32_t node = kNone;
  uint32_t flags = 0;
  uint64_t counter = 0;
  bool set() const { return node != kNone; }
  bool operator==(const Dot&) const = default;
};

struct Version {
  std::string value;  // JSON text
  Clock clock;
  Dot dot;  // a server-side mechanism's metadata (unset under client-vv)
  // Hash of (value, clock with trailing zeros ignored, the dot if set): equal versions hash
  // equal on every replica, which is what anti-entropy digests rely on.
  uint64_t hash = 0;
  // Which write created this version: the simulator numbers client writes
  // from 1 so its checker can tell an accepted version from an invented one
  // in O(1). 0 where nobody numbers them (the line protocol).
  uint64_t origin = 0;

 private:
  friend class VersionPtr;
  uint64_t refs_ = 0;  // how many VersionPtrs point here
};

// A shared, immutable Version, reference-counted in the Version itself.
// kvsim is single-threaded, so the count is a plain integer: copying a
// VersionPtr is one increment, with no atomic instruction (std::shared_ptr
// would pay a locked one on every copy).
class VersionPtr {
 public:
  VersionPtr() = default;
  VersionPtr(std::nullptr_t) {}  // NOLINT: a null VersionPtr reads naturally
  VersionPtr(const VersionPtr& other) : p_(other.p_) {
    if (p_) ++p_->refs_;
  }
  VersionPtr(VersionPtr&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  VersionPtr& operator=(const VersionPtr& other) {
    VersionPtr(other).swap(*this);
    return *this;
  }
  VersionPtr& operator=(VersionPtr&& other) noexcept {
    VersionPtr(std::move(other)).swap(*this);
    return *this;
  }
  ~VersionPtr() { reset(); }

  void reset() {
    if (p_ && --p_->refs_ == 0) recycle(p_);
    p_ = nullptr;
  }
  void swap(VersionPtr& other) noexcept { std::swap(p_, other.p_); }

  const Version* get() const { return p_; }
  const Version& operator*() const { return *p_; }
  const Version* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  bool operator==(std::nullptr_t) const { return p_ == nullptr; }

 private:
  friend VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin);
  friend VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin, Dot dot);
  explicit VersionPtr(Version* p) : p_(p) { ++p_->refs_; }
  // Destroys a version nobody points at; its memory is kept for the next
  // make_version on this thread (a run makes and drops a version per write).
  static void recycle(Version* p);

  Version* p_ = nullptr;
};

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin = 0);
// The same, with a server-side mechanism's dot.
VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin, Dot dot);

// Told, on the thread that installed it, when a version with a nonzero
// origin is made and when the last VersionPtr to one goes: the simulator's
// truth forgets a write once no version of it is left anywhere (in a store, a
// message, a client's hands), so that its memory does not grow with the run.
class VersionWatch {
 public:
  virtual void made(uint64_t origin) = 0;
  virtual void dropped(uint64_t origin) = 0;

 protected:
  ~VersionWatch() = default;
};
// Installs `watch` (nullptr: none) for this thread; returns the one it
// replaces.
VersionWatch* watch_versions(VersionWatch* watch);

}  // namespace kv
