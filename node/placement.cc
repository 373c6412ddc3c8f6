#include "node/placement.h"

#include <algorithm>

#include "base/assert.h"
#include "base/hash.h"

namespace kv {

Placement Placement::everywhere(uint32_t nodes) {
  Placement p;
  p.nodes_ = nodes;
  p.all_.reserve(nodes);
  for (Endpoint e = 0; e < nodes; ++e) p.all_.push_back(e);
  return p;
}

Placement Placement::ring(const std::vector<std::string>& names, uint32_t n) {
  KV_ASSERT(n >= 1 && n <= names.size());
  Placement p = everywhere(static_cast<uint32_t>(names.size()));
  p.n_ = n;
  for (Endpoint node = 0; node < names.size(); ++node) {
    const std::string& name = names[node];
    for (uint32_t point = 0; point < kRingPoints; ++point) {
      p.ring_.push_back({stable_hash(name.data(), name.size(), point + 1), node});
    }
  }
  // Ties (two equal hashes) are ordered by node, so the ring is the same
  // whatever the order of construction.
  std::sort(p.ring_.begin(), p.ring_.end(), [](const Point& a, const Point& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.node < b.node;
  });
  return p;
}

Placement::List Placement::ring_walk(std::string_view key) const {
  List out;
  if (everywhere()) {
    for (const Endpoint e : all_) out.push_back(e);
    return out;
  }
  const uint64_t h = stable_hash(key.data(), key.size());
  auto start = std::lower_bound(ring_.begin(), ring_.end(), h,
                                [](const Point& p, uint64_t v) { return p.hash < v; });
  size_t i = static_cast<size_t>(start - ring_.begin());
  std::vector<bool> seen(nodes_, false);
  for (size_t step = 0; step < ring_.size() && out.size() < nodes_; ++step) {
    const Point& p = ring_[(i + step) % ring_.size()];
    if (seen[p.node]) continue;
    seen[p.node] = true;
    out.push_back(p.node);
  }
  return out;
}

Placement::List Placement::replicas_of(std::string_view key) const {
  List walk = ring_walk(key);
  List out;
  for (size_t i = 0; i < walk.size() && i < n(); ++i) out.push_back(walk[i]);
  return out;
}

bool Placement::holds(std::string_view key, Endpoint node) const {
  if (everywhere()) return node < nodes_;
  for (const Endpoint e : replicas_of(key)) {
    if (e == node) return true;
  }
  return false;
}

}  // namespace kv
