// The causal graph of sibling creation, built from a history alone (so it
// works on any saved run).
//
// Per key:
// - one vertex per *written version*: a distinct (value, clock) that a client
//   wrote (an `apply` with op put or resolve), clocks compared with zero
//   padding. Its first client write gives the node, client, op and time; the
//   `apply` lines of every op tell where and when it reached each node.
//   A version that shows up in `siblings`/`final` but that no client wrote is
//   a vertex too, marked kUnwritten (the history is inconsistent; say so).
// - a *supersedes* edge from each accepted version to the accepted versions
//   that directly dominate it: the transitive reduction of dominance among
//   accepted versions (versions with equal clocks and different values are
//   concurrent: no edge).
// - *merged* edges into a resolve: from the versions it merged, and only
//   those. What a resolve faced is what the history shows its client knew:
//   the values of the client's last read of the key that completed before
//   it sent the resolve (the first reply delivered to a get it had not given
//   up on; this is what `clock: auto` is built from). A client that had not
//   read the key knew nothing; then it is what the resolving node held just
//   before it applied the resolve. Of those versions, the ones the resolve's
//   clock dominates are merged. A merge needs at least two versions faced;
//   each merged version gets a merged edge (replacing its supersedes edge,
//   or added when another version lies between them). A version the resolve
//   dominates but its client never saw (say one that reached the node by
//   anti-entropy afterwards) keeps an ordinary supersedes edge. A resolve
//   that merged only some of what it faced says so ("merged 2 of the 3
//   siblings c1 read"); one whose reply was `conflict` says so too.
// - a *siblings* link between two versions for the first time any node held
//   them as siblings at once (node and time of that first detection).
// - a *rejected* edge from a version every node refused as stale to a version
//   that dominated it on the node that refused it.
// - the final state: the live nodes holding each version at the end (the
//   `final` lines; without them, the last `siblings` line of every node),
//   the down nodes keeping it on disk, and the maximal accepted versions
//   that are *lost* (no node, live or down, holds them or a newer version)
//   or *unavailable* (only down nodes do), as viz/write_fates.h defines
//   them for the story and the run's checks alike.
//
// Invariants of a built graph: vertex indices in edges and links are valid
// for their key; edges go from the dominated to the dominating version;
// everything is ordered by first appearance in the history, keys in byte
// order, so the output depends only on the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

// The picture draws at most this many vertices plus sibling links; keys that
// would pass the bound are left out with a note, never silently.
inline constexpr size_t kMaxGraphItems = 3000;

struct Arrival {
  std::string node;
  int64_t t_us = 0;
  WriteOp op = WriteOp::kPut;  // how it arrived
};

struct GraphVertex {
  enum class Fate {
    kAccepted,   // some node accepted a client write of it
    kRejected,   // every client write of it was refused: stale, or past the bound
    kUnwritten,  // held by a node, but no client wrote it
  };
  history::VersionText version;
  Fate fate = Fate::kAccepted;
  bool refused = false;  // kRejected: the first write was refused by the sibling bound
  // The first client write (or, for kUnwritten, the first line showing it).
  std::string node, client;
  WriteOp op = WriteOp::kPut;
  int64_t t_us = 0;
  size_t line = 0;
  // The key's sibling count at v.node just after the first client write
  // (from its `apply` line); 0 when no client wrote it.
  uint64_t siblings_after = 0;
  std::vector<Arrival> arrivals;  // first arrival per node, in time order
  bool ever_sibling = false;      // held next to a concurrent version
  // Where and when it was first held as a sibling (the conflict detected).
  std::string conflict_node;
  int64_t conflict_t_us = 0;
  std::vector<std::string> final_on;  // live nodes holding it at the end
  std::vector<std::string> kept_on;   // down nodes holding it at the end
  // A maximal accepted write that no node, live or down, holds at the end,
  // nor anything above it; or one only down nodes hold (or above it).
  bool lost = false;
  // Resolves (fate kAccepted, op kResolve) only. What it faced (the
  // versions its client read, or those `merge_basis_node` held when it
  // applied the resolve: see above) and how many of them it merged; the
  // reply to its first accepted write and the sibling count it left.
  size_t faced = 0, merged = 0;
  bool faced_from_read = false;
  std::string merge_basis_node;
  std::string reply_status;
  uint64_t reply_siblings = 0;
  bool unavailable = false;
  std::string fate_reason;  // why, when lost or unavailable (fate_reason())
  // Against the truth (viz/truth_labels.h): the live nodes where it is a
  // false sibling (held beside a version that follows it) and why; or a
  // lost update (accepted, no node holds it, no held version follows it).
  std::vector<std::string> false_sibling_on;
  std::string false_sibling_why;
  bool lost_update = false;
  std::string lost_update_why;
};

struct GraphEdge {
  enum class Kind {
    kSupersedes,  // `to` directly dominates `from`
    kMerged,      // `from` is a version the resolve `to` merged (see above)
    kRejected,    // `from` was refused as stale because of `to`
  };
  size_t from = 0, to = 0;
  Kind kind = Kind::kSupersedes;
  std::string node;  // kRejected: where
};

struct SiblingLink {
  size_t a = 0, b = 0;  // a < b
  std::string node;     // where they were first siblings
  int64_t t_us = 0;
};

// A run of alike versions drawn as one box, so that a long regular history
// (a chain of 99 puts, a sibling box of 99 versions) stays readable; see
// fold_key below. Nothing is dropped from the counts: the box tells how many
// versions it stands for and how many of them are false siblings, lost
// updates, lost, or held at the end.
inline constexpr size_t kNotFolded = static_cast<size_t>(-1);  // see KeyGraph::fold_of

struct Fold {
  std::vector<size_t> members;  // the versions folded, in index order
  // A fold of whole rows (sibling boxes or lone versions one below the
  // other): how many rows, of how many versions each; 0 for a fold of
  // versions inside one sibling box.
  size_t rows = 0, row_size = 0;
  size_t box = kNotFolded;  // inside this sibling box (same_rank index); none: rows
  size_t false_siblings = 0, lost_updates = 0, lost = 0, unavailable = 0, final = 0, kept = 0;
  // The fewest and most siblings their node held just after their writes.
  uint64_t siblings_min = 0, siblings_max = 0;
};

struct KeyGraph {
  std::string key;
  std::vector<GraphVertex> vertices;
  std::vector<GraphEdge> edges;
  std::vector<SiblingLink> links;
  // At the end, the live replicas do not all hold the same versions.
  bool diverged = false;
  // Groups of versions drawn on one rank, in a box marked "siblings":
  // sibling sets as first seen, each disjoint from the earlier groups and
  // consistent with the edges. Links inside a group are implied by the box.
  std::vector<std::vector<size_t>> same_rank;
  // Runs of alike versions drawn as one box each (empty when nothing was
  // folded), and per vertex the fold holding it (kNotFolded: drawn itself).
  std::vector<Fold> folds;
  std::vector<size_t> fold_of;
};

struct CausalGraph {
  std::string title;
  std::vector<KeyGraph> keys;  // byte order of key
  // Keys left out to keep the picture within kMaxGraphItems.
  std::vector<std::string> omitted_keys;
  size_t omitted_items = 0;
};

CausalGraph build_causal_graph(const history::History& history);

// Folding (viz/causal_graph_fold.cc), done by build_causal_graph on every key:
// - rows: a sibling box, or a version in no box, is a row; rows are ordered
//   by their first version. A run of at least kFoldMinRun consecutive rows
//   that are alike (the same size, their versions alike in order) keeps its
//   first and last kFoldKeep rows and folds the rows between into one box.
// - inside a sibling box of more than kFoldMinRun versions, a run of at
//   least kFoldMinRun consecutive alike versions keeps its first and last
//   kFoldKeep and folds the ones between.
// Versions are alike when they have the same fate, op, sibling, final and
// truth marks (false sibling, lost update, lost, unavailable, held at the
// end by the same nodes): a fold never hides a mark the versions beside it
// do not show, and its box counts each mark. Edges into or out of a folded
// version go to or from the fold's box; sibling links to one are not drawn.
inline constexpr size_t kFoldMinRun = 10;
inline constexpr size_t kFoldKeep = 2;
void fold_key(KeyGraph& key);

// The graph as DOT text for `dot`: rankdir top to bottom, one cluster per
// key, stacked in key order (invisible edges through a hidden separator node
// between consecutive keys keep them from spreading sideways).
std::string causal_graph_dot(const CausalGraph& graph);

}  // namespace kv::viz
