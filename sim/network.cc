#include "sim/network.h"

#include <algorithm>

#include "base/assert.h"
#include "history/format.h"

namespace kv::sim {

Network::Network(const NetworkOptions& options, uint32_t nodes, Rng rng, Rng fault_rng)
    : options_(options),
      n_(nodes),
      rng_(rng),
      fault_rng_(fault_rng),
      cut_(static_cast<size_t>(nodes) * nodes, 0) {
  if (options_.delays.empty()) return;
  by_role_on_ = true;
  by_role_.assign(std::size(kRoleNames), nullptr);
  for (const auto& [role, delay] : options_.delays) by_role_[static_cast<size_t>(role)] = &delay;
}

namespace {

// A draw of a delay that is not a mixture.
inline Duration draw_simple(const DelaySpec& d, Rng& rng) {
  switch (d.dist) {
    case DelaySpec::Dist::kConstant:
      return d.value;
    case DelaySpec::Dist::kUniform:
      return {rng.between(d.min.us, d.max.us)};
    case DelaySpec::Dist::kExponential:
      return {rng.exponential(d.mean.us)};
    case DelaySpec::Dist::kPareto:
      return {rng.pareto(d.xm.us, d.alpha_num, d.alpha_den)};
    case DelaySpec::Dist::kMixture:
      break;
  }
  KV_ASSERT(false && "a mixture's part is not a mixture");
  return {};
}

}  // namespace

Duration draw_delay(const DelaySpec& d, Rng& rng) {
  if (d.dist != DelaySpec::Dist::kMixture) [[likely]]
    return draw_simple(d, rng);
  // One draw picks the part, the next draws from it.
  uint64_t pick = rng.below(Probability::kOne);
  for (const DelaySpec& part : d.parts) {
    if (pick < part.weight.ppb) return draw_simple(part, rng);
    pick -= part.weight.ppb;
  }
  KV_ASSERT(false && "a mixture's weights add up to one");
  return {};
}

// network.delay, drawn as draw_delay does: the common case, kept apart so
// that the draw inlines into fate().
Duration Network::draw_default() {
  const DelaySpec& d = options_.delay;
  switch (d.dist) {
    case DelaySpec::Dist::kConstant:
      return d.value;
    case DelaySpec::Dist::kUniform:
      return {rng_.between(d.min.us, d.max.us)};
    case DelaySpec::Dist::kExponential:
      return {rng_.exponential(d.mean.us)};
    case DelaySpec::Dist::kPareto:
    case DelaySpec::Dist::kMixture:
      break;
  }
  return draw_delay(d, rng_);
}

// A fate whose delays `draw` draws.
template <class Draw>
Network::Fate Network::fate_drawn(Draw draw) {
  Fate f;
  // Draw only what the scenario uses, so a lossless network's draws do not
  // depend on whether loss is checked.
  if (!options_.loss.never() && rng_.chance(options_.loss)) {
    f.lost = true;
    return f;
  }
  f.delay = draw();
  if (!options_.duplicate.never() && rng_.chance(options_.duplicate)) {
    f.duplicate = true;
    f.duplicate_delay = draw();
  }
  return f;
}

Network::Fate Network::fate(uint32_t, uint32_t) {
  return fate_drawn([this] { return draw_default(); });
}

Network::Fate Network::fate_with(const DelaySpec& delay) {
  return fate_drawn([&] { return draw_delay(delay, rng_); });
}

void Network::cut_between_groups(const std::vector<std::vector<NodeIndex>>& groups) {
  std::vector<int64_t> group_of(n_, -1);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (NodeIndex node : groups[g]) group_of[node] = static_cast<int64_t>(g);
  }
  for (uint32_t a = 0; a < n_; ++a) {
    for (uint32_t b = 0; b < n_; ++b) {
      if (group_of[a] != group_of[b]) cut_[static_cast<size_t>(a) * n_ + b] = 1;
    }
  }
}

Partition Network::partition(const PartitionSpec& spec) {
  using Shape = PartitionSpec::Shape;
  Partition p;
  switch (spec.shape) {
    case Shape::kGroups: {
      p.shape = history::format::shape::kGroups;
      p.groups = spec.groups;
      // Nodes not listed form one more group together.
      std::vector<uint8_t> listed(n_, 0);
      for (const auto& g : spec.groups) {
        for (NodeIndex node : g) listed[node] = 1;
      }
      std::vector<NodeIndex> rest;
      for (NodeIndex node = 0; node < n_; ++node) {
        if (!listed[node]) rest.push_back(node);
      }
      if (!rest.empty()) p.groups.push_back(rest);
      break;
    }
    case Shape::kIsolate: {
      p.shape = history::format::shape::kIsolate;
      std::vector<NodeIndex> rest;
      for (NodeIndex node = 0; node < n_; ++node) {
        if (node != spec.isolate) rest.push_back(node);
      }
      p.groups = {{spec.isolate}};
      if (!rest.empty()) p.groups.push_back(rest);
      break;
    }
    case Shape::kHalves: {
      p.shape = history::format::shape::kHalves;
      std::vector<NodeIndex> order(n_);
      for (NodeIndex i = 0; i < n_; ++i) order[i] = i;
      for (size_t i = n_; i > 1; --i) std::swap(order[i - 1], order[fault_rng_.below(i)]);
      std::vector<NodeIndex> a(order.begin(), order.begin() + n_ / 2);
      std::vector<NodeIndex> b(order.begin() + n_ / 2, order.end());
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (!a.empty()) p.groups.push_back(a);
      p.groups.push_back(b);
      break;
    }
    case Shape::kMajoritiesRing: {
      // Nodes on a ring drawn from the seed; each node keeps the links to the
      // nodes within distance d on the ring, d = ceil((majority - 1) / 2), so
      // every node still reaches a majority (itself included) but no two
      // neighbours see the same majority.
      p.shape = history::format::shape::kMajoritiesRing;
      std::vector<NodeIndex> order(n_);
      for (NodeIndex i = 0; i < n_; ++i) order[i] = i;
      for (size_t i = n_; i > 1; --i) std::swap(order[i - 1], order[fault_rng_.below(i)]);
      const uint32_t majority = n_ / 2 + 1;
      const uint32_t reach = majority / 2;  // == ceil((majority - 1) / 2)
      for (uint32_t i = 0; i < n_; ++i) {
        for (uint32_t j = 0; j < n_; ++j) {
          const uint32_t dist = std::min((i + n_ - j) % n_, (j + n_ - i) % n_);
          if (dist > reach) cut_[static_cast<size_t>(order[i]) * n_ + order[j]] = 1;
        }
      }
      p.ring = order;
      return p;
    }
    case Shape::kOneWay: {
      p.shape = history::format::shape::kOneWay;
      p.from = spec.from;
      p.to = spec.to;
      for (NodeIndex a : spec.from) {
        for (NodeIndex b : spec.to) cut_[static_cast<size_t>(a) * n_ + b] = 1;
      }
      return p;
    }
  }
  cut_between_groups(p.groups);
  return p;
}

void Network::heal() {
  std::fill(cut_.begin(), cut_.end(), 0);
}

}  // namespace kv::sim
