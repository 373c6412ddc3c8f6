// client-vv: the client supplies a vector clock, and a key keeps the maximal
// (value, clock) versions written to it. The task's rules, and the first
// implementation of the causality seam (node/causality.h).
//
//   order     by the clocks, compared with zero padding (node/clock.h); equal
//             clocks are the same version only with the same value text,
//             otherwise concurrent;
//   stamp     `clock: auto` is the context the client holds (at least one
//             slot per node) with the slot of the node it writes to + 1;
//   context   a reply's versions add their clocks: the context is the
//             point-wise maximum of the clocks the client was sent;
//   replace   a write replaces every held version its clock dominates; a
//             held version whose clock dominates the write's makes it
//             stale; the same version held is a duplicate.
// A key needs nothing besides its siblings, and a version nothing besides
// its clock.
//
// The static members are the rules, inline, for code templated on the
// mechanism (the store, the oracle); the virtual ones call them.
#pragma once

#include <algorithm>
#include <span>

#include "node/causality.h"

namespace kv {

// Vector-clock helpers the clock-based mechanisms share.
struct ClientVvRank {
  // The sum of the slots: if a dominates b, sum(a) > sum(b).
  static Rank of(const Clock& clock) {
    uint64_t high = 0, low = 0;
    for (const uint64_t slot : clock.slots()) {
      const uint64_t before = low;
      low += slot;
      if (low < before) ++high;
    }
    return {high, low};
  }
  // The clock without its trailing zeros (equal under zero padding).
  static void trimmed(const Clock& clock, std::vector<uint64_t>& out) {
    std::span<const uint64_t> slots = clock.slots();
    while (!slots.empty() && slots.back() == 0) slots = slots.first(slots.size() - 1);
    out.insert(out.end(), slots.begin(), slots.end());
  }
};

class ClientVv final : public Causality {
 public:
  static constexpr Mechanism kMechanism = Mechanism::kClientVv;
  static constexpr bool kServerSide = false;

  // --- the rules, inline -----------------------------------------------------
  // The verdict from the clocks' order and whether the values are the same
  // text: one clock comparison.
  static Verdict verdict(Order clocks, bool same_value) {
    static_assert(static_cast<int>(Verdict::kDuplicate) == static_cast<int>(Order::kEqual) &&
                  static_cast<int>(Verdict::kStale) == static_cast<int>(Order::kDominates) &&
                  static_cast<int>(Verdict::kReplace) == static_cast<int>(Order::kDominated) &&
                  static_cast<int>(Verdict::kKeep) == static_cast<int>(Order::kConcurrent));
    // Equal clocks with different values are concurrent.
    if (clocks == Order::kEqual && !same_value) return Verdict::kKeep;
    return static_cast<Verdict>(clocks);
  }
  static Verdict verdict(const Version& held, const Version& write) {
    const Order clocks = compare(held.clock, write.clock);
    return verdict(clocks, clocks == Order::kEqual && held.value == write.value);
  }
  static Order order_of(const Clock& a, std::string_view a_value, const Clock& b,
                        std::string_view b_value) {
    const Order clocks = compare(a, b);
    return clocks == Order::kEqual && a_value != b_value ? Order::kConcurrent : clocks;
  }
  static Order order_of(const Version& a, const Version& b) {
    return order_of(a.clock, a.value, b.clock, b.value);
  }
  // The same version: the hash first (equal versions hash equal).
  static bool same(const Version& a, const Version& b) {
    return a.hash == b.hash && a.value == b.value && compare(a.clock, b.clock) == Order::kEqual;
  }
  static Rank rank_of(const Clock& clock) { return ClientVvRank::of(clock); }
  // `clock: auto`: the context, one slot per node at least, with `slot` + 1
  // (left as it is when the slot is at its maximum: see can_stamp).
  static void stamp_in_place(Clock& context, size_t slot, size_t nodes) {
    context.pad_to(nodes);
    if (context.can_increment(slot)) context.increment(slot);
  }
  static bool can_stamp_of(const Clock& context, size_t slot) {
    return context.can_increment(slot);
  }
  static void observe_of(Clock& context, const Version& version) { context.merge(version.clock); }
  // The client stamped the write: the node stores it as it came.
  static VersionPtr coordinate(std::span<const VersionPtr>, const VersionPtr& write, size_t, size_t,
                               uint64_t) {
    return write;
  }

  // --- the seam --------------------------------------------------------------
  Mechanism mechanism() const override { return kMechanism; }
  Order order(VersionView a, VersionView b) const override {
    return order_of(a.clock, a.value, b.clock, b.value);
  }
  Rank rank(VersionView v) const override { return rank_of(v.clock); }
  void identity(VersionView v, std::vector<uint64_t>& out) const override {
    ClientVvRank::trimmed(v.clock, out);
  }
  Clock stamp(const Clock& context, size_t slot, size_t nodes) const override {
    Clock clock = context;
    stamp_in_place(clock, slot, nodes);
    return clock;
  }
  bool server_side() const override { return kServerSide; }
  bool can_stamp(const Clock& context, size_t slot) const override {
    return can_stamp_of(context, slot);
  }
  void observe(Clock& context, VersionView version) const override { context.merge(version.clock); }
  Verdict judge(VersionView held, VersionView write) const override {
    const Order clocks = compare(held.clock, write.clock);
    return verdict(clocks, clocks == Order::kEqual && held.value == write.value);
  }
  void drop_node(std::vector<uint64_t>& clock, size_t slot) const override {
    // One slot per node, in node order: the removed node's slot goes.
    if (clock.size() > slot) clock.erase(clock.begin() + static_cast<std::ptrdiff_t>(slot));
  }
};

}  // namespace kv
