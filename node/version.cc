#include "node/version.h"

#include <new>
#include <vector>

#include "base/bytes.h"

namespace kv {

namespace {

using kv::mix64;
inline uint64_t mix(uint64_t h) {
  return mix64(h);
}

// Inline: it is most of making a version, on every write.
[[gnu::always_inline]] inline uint64_t version_hash(const std::string& value, const Clock& clock) {
  uint64_t h = stable_hash(value.data(), value.size());
  size_t len = clock.size();
  while (len > 0 && clock.at(len - 1) == 0) --len;
  for (size_t i = 0; i < len; ++i) h = (h ^ mix(clock.at(i) + i)) * 0x100000001b3ull;
  return mix(h ^ len);
}

// Memory of destroyed Versions, kept per thread for the next ones: a write
// makes a version and supersedes one, and malloc and free cost more than
// the rest of making one. At most kMaxKept blocks are kept; the rest go back
// to the allocator, and so does all of it when the thread ends.
class VersionMemory {
 public:
  static constexpr size_t kMaxKept = 4096;
  ~VersionMemory() {
    for (void* block : kept_) ::operator delete(block);
  }
  void* take() {
    if (kept_.empty()) return ::operator new(sizeof(Version));
    void* block = kept_.back();
    kept_.pop_back();
    return block;
  }
  void give(void* block) {
    if (kept_.size() < kMaxKept) {
      kept_.push_back(block);
    } else {
      ::operator delete(block);
    }
  }

 private:
  std::vector<void*> kept_;
};

thread_local VersionMemory memory;
thread_local VersionWatch* watch = nullptr;

}  // namespace

VersionWatch* watch_versions(VersionWatch* w) {
  VersionWatch* before = watch;
  watch = w;
  return before;
}

void VersionPtr::recycle(Version* p) {
  if (watch != nullptr && p->origin != 0) [[unlikely]]
    watch->dropped(p->origin);
  p->~Version();
  memory.give(p);
}

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin) {
  auto* v = new (memory.take()) Version;
  v->hash = version_hash(value_json, clock);
  v->value = std::move(value_json);
  v->clock = std::move(clock);
  v->origin = origin;
  if (watch != nullptr && origin != 0) [[unlikely]]
    watch->made(origin);
  return VersionPtr(v);
}

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin, Dot dot) {
  auto* v = new (memory.take()) Version;
  v->hash = version_hash(value_json, clock);
  if (dot.set()) {
    v->hash = mix(v->hash ^ mix(uint64_t{dot.node} << 32 | dot.flags) ^ mix(dot.counter + 1));
  }
  v->value = std::move(value_json);
  v->clock = std::move(clock);
  v->origin = origin;
  v->dot = dot;
  if (watch != nullptr && origin != 0) [[unlikely]]
    watch->made(origin);
  return VersionPtr(v);
}

}  // namespace kv
