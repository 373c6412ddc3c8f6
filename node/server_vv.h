// server-vv: one version vector per object, kept by the nodes (Dynamo; Riak
// before 2.0, vnode_vclocks). The client sends the context it holds (the
// object clock of its last read, or of its last put's returned body) and
// the coordinating node stamps the write:
//   coordinate  the key's object clock is the merge of its siblings' clocks;
//               if the context descends it, the write replaces them all
//               (Dot::kReplaced), otherwise it joins them as a sibling; in
//               both cases its clock is the merge of context and object
//               clock with the coordinator's slot + 1;
//   order       a is above b when a replaced what it found (kReplaced) and
//               b's clock is below a's; nothing else is ordered. So a
//               sibling write never removes a sibling, even one the
//               writer's context had seen: the false siblings that grow
//               into Riak's sibling explosion;
//   context     a reply's versions add their clocks (the object clock);
//   replace     a replacing write removes the siblings below it; a held
//               replacing write above a replicated one makes it stale.
// The order is a strict partial order (transitive: a above b above c means
// c's clock below b's below a's, and a replaced), so the oracle's maximal
// set and a store that applies writes in any order agree.
#pragma once

#include <span>

#include "node/causality.h"
#include "node/client_vv.h"
#include "node/server_side.h"

namespace kv {

class ServerVv final : public ServerSideCausality<ServerVv> {
 public:
  static constexpr Mechanism kMechanism = Mechanism::kServerVv;
  static constexpr bool kServerSide = true;

  static bool replaced(const Dot& d) { return (d.flags & Dot::kReplaced) != 0; }
  // a above b: a replaced, and b's clock is below a's.
  static bool above(const Clock& a, const Dot& a_dot, const Clock& b) {
    return replaced(a_dot) && compare(b, a) == Order::kDominated;
  }
  static Order order_of(const Clock& a, const Dot& a_dot, std::string_view a_value, const Clock& b,
                        const Dot& b_dot, std::string_view b_value) {
    if (a_dot == b_dot && a_value == b_value && compare(a, b) == Order::kEqual) {
      return Order::kEqual;
    }
    if (above(a, a_dot, b)) return Order::kDominates;
    if (above(b, b_dot, a)) return Order::kDominated;
    return Order::kConcurrent;
  }
  static Order order_of(const Version& a, const Version& b) {
    return order_of(a.clock, a.dot, a.value, b.clock, b.dot, b.value);
  }
  static Verdict verdict(const Version& held, const Version& write) {
    return static_cast<Verdict>(order_of(held, write));  // numbered alike (node/client_vv.h)
  }
  static Rank rank_of(const Clock& clock) { return ClientVvRank::of(clock); }
  // The client sends its context as it holds it.
  static void stamp_in_place(Clock& context, size_t, size_t nodes) { context.pad_to(nodes); }
  static bool can_stamp_of(const Clock&, size_t) { return true; }
  static void observe_of(Clock& context, const Version& version) { context.merge(version.clock); }
  static VersionPtr coordinate(std::span<const VersionPtr> held, const VersionPtr& write,
                               size_t slot, size_t nodes, uint64_t /*clock_us*/) {
    Clock object;
    for (const VersionPtr& h : held) object.merge(h->clock);
    const Order o = compare(write->clock, object);
    Clock clock = write->clock;
    clock.merge(object);
    clock.pad_to(nodes);
    if (clock.can_increment(slot)) clock.increment(slot);
    const uint32_t flags = o == Order::kEqual || o == Order::kDominates ? Dot::kReplaced : 0;
    return make_version(write->value, std::move(clock), write->origin,
                        Dot{static_cast<uint32_t>(slot), flags, 0});
  }

  Order order(VersionView a, VersionView b) const override {
    return order_of(a.clock, a.dot, a.value, b.clock, b.dot, b.value);
  }
  Rank rank(VersionView v) const override { return rank_of(v.clock); }
  void identity(VersionView v, std::vector<uint64_t>& out) const override {
    ClientVvRank::trimmed(v.clock, out);
    out.push_back(uint64_t{v.dot.node} << 32 | v.dot.flags);
  }
};

}  // namespace kv
