// What the three server-side mechanisms (server-vv, dvv, lww) share in the
// causality seam: the node stamps a write from the client's context (padded
// to one slot per node, `Rules::stamp_in_place`), any context can be stamped,
// a write's verdict on a held version is their order, a client observes a
// version by merging its clock (dvv adds its dot), and a node's slot is
// removed from a clock as client-vv removes it. `Rules` is the final class
// (CRTP): its static rules are the ones the templates call inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "node/causality.h"

namespace kv {

template <class Rules>
class ServerSideCausality : public Causality {
 public:
  Mechanism mechanism() const final { return Rules::kMechanism; }
  Clock stamp(const Clock& context, size_t slot, size_t nodes) const final {
    Clock clock = context;
    Rules::stamp_in_place(clock, slot, nodes);
    return clock;
  }
  bool can_stamp(const Clock&, size_t) const final { return true; }
  bool server_side() const final { return true; }
  void observe(Clock& context, VersionView version) const override { context.merge(version.clock); }
  Verdict judge(VersionView held, VersionView write) const final {
    return static_cast<Verdict>(order(held, write));
  }
  void drop_node(std::vector<uint64_t>& clock, size_t slot) const final {
    if (clock.size() > slot) clock.erase(clock.begin() + static_cast<std::ptrdiff_t>(slot));
  }
};

}  // namespace kv
