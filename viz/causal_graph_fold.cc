// Folding long runs of alike versions in the causal graph (fold_key; the
// rules are in viz/causal_graph.h). A run of rows, or of versions inside one
// sibling box, keeps its first and last kFoldKeep and the rest becomes one
// fold. Invariants: a version is in at most one fold; a fold never starts or
// ends a run (something alike is drawn on each side of it); the counts of a
// fold are those of its members, so no mark is lost.
#include <algorithm>
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "viz/causal_graph.h"

namespace kv::viz {
namespace {

// Everything the picture shows of a version other than its value, clock,
// writer and times: two versions with the same look are alike.
auto look(const GraphVertex& v) {
  return std::tie(v.fate, v.op, v.refused, v.ever_sibling, v.lost, v.unavailable, v.lost_update,
                  v.final_on, v.kept_on, v.faced, v.merged, v.reply_status);
}

bool alike(const GraphVertex& a, const GraphVertex& b) {
  return look(a) == look(b) && a.false_sibling_on.empty() == b.false_sibling_on.empty();
}

bool rows_alike(const KeyGraph& g, const std::vector<size_t>& a, const std::vector<size_t>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!alike(g.vertices[a[i]], g.vertices[b[i]])) return false;
  }
  return true;
}

void add_fold(KeyGraph& g, Fold fold) {
  for (const size_t v : fold.members) {
    const GraphVertex& x = g.vertices[v];
    const bool first = v == fold.members.front();
    fold.siblings_min = first ? x.siblings_after : std::min(fold.siblings_min, x.siblings_after);
    fold.siblings_max = first ? x.siblings_after : std::max(fold.siblings_max, x.siblings_after);
    g.fold_of[v] = g.folds.size();
    if (!x.false_sibling_on.empty()) ++fold.false_siblings;
    if (x.lost_update) ++fold.lost_updates;
    if (x.lost) ++fold.lost;
    if (x.unavailable) ++fold.unavailable;
    if (!x.final_on.empty()) ++fold.final;
    if (!x.kept_on.empty()) ++fold.kept;
  }
  g.folds.push_back(std::move(fold));
}

// Calls fold_run(begin, end) for every maximal run [begin, end) of items
// alike by `same` that is long enough to fold.
template <typename Same, typename FoldRun>
void for_each_run(size_t count, Same same, FoldRun fold_run) {
  size_t begin = 0;
  for (size_t i = 1; i <= count; ++i) {
    if (i < count && same(i - 1, i)) continue;
    if (i - begin >= kFoldMinRun) fold_run(begin, i);
    begin = i;
  }
}

}  // namespace

void fold_key(KeyGraph& g) {
  const size_t n = g.vertices.size();
  g.folds.clear();
  g.fold_of.assign(n, kNotFolded);
  std::vector<size_t> box_of(n, kNotFolded);
  for (size_t b = 0; b < g.same_rank.size(); ++b) {
    for (const size_t v : g.same_rank[b]) box_of[v] = b;
  }
  // The rows, in the order of their first version; a box's versions in
  // index order.
  std::vector<std::vector<size_t>> rows;
  std::vector<size_t> row_box;  // the box a row is, or kNotFolded
  std::vector<bool> box_seen(g.same_rank.size(), false);
  for (size_t v = 0; v < n; ++v) {
    if (box_of[v] == kNotFolded) {
      rows.push_back({v});
      row_box.push_back(kNotFolded);
    } else if (!box_seen[box_of[v]]) {
      box_seen[box_of[v]] = true;
      std::vector<size_t> members = g.same_rank[box_of[v]];
      std::sort(members.begin(), members.end());
      rows.push_back(std::move(members));
      row_box.push_back(box_of[v]);
    }
  }
  std::vector<bool> row_folded(rows.size(), false);
  for_each_run(
      rows.size(), [&](size_t a, size_t b) { return rows_alike(g, rows[a], rows[b]); },
      [&](size_t begin, size_t end) {
        Fold fold;
        fold.row_size = rows[begin].size();
        for (size_t r = begin + kFoldKeep; r < end - kFoldKeep; ++r) {
          fold.members.insert(fold.members.end(), rows[r].begin(), rows[r].end());
          row_folded[r] = true;
          ++fold.rows;
        }
        std::sort(fold.members.begin(), fold.members.end());
        add_fold(g, std::move(fold));
      });
  // Inside the boxes still drawn.
  for (size_t r = 0; r < rows.size(); ++r) {
    if (row_folded[r] || row_box[r] == kNotFolded || rows[r].size() <= kFoldMinRun) continue;
    const std::vector<size_t>& members = rows[r];
    for_each_run(
        members.size(),
        [&](size_t a, size_t b) { return alike(g.vertices[members[a]], g.vertices[members[b]]); },
        [&](size_t begin, size_t end) {
          Fold fold;
          fold.box = row_box[r];
          fold.members.assign(members.begin() + static_cast<std::ptrdiff_t>(begin + kFoldKeep),
                              members.begin() + static_cast<std::ptrdiff_t>(end - kFoldKeep));
          add_fold(g, std::move(fold));
        });
  }
}

}  // namespace kv::viz
