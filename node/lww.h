// lww: last write wins, by a timestamp from the coordinating node's
// physical clock (Cassandra's cells). The client sends the context it holds,
// which decides nothing; the coordinating node stamps the write:
//   coordinate  the write's timestamp is the node's physical clock's
//               reading in microseconds (the host's Outbox::clock_us: the
//               simulated time with the node's skew and drift, set in the
//               scenario's `clocks:`), kept as the dot (slot, timestamp)
//               with the kTimestamp flag; the clock is the context as sent;
//   order       a total order: the greater (timestamp, slot) is above, and
//               between two writes one node stamped in the same
//               microsecond, the greater value text (bytewise); the same
//               timestamp, slot and value is the same version;
//   context     as server-vv's: a reply's versions add their clocks (which
//               no write's fate depends on);
//   replace     a write above the held version replaces it; one below is
//               stale. So a key holds exactly one version, and nothing
//               tells the writer of a lost concurrent write, or of a
//               causally later write stamped earlier by a node whose clock
//               runs behind, that it lost.
// The order is transitive (lexicographic), so replicas applying the same
// writes in any order keep the same version, the one the oracle's maximal
// set names.
#pragma once

#include <span>

#include "node/causality.h"
#include "node/client_vv.h"
#include "node/server_side.h"

namespace kv {

class Lww final : public ServerSideCausality<Lww> {
 public:
  static constexpr Mechanism kMechanism = Mechanism::kLww;
  static constexpr bool kServerSide = true;

  static Order order_of(const Dot& a_dot, std::string_view a_value, const Dot& b_dot,
                        std::string_view b_value) {
    if (a_dot.counter != b_dot.counter) {
      return a_dot.counter > b_dot.counter ? Order::kDominates : Order::kDominated;
    }
    if (a_dot.node != b_dot.node) {
      return a_dot.node > b_dot.node ? Order::kDominates : Order::kDominated;
    }
    const int c = a_value.compare(b_value);
    if (c == 0) return Order::kEqual;
    return c > 0 ? Order::kDominates : Order::kDominated;
  }
  static Order order_of(const Version& a, const Version& b) {
    return order_of(a.dot, a.value, b.dot, b.value);
  }
  static Verdict verdict(const Version& held, const Version& write) {
    return static_cast<Verdict>(order_of(held, write));  // numbered alike (node/client_vv.h)
  }
  // (timestamp, slot): ties only between writes one node stamped in the same
  // microsecond, which the value orders.
  static Rank rank_of(const Dot& dot) { return {dot.counter, dot.node}; }
  static void stamp_in_place(Clock& context, size_t, size_t nodes) { context.pad_to(nodes); }
  static bool can_stamp_of(const Clock&, size_t) { return true; }
  static void observe_of(Clock& context, const Version& version) { context.merge(version.clock); }
  static VersionPtr coordinate(std::span<const VersionPtr>, const VersionPtr& write, size_t slot,
                               size_t nodes, uint64_t clock_us) {
    Clock context = write->clock;
    context.pad_to(nodes);
    return make_version(write->value, std::move(context), write->origin,
                        Dot{static_cast<uint32_t>(slot), Dot::kTimestamp, clock_us});
  }

  Order order(VersionView a, VersionView b) const override {
    return order_of(a.dot, a.value, b.dot, b.value);
  }
  Rank rank(VersionView v) const override { return rank_of(v.dot); }
  void identity(VersionView v, std::vector<uint64_t>& out) const override {
    out.push_back(v.dot.node);
    out.push_back(v.dot.counter);
  }
};

}  // namespace kv
