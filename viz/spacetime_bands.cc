// The partition bands of the space-time diagram (Diagram::emit_bands): who
// each partition cuts off, node by node (groups, rings, one-way cuts), drawn
// as a tinted strip down each node cut off, from the partition to the next
// heal or the window's edge, a colour per side, with whom the node is cut
// from written where the partition starts.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "viz/spacetime_diagram.h"
#include "viz/text.h"

namespace kv::viz::spacetime_internal {
namespace {

// Tints for the sides of a partition: the nodes of one side share a colour.
const char* const kSideFills[] = {"#f8d7da", "#d6e4f5", "#dff0d8", "#fff3cd", "#e8dff5", "#d9f2f2"};
const char* const kSideLines[] = {"#e8a0a6", "#9dbbe0", "#a8d5a0", "#f0d68a", "#c2aee0", "#99d6d6"};

// Who a partition cuts off, node by node: `side` numbers the groups (-1: no
// group, for one-way and ring cuts) and `cut` says, in words, whom the node
// no longer reaches or hears from.
struct Cuts {
  std::map<std::string, int> side;
  std::map<std::string, std::string> cut;
  std::string label;  // the whole partition, beside the diagram
};

// "n2 n3", or "4 nodes" past a handful.
std::string few_names(const std::vector<std::string>& names) {
  if (names.size() > 4) return std::to_string(names.size()) + " nodes";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

Cuts partition_cuts(const history::FaultEvent& f, const std::vector<std::string>& nodes) {
  Cuts c;
  c.label = "partition";
  if (!f.groups.empty()) {
    std::vector<std::vector<std::string>> groups = f.groups;
    std::set<std::string> listed;
    for (const auto& g : groups) listed.insert(g.begin(), g.end());
    std::vector<std::string> rest;
    for (const std::string& n : nodes) {
      if (listed.count(n) == 0) rest.push_back(n);
    }
    if (!rest.empty()) groups.push_back(rest);  // nodes not listed are one more group
    for (size_t g = 0; g < groups.size(); ++g) {
      c.label += g == 0 ? " " : " | ";
      for (size_t i = 0; i < groups[g].size(); ++i) {
        c.label += (i > 0 ? " " : "") + groups[g][i];
        c.side[groups[g][i]] = static_cast<int>(g);
      }
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      std::vector<std::string> others;
      for (size_t o = 0; o < groups.size(); ++o) {
        if (o != g) others.insert(others.end(), groups[o].begin(), groups[o].end());
      }
      if (others.empty()) continue;
      for (const std::string& n : groups[g]) c.cut[n] = "cut from " + few_names(others);
    }
  } else if (!f.ring.empty()) {
    const size_t n = f.ring.size(), reach = f.ring_reach();
    c.label += " ring";
    for (const std::string& name : f.ring) c.label += " " + name;
    c.label += " (each reaches " + std::to_string(reach) + " on either side)";
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> far;
      for (size_t j = 0; j < n; ++j) {
        const size_t d = std::min((i + n - j) % n, (j + n - i) % n);
        if (d > reach) far.push_back(f.ring[j]);
      }
      c.side[f.ring[i]] = -1;
      if (!far.empty()) c.cut[f.ring[i]] = "cut from " + few_names(far);
    }
  } else {
    for (const std::string& n : f.from) c.label += " " + n;
    c.label += " -/->";
    for (const std::string& n : f.to) c.label += " " + n;
    c.label += " (one way)";
    for (const std::string& n : f.from) {
      c.side[n] = -1;
      c.cut[n] = "cannot send to " + few_names(f.to);
    }
    for (const std::string& n : f.to) {
      c.side[n] = -1;
      c.cut[n] += (c.cut[n].empty() ? "" : "; ") + ("deaf to " + few_names(f.from));
    }
  }
  return c;
}

}  // namespace

void Diagram::emit_bands(std::string& out) {
  // Partitions: from each partition to the next heal (or the window's edge),
  // a tinted strip down each node it cuts off, one colour per side, with
  // whom the node is cut from written where the partition starts.
  const std::vector<std::string> nodes = h_.nodes();
  struct Band {
    size_t from = 0;  // event index of the partition
    std::optional<size_t> to;
    Cuts cuts;
  };
  std::vector<Band> bands;
  std::vector<size_t> open;
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const auto* f = std::get_if<history::FaultEvent>(&h_.events[i].data);
    if (f == nullptr) continue;
    if (f->kind == history::FaultEvent::Kind::kPartition) {
      bands.push_back(Band{i, std::nullopt, partition_cuts(*f, nodes)});
      open.push_back(bands.size() - 1);
    } else if (f->kind == history::FaultEvent::Kind::kHeal) {
      for (const size_t b : open) bands[b].to = i;
      open.clear();
    }
  }
  if (first_node_lane_ >= lane_names_.size()) return;
  const int64_t right = lane_x(lane_names_.size() - 1) + kLaneStep / 3;
  const int64_t strip = kLaneStep * 2 / 3;
  size_t n = 0;
  for (size_t k = 0; k < bands.size(); ++k) {
    const Band& b = bands[k];
    const Where start = where(h_.events[b.from]);
    const Where end = b.to ? where(h_.events[*b.to]) : Where::kAfter;
    if (start == Where::kAfter || end == Where::kBefore) continue;
    const int64_t y0 = start == Where::kIn ? row_y(row_of_[b.from]) : top_y();
    const int64_t y1 = end == Where::kIn ? row_y(row_of_[*b.to]) : bottom_y();
    const int64_t height = std::max<int64_t>(y0 - y1, 4);
    // Partitions in force together are drawn side by side within a strip.
    const int64_t shift = static_cast<int64_t>(k % 3) * 6;
    for (const auto& [node, side] : b.cuts.side) {
      if (lanes_.count(node) == 0 || b.cuts.cut.count(node) == 0) continue;
      const size_t palette = side < 0 ? 0 : static_cast<size_t>(side) % std::size(kSideFills);
      const int64_t x = lane_x(lane_of(node)) + shift;
      const std::string id = "band" + std::to_string(n++);
      out += "  " + id + " [shape=box, style=filled, color=\"" + kSideLines[palette] +
             "\", fillcolor=\"" + kSideFills[palette] + "a0\", fixedsize=true, label=\"\", " +
             "width=" + std::to_string(strip / 72.0) + ", height=" + std::to_string(height / 72.0) +
             ", pos=\"" + std::to_string(x) + "," + std::to_string((y0 + y1) / 2) + "\"];\n";
      if (start != Where::kIn) continue;
      // Whom this node is cut from, just below the partition's start.
      out += "  " + id + "_cut [shape=plaintext, fontsize=7, fontcolor=\"#a94442\", margin=0, " +
             "width=0.1, height=0.1, label=" + dot_quote(b.cuts.cut.at(node)) + ", pos=\"" +
             std::to_string(x) + "," + std::to_string(y0 - 11) + "\"];\n";
    }
    out += "  band" + std::to_string(k) + "_label [shape=plaintext, fontsize=8, " +
           "fontcolor=\"#a94442\", label=" + dot_quote(b.cuts.label + (b.to ? "" : " (no heal)")) +
           ", pos=\"" + std::to_string(right + 90) + "," + std::to_string(y0 - 8) + "\"];\n";
  }
}

}  // namespace kv::viz::spacetime_internal
