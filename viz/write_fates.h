// Which accepted writes a run lost, and which are only unavailable, read
// from its history alone: the one definition the causal graph and the story
// both use, the same as the run's checks (sim/checks.h) use on the nodes.
//
// An accepted write is an `apply` of a client write (op put or resolve)
// answered `written`, `conflict` or `resolved`. Per key, the *maximal*
// accepted writes are those no other accepted write of the key is above, by
// the order of the run's mechanism (node/causality.h; under client-vv,
// clocks compared with zero padding, and equal clocks with different values
// concurrent). At the end of the run, a maximal accepted write is
//   lost          when no node holds it or a version above it, whether the
//                 node is live or down;
//   unavailable   when some node that is down holds it (or a version above
//                 it) and no live node does: it comes back with that node;
//   available     otherwise (not listed).
// What a node holds at the end is its `final` line's store (a down node's:
// what it keeps on disk, nothing after an amnesia crash); a history without
// `final` lines (a run cut short) uses each node's last `siblings` line per
// key, a node being down from a `crash` to the next `restart`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

struct WriteFate {
  enum class Kind { kLost, kUnavailable };
  Kind kind = Kind::kLost;
  std::string key;
  history::VersionText version;
  // Its first acceptance: where, by whose write, when.
  std::string node, client;
  int64_t t_us = 0;
  // kUnavailable: the down nodes holding it or a version above it.
  std::vector<std::string> down_holders;
};

struct WriteFates {
  // Keys in byte order; within a key, in order of first acceptance.
  std::vector<WriteFate> writes;
  uint64_t lost = 0;
  uint64_t unavailable = 0;
};

WriteFates find_write_fates(const history::History& history);

// "lost" / "unavailable", and a sentence saying why, for labels and stories:
// "no node holds it or a newer version, live or down" /
// "only n1, down, holds it".
const char* fate_word(WriteFate::Kind kind);
std::string fate_reason(const WriteFate& fate);

}  // namespace kv::viz
