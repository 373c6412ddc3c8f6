// dvv: dotted version vectors (Preguiça, Baquero, Almeida, Fonte, Gonçalves,
// "Dotted Version Vectors: Logical Clocks for Optimistic Replication"; Riak
// 2.0's dvv_enabled). Each sibling carries its own dot, the (node, counter)
// event that wrote it, beside the context its client sent (a version
// vector: the writes it had seen).
//   coordinate  the coordinating node n gives the write the dot
//               (n, c + 1), c the highest counter of n it knows for the
//               key: in the context, and in the siblings' contexts and dots;
//   order       a is above b when a's context covers b's dot
//               (context[b.node] >= b.counter); the same dot is the same
//               version;
//   context     a reply's versions add their contexts and their dots;
//   replace     a write removes exactly the siblings whose dots its context
//               covers; a held version whose context covers the write's dot
//               makes it stale (it was superseded here before it arrived).
// Contexts are causal histories (a client's context covers whatever covered
// what it had seen), so the order is transitive.
//
// A node that forgets its store (an amnesia crash) may give a dot again: as
// in Riak, where a vnode that loses its data takes a new identity, which
// kvsim does not model.
#pragma once

#include <algorithm>
#include <span>

#include "node/causality.h"
#include "node/client_vv.h"
#include "node/server_side.h"

namespace kv {

class Dvv final : public ServerSideCausality<Dvv> {
 public:
  static constexpr Mechanism kMechanism = Mechanism::kDvv;
  static constexpr bool kServerSide = true;

  // a's context covers b's dot.
  static bool covers_dot(const Clock& a, const Dot& b) {
    return b.set() && a.at(b.node) >= b.counter;
  }
  static Order order_of(const Clock& a, const Dot& a_dot, std::string_view a_value, const Clock& b,
                        const Dot& b_dot, std::string_view b_value) {
    if (a_dot == b_dot) return a_value == b_value ? Order::kEqual : Order::kConcurrent;
    if (covers_dot(a, b_dot)) return Order::kDominates;
    if (covers_dot(b, a_dot)) return Order::kDominated;
    return Order::kConcurrent;
  }
  static Order order_of(const Version& a, const Version& b) {
    return order_of(a.clock, a.dot, a.value, b.clock, b.dot, b.value);
  }
  static Verdict verdict(const Version& held, const Version& write) {
    return static_cast<Verdict>(order_of(held, write));  // numbered alike (node/client_vv.h)
  }
  // The context with the dot in it: if a is above b, a's is above b's.
  static Rank rank_of(const Clock& clock, const Dot& dot) {
    Clock with_dot = clock;
    if (dot.set()) with_dot.raise(dot.node, dot.counter);
    return ClientVvRank::of(with_dot);
  }
  static void stamp_in_place(Clock& context, size_t, size_t nodes) { context.pad_to(nodes); }
  static bool can_stamp_of(const Clock&, size_t) { return true; }
  static void observe_of(Clock& context, const Version& version) {
    context.merge(version.clock);
    if (version.dot.set()) context.raise(version.dot.node, version.dot.counter);
  }
  static VersionPtr coordinate(std::span<const VersionPtr> held, const VersionPtr& write,
                               size_t slot, size_t nodes, uint64_t /*clock_us*/) {
    uint64_t highest = write->clock.at(slot);
    for (const VersionPtr& h : held) {
      highest = std::max(highest, h->clock.at(slot));
      if (h->dot.node == slot) highest = std::max(highest, h->dot.counter);
    }
    Clock context = write->clock;
    context.pad_to(nodes);
    return make_version(write->value, std::move(context), write->origin,
                        Dot{static_cast<uint32_t>(slot), 0, highest + 1});
  }

  Order order(VersionView a, VersionView b) const override {
    return order_of(a.clock, a.dot, a.value, b.clock, b.dot, b.value);
  }
  Rank rank(VersionView v) const override { return rank_of(v.clock, v.dot); }
  void identity(VersionView v, std::vector<uint64_t>& out) const override {
    out.push_back(v.dot.node);
    out.push_back(v.dot.counter);
  }
  void observe(Clock& context, VersionView version) const override {
    context.merge(version.clock);
    if (version.dot.set()) context.raise(version.dot.node, version.dot.counter);
  }
};

}  // namespace kv
