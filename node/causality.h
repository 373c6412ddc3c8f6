// The causality seam: a conflict-detection mechanism's rules, in one place.
//
// A mechanism decides four things, and nothing else in kvsim decides them:
//   order     how two versions of one key are ordered: the same version,
//             one above the other, or concurrent;
//   stamp     what a new write carries: the clock a client builds for
//             `clock: auto` from the context it holds (and, for a
//             mechanism that stamps on the server, what the coordinating
//             node adds);
//   context   what a reply gives a client: what the versions it was sent
//             add to the context the client holds;
//   replace   which held versions a write replaces, and whether the write
//             is stale (a held version is above it) or a duplicate.
// The store applies writes by these rules; the oracle and the checks
// (sim/checks.h), the causal graph, the write fates and the story (viz/)
// and the shrinker order versions by them. A mechanism's rules are shared
// by the store and by the oracle that judges it, so a planted bug
// (node/mutant.h) goes where a rule is used, never into the rule.
//
// The seam is used as LevelDB uses its Comparator: an abstract class
// (`Causality`), one final class per mechanism, and one instance of each
// (`causality(Mechanism)`), chosen when a run or a node is set up. Code that
// runs once per message or per write (the store's apply, the oracle's
// acceptance) is a template over the final class and calls its static rules
// inline (`with_rules`, node/mechanisms.h): no virtual call per clock
// comparison. Everything else holds a `const Causality&` and calls through
// it.
//
// A mechanism keeps, per key, the versions it holds (its siblings) and may
// keep more (a server-side mechanism's own clock of the key): what a
// "context" is, and what a version carries besides its value, are the
// mechanism's. The one implementation today is client-vv (node/client_vv.h):
// the client supplies a vector clock, and the key keeps the maximal
// (value, clock) versions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "node/clock.h"
#include "node/version.h"

namespace kv {

enum class Mechanism : uint8_t {
  kClientVv,  // the client's vector clock (the task's rules)
  kServerVv,  // one version vector per object, kept by the nodes (Dynamo, Riak before 2.0)
  kDvv,       // dotted version vectors: a dot per sibling (Riak 2.0)
  kLww,       // last write wins by the coordinating node's physical clock (Cassandra)
};
inline constexpr size_t kMechanisms = 4;
// The names scenarios, options and histories use ("client-vv"): the one table.
inline constexpr std::string_view kMechanismNames[kMechanisms] = {"client-vv", "server-vv", "dvv",
                                                                  "lww"};
constexpr std::string_view mechanism_name(Mechanism m) {
  return kMechanismNames[static_cast<size_t>(m)];
}
std::optional<Mechanism> mechanism_by_name(std::string_view name);
// "client-vv" (the names, comma-separated, for messages).
std::string mechanism_list();

// A version as the rules see it: its value's JSON text and what the
// mechanism records beside it. Made from a node's Version or from a version
// read back from a history (anything with `value` and `clock`).
struct VersionView {
  std::string_view value;
  const Clock& clock;
  Dot dot;  // a server-side mechanism's metadata (unset under client-vv)

  VersionView(const Version& v)  // NOLINT: a view of it
      : value(v.value), clock(v.clock), dot(v.dot) {}
  template <class V>
  requires requires(const V& v) {
    std::string_view(v.value);
    { v.clock } -> std::convertible_to<const Clock&>;
  }
  VersionView(const V& v) : value(v.value), clock(v.clock) {  // NOLINT: a view of it
    if constexpr (requires { v.dot; }) dot = v.dot;
  }
};

// How a held version fares against a write to its key. (Numbered as Order
// numbers the held version's order to the write, so that a mechanism whose
// verdict is that order turns one into the other for free.)
enum class Verdict : uint8_t {
  kDuplicate = 0,  // the held version is the write: nothing changes
  kStale = 1,      // the held version is above the write: the write changes nothing
  kReplace = 2,    // the write replaces the held version
  kKeep = 3,       // both stay (concurrent)
};

// A number that grows along the order: when a is below b, rank(a) < rank(b)
// (so sorting by it is a topological order). 128 bits, as (high, low).
using Rank = std::pair<uint64_t, uint64_t>;

class Causality {
 public:
  virtual ~Causality() = default;
  virtual Mechanism mechanism() const = 0;
  std::string_view name() const { return mechanism_name(mechanism()); }

  // --- order ---------------------------------------------------------------
  // How `a` relates to `b`: kEqual when they are the same version (the same
  // value too), kDominates when a is above b (it supersedes it), kDominated
  // when b is above a, kConcurrent otherwise.
  virtual Order order(VersionView a, VersionView b) const = 0;
  bool same_version(VersionView a, VersionView b) const { return order(a, b) == Order::kEqual; }
  // The same, for two of a node's versions: the hash first (the same
  // version hashes the same under every mechanism).
  bool same_version(const Version& a, const Version& b) const {
    return a.hash == b.hash && same_version(VersionView(a), VersionView(b));
  }
  // `a` is above `b`: a write of `a` replaces `b`.
  bool supersedes(VersionView a, VersionView b) const { return order(a, b) == Order::kDominates; }
  // `a` is `b`, or above it.
  bool covers(VersionView a, VersionView b) const {
    const Order o = order(a, b);
    return o == Order::kEqual || o == Order::kDominates;
  }
  virtual Rank rank(VersionView v) const = 0;
  // What makes a version itself besides its value, as numbers: two versions
  // are the same version exactly when their values and these are equal (for
  // maps keyed by version). Appended to `out`.
  virtual void identity(VersionView v, std::vector<uint64_t>& out) const = 0;

  // --- stamp ---------------------------------------------------------------
  // The clock a client sends with a `clock: auto` write to node `slot` of a
  // cluster of `nodes`, from the context it holds.
  virtual Clock stamp(const Clock& context, size_t slot, size_t nodes) const = 0;
  // Whether `stamp` can make a clock from `context` for node `slot` (a
  // counter at its maximum cannot go up).
  virtual bool can_stamp(const Clock& context, size_t slot) const = 0;

  // Whether the coordinating node stamps a client's write (coordinate, in
  // the mechanism's final class): then a client sends the context it holds
  // as the write's clock, and a put's reply returns the key's versions
  // (Riak's return_body), which become the client's context.
  virtual bool server_side() const = 0;

  // --- context -------------------------------------------------------------
  // A client was sent `version` (a read's reply): what it adds to the
  // context the client holds.
  virtual void observe(Clock& context, VersionView version) const = 0;

  // --- replace -------------------------------------------------------------
  // How the held version `held` fares against a write of `write`.
  virtual Verdict judge(VersionView held, VersionView write) const = 0;

  // --- scenarios -----------------------------------------------------------
  // A clock a scenario gives a write explicitly, once node number `slot` is
  // removed from the cluster (the shrinker removing a node): what stands in
  // its place.
  virtual void drop_node(std::vector<uint64_t>& clock, size_t slot) const = 0;
};

// The one instance of each mechanism.
const Causality& causality(Mechanism m);

}  // namespace kv
