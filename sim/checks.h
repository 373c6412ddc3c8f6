// The run's checks (docs/RUNNING.md, "Checks on every run"), kept apart from
// what they check: the simulation reports what nodes accepted and what
// entered their stores; the Oracle keeps, per key, the maximal accepted
// writes, computed by its own code from the definition with the order of the
// run's mechanism (node/causality.h: under client-vv, clock dominance), and
// the checks compare the nodes' final stores against it.
//
// A node's store at the end is what it holds: for a node that is down, what
// it keeps on disk (nothing after an amnesia crash). A maximal accepted
// write is
//   lost          when no node, live or down, holds it or a version above
//                 it (one the mechanism's order puts above it);
//   unavailable   when only nodes that are down hold it (or a version above
//                 it): it comes back when one of them restarts.
//
//   converged   every live replica holds the same siblings for every key
//               (holds, saying so, when no node is live: nothing to compare);
//               under quorums, every live node of the key's preference list
//               and its hint holders (KeyOwners);
//   no lost write   no accepted write is lost: each is a sibling at the end,
//               or below one, on some node (equivalently: every *maximal*
//               accepted write is, since the order is transitive).
//               Unavailable writes are not lost; the detail counts them;
//   maximal     every live replica holds exactly the maximal accepted writes
//               (an unavailable write is missing there, so it fails), and no
//               replica ever held a version no node accepted;
//   expect      the scenario's own expectations.
//
// The Oracle also follows crashes and restarts and is told of everything a
// node does (applies a write, sends, handles a message, runs its timer): a
// node doing anything while down is a simulator bug, which the simulation
// stops on (refusal() says what went wrong).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/key_index.h"
#include "base/small_vector.h"
#include "node/names.h"
#include "node/node.h"
#include "node/placement.h"
#include "sim/scenario.h"

namespace kv::sim {

// What an `expect` failure is about, beyond its key: the expectation the
// scenario states for the key (a sibling count, or a multiset of values), what
// the first live node not as expected holds of it, and whether any node
// accepted a client write of the key in the run. A smaller scenario that
// keeps these fails in the same way: not merely "the expectation fails" (a
// run with no events fails every expectation of siblings), but the same
// expectation, the same observed state, the key still written.
struct ExpectMismatch {
  bool values = false;  // a `values:` expectation; otherwise `siblings:`
  // siblings: the count as decimal digits; values: the JSON texts, sorted.
  std::vector<std::string> expected;
  std::vector<std::string> held;
  bool written = false;
  bool operator==(const ExpectMismatch&) const = default;
};

// What identifies a failure across runs that differ in detail (other seeds,
// a smaller scenario): the check and the key it names, if any, and for the
// expect check the mismatch. A shrinker keeps a change to a failing scenario
// when the failure's signature stays.
struct FailureSignature {
  std::string check;
  std::optional<std::string> key;
  std::optional<ExpectMismatch> expect;  // the expect check only
  bool operator==(const FailureSignature&) const = default;
  // "no_lost_write on key 'k3'", the check alone, or "expect on key 'x': 3
  // sibling(s) expected, 2 held" ("values [\"a\"] expected, [] held, never
  // written").
  std::string text() const;
};

// A check's verdict. A scenario may expect a check to fail (an amnesia demo
// expects a lost write): the check is `ok` when what happened is what was
// expected.
struct CheckResult {
  std::string name;  // converged, no_lost_write, maximal, expect
  bool holds = true;
  bool expected = true;  // whether the scenario expects it to hold
  std::string detail;    // what was found: the first offending node, key and time
  // When the check fails, the offence `detail` describes, as far as the check
  // names it (none while it holds):
  //   converged       the node that differs from the first live one, the
  //                   first key they differ on, the end of the run;
  //   no_lost_write   the earliest accepted write that is lost: the node that
  //                   accepted it, its key, when it was accepted;
  //   maximal         a version no node accepted: the node that stored it,
  //                   its key, when; else the first key where a live node
  //                   differs from the maximal writes, that node, the end;
  //   expect          the first live node and key not as expected, the end.
  std::optional<NodeIndex> node = std::nullopt;
  std::optional<std::string> key = std::nullopt;
  std::optional<int64_t> time_us = std::nullopt;
  // The expect check, when it fails: the expectation on `key` and what
  // `node` holds instead.
  std::optional<ExpectMismatch> mismatch = std::nullopt;
  bool ok() const { return holds == expected; }
  FailureSignature signature() const { return {name, key, mismatch}; }
};

class Oracle {
 public:
  // The oracle judges by the rules of the run's mechanism (node/causality.h).
  explicit Oracle(Mechanism mechanism = Mechanism::kClientVv) : mechanism_(mechanism) {}
  const Causality& rules() const { return causality(mechanism_); }

  // What a node does; a node that is down does none of these.
  enum class Act { kApply, kSend, kHandle, kTick };
  void on_crash(NodeIndex node, int64_t time_us);
  void on_restart(NodeIndex node);
  bool down(NodeIndex node) const { return node < down_since_.size() && down_since_[node] >= 0; }
  // "" when `node` may do `act` at `time_us`; otherwise the violation, one
  // sentence naming the node, the act and when it went down.
  std::string refusal(NodeIndex node, Act act, int64_t time_us) const {
    if (!down(node)) [[likely]]
      return {};
    return describe_refusal(node, act, time_us);
  }

  // A node answered a client write written/conflict/resolved at `time_us`.
  void on_accepted(const HashedKey& key, const VersionPtr& version, NodeIndex node,
                   int64_t time_us);
  // A version entered a node's store; records a violation if no node ever
  // accepted it (an invented value, or a stale write that was rejected).
  void on_stored(std::string_view key, const VersionPtr& version, NodeIndex node, int64_t time_us) {
    const uint64_t origin = version->origin;
    if (accepted_origins_.has(origin)) return;
    record_invented(key, version, node, time_us);
  }

  // Under quorums (a replication: section): a client sent this write. It
  // may land on replicas whether or not its client is told yes.
  void on_attempted(const VersionPtr& version) { attempted_origins_.add(version->origin); }
  // Under quorums: a version entered a node's store. A write a client sent
  // and was not (yet) told was accepted joins the maximal writes as not
  // acknowledged: it is part of what replicas should converge to, but no
  // client was promised it (no_lost_write does not count it). A version no
  // client sent is an invention, as on_stored says.
  void on_landed(std::string_view key, const VersionPtr& version, NodeIndex node, int64_t time_us);

  struct Accepted {
    VersionPtr version;
    NodeIndex node;
    int64_t time_us;
    bool acknowledged = true;  // false: landed under a quorum, its client not told yes
  };
  // Usually one per key, as a key usually holds one sibling.
  using AcceptedList = SmallVector<Accepted, 1>;
  // The maximal accepted writes of `key` (empty if none).
  const AcceptedList& maximal(std::string_view key) const;
  // The keys of accepted writes, in the order they were first accepted.
  const KeyIndex& key_index() const { return keys_; }
  // The first version a node stored that no node accepted: the detail, the
  // node, its key and when.
  struct Invented {
    std::string detail;
    NodeIndex node;
    std::string key;
    int64_t time_us;
  };
  const std::optional<Invented>& invented() const { return invented_; }

 private:
  template <class Rules>
  void accept(AcceptedList& max, const VersionPtr& version, NodeIndex node, int64_t time_us,
              bool acknowledged);
  Mechanism mechanism_;
  KeyIndex keys_;
  std::vector<AcceptedList> maximal_;  // by key id
  // Client writes by their numbers (Version::origin), one bit each,
  // whatever the run's length. (Not std::vector<bool>: its size and index
  // cost twice as much, and on_stored asks once per apply.)
  class OriginSet {
   public:
    bool has(uint64_t origin) const {
      return origin / 64 < words_.size() && (words_[origin / 64] >> (origin % 64) & 1) != 0;
    }
    void add(uint64_t origin) {
      const size_t word = origin / 64;
      if (word >= words_.size()) words_.resize(std::max<size_t>(word + 1, words_.size() * 2));
      words_[word] |= uint64_t{1} << (origin % 64);
    }

   private:
    std::vector<uint64_t> words_;
  };
  OriginSet accepted_origins_;   // some node accepted the client write numbered o
  OriginSet attempted_origins_;  // on_attempted (quorums only)
  // Adds `version` to `key`'s maximal writes unless one dominates or equals
  // it (then marks that one acknowledged if `acknowledged`).
  void add_maximal(const HashedKey& key, const VersionPtr& version, NodeIndex node, int64_t time_us,
                   bool acknowledged);
  void record_invented(std::string_view key, const VersionPtr& version, NodeIndex node,
                       int64_t time_us);
  std::string describe_refusal(NodeIndex node, Act act, int64_t time_us) const;
  std::optional<Invented> invented_;
  // down_since_[i]: when n(i+1) crashed, or -1 while it runs.
  std::vector<int64_t> down_since_;
};

// A node at the end: its store (a down node's: what it keeps on disk) and
// whether it is up.
struct NodeView {
  const Node* node;
  bool live;
};

// Under quorums (a replication: section), which nodes a key is judged on:
// its preference list, and the stand-ins holding a hint of it not yet
// handed off. converged and maximal look at those nodes only (a node
// outside them may hold an old copy: a stand-in after its handoff);
// no_lost_write still counts a copy anywhere.
struct KeyOwners {
  const Placement* placement = nullptr;
  std::vector<std::pair<std::string, NodeIndex>> hinted;  // (key, holder), sorted
  bool judged(std::string_view key, NodeIndex node) const;
  // "key 'x' lives on n1, n2, n3 (hinted: n4)".
  std::string text(std::string_view key) const;
};

// How many maximal accepted writes are lost, and how many unavailable (see
// the top of this file).
struct FateCounts {
  uint64_t lost = 0;
  uint64_t unavailable = 0;
};

// Runs every check; `nodes[i]` is n(i+1). `end_us` is the end of the run.
// Fills `fates` when given.
std::vector<CheckResult> run_checks(const Oracle& oracle, const std::vector<NodeView>& nodes,
                                    const Expectations& expect, int64_t end_us,
                                    FateCounts* fates = nullptr, const KeyOwners* owners = nullptr);

}  // namespace kv::sim
