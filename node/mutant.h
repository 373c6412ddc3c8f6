// Planted bugs (mutation testing): named mutants of the store, the replica
// and the anti-entropy, to show that a sweep's checks find real bugs.
//
// They exist only in a build configured with `-Dmutants=true`, which defines
// KVSIM_MUTANTS. There `active_mutant` is set once by cli/ (`--mutant NAME`)
// before any run or sweep thread starts, and only read afterwards. In every
// other build `active_mutant` is the constant kNone, so each
// `if (active_mutant == Mutant::kX)` is a constant false and the mutant's
// code is not compiled into the binary; what a mutant needs beyond that (a
// member, a method) sits under `#ifdef KVSIM_MUTANTS`.
//
// A mutant is planted where the node uses a rule, never in the rule itself
// (the mechanism's order and verdicts, node/causality.h): the simulator's
// oracle uses those too, and must stay right for the checks to catch the
// mutant. A mutant of a server-side mechanism (its name starts with the
// mechanism's: `dvv-`, `lww-`, `server-vv-`) changes nothing under the
// others. Under those mechanisms the oracle orders versions by the metadata
// the coordinating node stamped, so a mutant that stamps wrong metadata
// (server-vv-no-increment) is invisible to the convergence and lost-write
// checks: only what the clients observed (the truth's false siblings and
// lost updates) or a scenario's `expect:` shows it.
#pragma once

#include <cstdint>
#include <string_view>

namespace kv {

enum class Mutant : uint8_t {
  kNone,
  kClockNoPadding,
  kEqualClockDuplicate,
  kStaleWriteAccepted,
  kResolveDropsSiblings,
  kReplicateOverwrites,
  kDigestStaleOnReplace,
  kAeSkipsLastKey,
  kAeNewestOnly,
  kAePushByKey,
  kRetryNotReplicated,
  kRestartDropsLastWrite,
  // The server-side mechanisms' (a name's prefix is its mechanism).
  kServerVvReplaceByClock,
  kServerVvNoIncrement,
  kDvvReplicateDropsDot,
  kLwwTieKeepsHeld,
};

struct MutantInfo {
  Mutant mutant;
  std::string_view name;         // --mutant NAME
  std::string_view description;  // one line
};

// Every mutant, kNone excluded, in enum order.
inline constexpr MutantInfo kMutants[] = {
    {Mutant::kClockNoPadding, "clock-no-padding",
     "the store compares clocks slot by slot over the shorter length only (no zero padding)"},
    {Mutant::kEqualClockDuplicate, "equal-clock-duplicate",
     "a write whose clock equals a sibling's is taken as a duplicate, whatever its value"},
    {Mutant::kStaleWriteAccepted, "stale-write-accepted",
     "a write some sibling dominates is added as a sibling instead of rejected as stale"},
    {Mutant::kResolveDropsSiblings, "resolve-drops-siblings",
     "a resolve leaves only itself, dropping the siblings its clock does not dominate"},
    {Mutant::kReplicateOverwrites, "replicate-overwrites",
     "a replicated write replaces the key's siblings instead of merging with them"},
    {Mutant::kDigestStaleOnReplace, "digest-stale-on-replace",
     "the anti-entropy digest is not updated when a write replaces siblings it dominates"},
    {Mutant::kAeSkipsLastKey, "ae-skips-last-key",
     "anti-entropy ships the keys of the differing buckets but the last one (off by one)"},
    {Mutant::kAeNewestOnly, "ae-newest-only",
     "anti-entropy ships only the newest sibling of each key"},
    {Mutant::kAePushByKey, "ae-push-by-key",
     "the anti-entropy push back leaves out every key the peer sent, not only its versions"},
    {Mutant::kRetryNotReplicated, "retry-not-replicated",
     "a retried write the node already holds (a duplicate) is not replicated again"},
    {Mutant::kRestartDropsLastWrite, "restart-drops-last-write",
     "a crash without amnesia loses the node's last write (not yet on disk)"},
    {Mutant::kServerVvReplaceByClock, "server-vv-replace-by-clock",
     "server-vv: a write replaces the siblings whose clocks are below its own, even one whose "
     "context did not descend the object clock (a sibling write)"},
    {Mutant::kServerVvNoIncrement, "server-vv-no-increment",
     "server-vv: the coordinating node does not increment its own entry of the write's clock"},
    {Mutant::kDvvReplicateDropsDot, "dvv-replicate-drops-dot",
     "dvv: a replicated write (replicate or anti-entropy) is stored without its dot"},
    {Mutant::kLwwTieKeepsHeld, "lww-tie-keeps-held",
     "lww: on equal timestamps from two nodes the held version stays (arrival order breaks the "
     "tie, not the node slot)"},
};

// The mutant's --mutant name; "none" for kNone.
constexpr std::string_view mutant_name(Mutant mutant) {
  for (const MutantInfo& info : kMutants) {
    if (info.mutant == mutant) return info.name;
  }
  return "none";
}

#ifdef KVSIM_MUTANTS
inline constexpr bool kMutantsBuilt = true;
// Set by cli/ before any simulation starts; read-only afterwards.
inline Mutant active_mutant = Mutant::kNone;
#else
inline constexpr bool kMutantsBuilt = false;
inline constexpr Mutant active_mutant = Mutant::kNone;
#endif

}  // namespace kv
