// The causal graph of sibling creation as DOT text (causal_graph_dot): how
// each version, edge, sibling box and link looks, the legend, and the note
// for keys left out. The graph itself is built in viz/causal_graph.cc; this
// file only draws what it is given.
#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/json_text.h"
#include "viz/causal_graph.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

const char* const kFinalColor = "#1f4e79";
const char* const kSiblingColor = "#d62728";
const char* const kMergeColor = "#2ca02c";
const char* const kRejectColor = "#999999";
const char* const kUnavailableColor = "#ff7f0e";
const char* const kFalseSiblingColor = "#9467bd";  // purple
const char* const kLostUpdateColor = "#8c564b";    // brown
const char* const kFoldColor = "#666666";
// A sibling box holding a fold is drawn in rows of at most this many boxes.
constexpr size_t kBoxRow = 2;

// Whether version v of `key` is drawn as its own box (not folded away).
bool drawn_alone(const KeyGraph& key, size_t v) {
  return key.fold_of.empty() || key.fold_of[v] == kNotFolded;
}

std::string html_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string op_word(WriteOp op) {
  return op == WriteOp::kResolve ? "resolve" : "put";
}

std::string arrivals_text(const GraphVertex& v) {
  std::vector<const Arrival*> others;
  for (const Arrival& a : v.arrivals) {
    if (a.node != v.node) others.push_back(&a);
  }
  if (others.empty()) return "";
  if (others.size() > 4) {
    return "reached " + std::to_string(others.size()) + " more nodes by " +
           format_time(others.back()->t_us);
  }
  std::string out = "reached";
  for (size_t i = 0; i < others.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += others[i]->node + " " + format_time(others[i]->t_us);
    if (others[i]->op == WriteOp::kAntiEntropy) out += " (ae)";
    if (others[i]->op == WriteOp::kPut || others[i]->op == WriteOp::kResolve) out += " (client)";
  }
  return out;
}

// `text` as HTML, broken into lines of about `width` characters at spaces
// (a long reason would otherwise widen the whole key's box).
std::string wrapped_html(const std::string& text, size_t width) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += html_text(line) + "<br/>";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  return out + html_text(line);
}

// Under lww a version's timestamp decides its fate, not its clock.
bool by_timestamp(const GraphVertex& v) {
  return (v.version.dot.flags & Dot::kTimestamp) != 0;
}

// `counts`: in a key with folds, say how many siblings each write left
// (the fold's box says it of the versions it stands for).
std::string vertex_label(const GraphVertex& v, bool counts) {
  std::string label =
      "<<b>" + html_text(value_text(v.version.value)) + "</b> @ " +
      html_text(by_timestamp(v) ? timestamp_text(v.version.dot) : clock_text(v.version.clock));
  auto line = [&](const std::string& text) {
    label += "<br/><font point-size=\"9\">" + html_text(text) + "</font>";
  };
  switch (v.fate) {
    case GraphVertex::Fate::kAccepted:
      line(op_word(v.op) + " by " + v.client + " at " + v.node + ", " + format_time(v.t_us));
      if (counts && v.siblings_after > 1) {
        line("left " + std::to_string(v.siblings_after) + " siblings at " + v.node);
      }
      break;
    case GraphVertex::Fate::kRejected:
      if (v.refused) {
        line(op_word(v.op) + " by " + v.client + " at " + v.node + ", " + format_time(v.t_us));
        line("refused: the key would pass the sibling bound");
      } else {
        line("stale " + op_word(v.op) + " by " + v.client + " at " + v.node + ", " +
             format_time(v.t_us));
        // lww answers a write it drops as written: nothing tells the writer.
        line(by_timestamp(v)
                 ? "dropped: a greater timestamp was held (reply: " + v.reply_status + ")"
                 : std::string("rejected"));
      }
      break;
    case GraphVertex::Fate::kUnwritten:
      line("no client wrote this! first on " + v.node + ", " + format_time(v.t_us));
      break;
  }
  if (v.fate == GraphVertex::Fate::kAccepted && v.op == WriteOp::kResolve) {
    if (v.faced >= 2 && v.merged < v.faced) {
      line("merged " + (v.merged == 0 ? std::string("none") : std::to_string(v.merged)) +
           " of the " + std::to_string(v.faced) + " siblings " + v.merge_basis_node +
           (v.faced_from_read ? " read" : " held"));
    }
    if (v.reply_status == "conflict") {
      label += std::string("<br/><font point-size=\"9\" color=\"") + kSiblingColor + "\">" +
               html_text("reply: conflict, " + std::to_string(v.reply_siblings) +
                         " siblings remain at " + v.node) +
               "</font>";
    }
  }
  if (const std::string reached = arrivals_text(v); !reached.empty()) line(reached);
  if (v.ever_sibling) {
    label +=
        std::string("<br/><font point-size=\"9\" color=\"") + kSiblingColor + "\">" +
        html_text("conflict: first at " + v.conflict_node + ", " + format_time(v.conflict_t_us)) +
        "</font>";
  }
  if (v.lost || v.unavailable) {
    label += std::string("<br/><b><font color=\"") + (v.lost ? kSiblingColor : kUnavailableColor) +
             "\">" + html_text((v.lost ? "LOST: " : "UNAVAILABLE: ") + v.fate_reason) +
             "</font></b>";
  }
  if (!v.false_sibling_on.empty()) {
    std::string on;
    for (const std::string& node : v.false_sibling_on) on += " " + node;
    label += std::string("<br/><b><font color=\"") + kFalseSiblingColor + "\">" +
             wrapped_html("FALSE SIBLING on" + on + ", " + v.false_sibling_why, 60) + "</font></b>";
  }
  if (v.lost_update) {
    label += std::string("<br/><b><font color=\"") + kLostUpdateColor + "\">" +
             wrapped_html("LOST UPDATE: " + v.lost_update_why, 60) + "</font></b>";
  }
  if (!v.final_on.empty()) {
    std::string on = "final on";
    for (const std::string& node : v.final_on) on += " " + node;
    label += "<br/><b>" + html_text(on) + "</b>";
  }
  if (!v.kept_on.empty()) {
    std::string on = "kept on";
    for (const std::string& node : v.kept_on) on += " " + node;
    line(on + " (down)");
  }
  return label + ">";
}

std::string vertex_attributes(const GraphVertex& v, bool counts) {
  std::string style = "rounded,filled";
  std::string fill = "#ffffff";
  std::string extra;
  if (v.ever_sibling) fill = "#fff3cd";
  // A resolve that collapsed the siblings is green; one answered `conflict`
  // left siblings and keeps a sibling's colour.
  if (v.fate == GraphVertex::Fate::kAccepted && v.op == WriteOp::kResolve &&
      v.reply_status != "conflict") {
    fill = "#dff0d8";
  }
  if (v.fate == GraphVertex::Fate::kRejected) {
    style = "rounded,filled,dashed";
    fill = "#f2f2f2";
    extra = ", color=\"#aaaaaa\", fontcolor=\"#888888\"";
  }
  if (v.fate == GraphVertex::Fate::kUnwritten) extra = ", color=\"#d62728\"";
  if (!v.final_on.empty()) extra += std::string(", penwidth=3, color=\"") + kFinalColor + "\"";
  if (v.lost) extra += ", penwidth=3, color=\"#d62728\"";
  if (v.unavailable) extra += std::string(", penwidth=3, color=\"") + kUnavailableColor + "\"";
  // Against the truth: a false sibling gets a double border, a lost update
  // cut corners (Graphviz's "diagonals"), each with its words in the label,
  // so neither relies on colour.
  if (!v.false_sibling_on.empty()) {
    extra += std::string(", peripheries=2, color=\"") + kFalseSiblingColor + "\"";
  }
  if (v.lost_update) {
    style += ",diagonals";
    extra += std::string(", penwidth=2, color=\"") + kLostUpdateColor + "\"";
  }
  return "label=" + vertex_label(v, counts) + ", style=\"" + style + "\", fillcolor=\"" + fill +
         "\"" + extra;
}

std::string edge_attributes(const GraphEdge& e, bool timestamps) {
  switch (e.kind) {
    case GraphEdge::Kind::kSupersedes:
      return "";
    case GraphEdge::Kind::kMerged:
      return std::string(" [color=\"") + kMergeColor + "\", penwidth=2]";
    case GraphEdge::Kind::kRejected:
      return std::string(" [dir=back, style=dashed, color=\"") + kRejectColor + "\", fontcolor=\"" +
             kRejectColor + "\", label=" +
             dot_quote((timestamps ? "lower timestamp, dropped at " : "rejected at ") + e.node) +
             "]";
  }
  return "";
}

std::string legend(bool folds) {
  std::string out = "<<table border=\"0\" cellborder=\"0\" cellspacing=\"1\">";
  auto row = [&](const std::string& sample, const std::string& text) {
    out += "<tr><td align=\"right\">" + sample + "</td><td align=\"left\">" + text + "</td></tr>";
  };
  row("<b>--&gt;</b>", "superseded by (direct dominance)");
  row(std::string("<font color=\"") + kMergeColor + "\"><b>==&gt;</b></font>",
      "merged by a resolve");
  row(std::string("<font color=\"") + kSiblingColor + "\"><b>[- -]</b></font>",
      "siblings: versions some node held together (a conflict)");
  row(std::string("<font color=\"") + kSiblingColor + "\"><b>- - -</b></font>",
      "also siblings, outside one box: where and when first together");
  row(std::string("<font color=\"") + kRejectColor + "\"><b>- -&gt;</b></font>",
      "stale write, rejected: points at a version that dominated it");
  out += std::string("<tr><td border=\"3\" color=\"") + kFinalColor +
         "\"> </td><td align=\"left\">thick border: the final state (live nodes holding it)"
         "</td></tr>";
  out += std::string("<tr><td border=\"3\" color=\"") + kSiblingColor +
         "\"> </td><td align=\"left\">red border: a lost write (accepted; no node, live or down, "
         "holds it or a newer version)</td></tr>";
  out += std::string("<tr><td border=\"3\" color=\"") + kUnavailableColor +
         "\"> </td><td align=\"left\">orange border: an unavailable write (only nodes that are "
         "down hold it)</td></tr>";
  row(std::string("<font color=\"") + kFalseSiblingColor + "\"><b>[[ ]]</b></font>",
      "double border, FALSE SIBLING: held beside a version whose writer had observed it");
  row(std::string("<font color=\"") + kLostUpdateColor + "\"><b>&lt; &gt;</b></font>",
      "cut corners, LOST UPDATE: accepted, held nowhere, followed by nothing held");
  if (folds) {
    row(std::string("<font color=\"") + kFoldColor + "\"><b>[ ... ]</b></font>",
        "dashed box, grey fill: versions folded, alike the ones drawn either side; it counts them");
  }
  return out + "</table>>";
}

// "a, b and c" of the distinct words, in first-seen order.
std::string word_list(const std::vector<std::string>& words) {
  std::vector<std::string> distinct;
  for (const std::string& w : words) {
    if (std::find(distinct.begin(), distinct.end(), w) == distinct.end()) distinct.push_back(w);
  }
  std::string out;
  for (size_t i = 0; i < distinct.size(); ++i) {
    if (i > 0) out += i + 1 == distinct.size() ? " and " : ", ";
    out += distinct[i];
  }
  return out;
}

// A fold's box: how many versions it stands for, who wrote them when, and
// every mark they carry, counted (see Fold in causal_graph.h).
std::string fold_attributes(const KeyGraph& key, const Fold& f) {
  std::vector<std::string> ops, clients, nodes;
  int64_t first_us = 0, last_us = 0;
  for (size_t i = 0; i < f.members.size(); ++i) {
    const GraphVertex& v = key.vertices[f.members[i]];
    ops.push_back(v.fate == GraphVertex::Fate::kUnwritten ? "unwritten" : op_word(v.op) + "s");
    if (!v.client.empty()) clients.push_back(v.client);
    nodes.push_back(v.node);
    first_us = i == 0 ? v.t_us : std::min(first_us, v.t_us);
    last_us = i == 0 ? v.t_us : std::max(last_us, v.t_us);
  }
  const std::string count = std::to_string(f.members.size());
  // A fold of lone versions one below the other reads as versions, not rows.
  const bool rows = f.rows > 0 && f.row_size > 1;
  const std::string head = rows ? "... " + std::to_string(f.rows) +
                                      " more rows like these, folded (" + count + " versions) ..."
                                : "... " + count + " more " +
                                      (f.rows > 0 ? "versions" : "siblings") +
                                      " like these, folded ...";
  std::string label = "<<b>" + html_text(head) + "</b>";
  auto line = [&](const std::string& text) {
    label += "<br/><font point-size=\"9\">" + html_text(text) + "</font>";
  };
  std::string who = word_list(ops);
  if (!clients.empty()) who += " by " + word_list(clients);
  line(who + " at " + word_list(nodes) + ", " + format_time(first_us) + " to " +
       format_time(last_us));
  if (f.siblings_max > 1) {
    line("each left " +
         (f.siblings_min == f.siblings_max
              ? std::to_string(f.siblings_max)
              : std::to_string(f.siblings_min) + " to " + std::to_string(f.siblings_max)) +
         " siblings where it was written");
  }
  label += std::string("<br/><b><font color=\"") + kFalseSiblingColor + "\">" +
           html_text(std::to_string(f.false_siblings) + " FALSE SIBLING(S)") +
           "</font>, <font color=\"" + kLostUpdateColor + "\">" +
           html_text(std::to_string(f.lost_updates) + " LOST UPDATE(S)") + "</font></b>";
  if (f.lost > 0) {
    label += std::string("<br/><b><font color=\"") + kSiblingColor + "\">" +
             html_text(std::to_string(f.lost) + " LOST") + "</font></b>";
  }
  if (f.unavailable > 0) {
    label += std::string("<br/><b><font color=\"") + kUnavailableColor + "\">" +
             html_text(std::to_string(f.unavailable) + " UNAVAILABLE") + "</font></b>";
  }
  if (f.final > 0) {
    // Alike versions are final on the same nodes (causal_graph_fold.cc).
    std::string on = "final on";
    for (const std::string& node : key.vertices[f.members.front()].final_on) on += " " + node;
    label += "<br/><b>" +
             html_text(on + " (" + (f.final == f.members.size() ? "all " : "") +
                       std::to_string(f.final) + ")") +
             "</b>";
  }
  if (f.kept > 0) {
    std::string on = "kept on";
    for (const std::string& node : key.vertices[f.members.front()].kept_on) on += " " + node;
    line(on + " (down) (" + std::to_string(f.kept) + ")");
  }
  line("(runs of " + std::to_string(kFoldMinRun) + " or more alike " +
       (rows         ? "rows"
        : f.rows > 0 ? "versions"
                     : "siblings") +
       " are folded)");
  label += ">";
  std::string style = "dashed,filled";
  std::string extra = std::string(", color=\"") + kFoldColor + "\"";
  if (f.final > 0) extra = std::string(", penwidth=3, color=\"") + kFinalColor + "\"";
  if (f.false_siblings > 0) {
    extra += std::string(", peripheries=2, color=\"") + kFalseSiblingColor + "\"";
  }
  if (f.lost_updates > 0) style += ",diagonals";
  return "label=" + label + ", style=\"" + style + "\", fillcolor=\"#eeeeee\"" + extra;
}

}  // namespace

std::string causal_graph_dot(const CausalGraph& graph) {
  std::string out;
  out += "digraph siblings {\n";
  out += "  graph [rankdir=TB, newrank=true, fontname=\"Helvetica\", fontsize=12, labelloc=t, ";
  out += "nodesep=1.0, ranksep=0.5, label=" +
         dot_quote("Causal graph of sibling creation: " + graph.title) + "];\n";
  out += "  node [shape=box, fontname=\"Helvetica\", fontsize=10, margin=\"0.12,0.05\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n";
  for (size_t k = 0; k < graph.keys.size(); ++k) {
    const KeyGraph& key = graph.keys[k];
    const std::string prefix = "k" + std::to_string(k) + "_v";
    // A folded version is drawn as its fold's box (causal_graph.h).
    auto folded = [&](size_t v) { return !key.fold_of.empty() && key.fold_of[v] != kNotFolded; };
    auto fold_id = [&](size_t f) { return "k" + std::to_string(k) + "_f" + std::to_string(f); };
    auto id = [&](size_t v) {
      return folded(v) ? fold_id(key.fold_of[v]) : prefix + std::to_string(v);
    };
    // Folded with its whole row (a box folded with others): its box is not drawn.
    auto row_folded = [&](size_t v) {
      return folded(v) && key.folds[key.fold_of[v]].box == kNotFolded;
    };
    auto declare = [&](size_t v, const char* indent) {
      if (folded(v)) {
        // A fold's box takes the place of its first member.
        const size_t f = key.fold_of[v];
        if (key.folds[f].members.front() != v) return;
        out += indent + fold_id(f) + " [id=\"" + fold_id(f) + "\", " +
               fold_attributes(key, key.folds[f]) + "];\n";
        return;
      }
      out += indent + id(v) + " [id=\"" + id(v) + "\", " +
             vertex_attributes(key.vertices[v], !key.folds.empty()) + "];\n";
    };
    // group_of[v]: the sibling box holding v, or npos.
    std::vector<size_t> group_of(key.vertices.size(), std::string::npos);
    for (size_t g = 0; g < key.same_rank.size(); ++g) {
      for (const size_t v : key.same_rank[g]) group_of[v] = g;
    }
    std::string key_json;
    kv::json::dump_string(key.key, key_json);
    out += "  subgraph cluster_k" + std::to_string(k) + " {\n";
    const std::string end = key.diverged ? " (replicas differ at the end)" : "";
    out += "    graph [label=" + dot_quote("key " + value_text(key_json, 64) + end) +
           ", style=rounded, color=\"#888888\", fontcolor=\"#000000\"];\n";
    for (size_t v = 0; v < key.vertices.size(); ++v) {
      if (group_of[v] == std::string::npos || row_folded(v)) declare(v, "    ");
    }
    for (size_t g = 0; g < key.same_rank.size(); ++g) {
      if (row_folded(key.same_rank[g].front())) continue;  // drawn as its fold
      out += "    subgraph cluster_k" + std::to_string(k) + "_s" + std::to_string(g) + " {\n";
      out += std::string("      graph [label=\"siblings\", style=\"dashed,rounded\", color=\"") +
             kSiblingColor + "\", fontcolor=\"" + kSiblingColor + "\"];\n";
      for (const size_t v : key.same_rank[g]) declare(v, "      ");
      // What the box draws, in the order of first appearance: its versions,
      // a fold's box in place of its members.
      std::vector<size_t> members = key.same_rank[g];
      std::sort(members.begin(), members.end());
      std::vector<std::string> items;
      for (const size_t v : members) {
        if (std::find(items.begin(), items.end(), id(v)) == items.end()) items.push_back(id(v));
      }
      if (items.size() == members.size()) {
        out += "      { rank=same;";
        for (const size_t v : key.same_rank[g]) out.append(" ").append(id(v)).append(";");
        out += " }\n";
      } else {
        // A box with a fold is wrapped into rows of kBoxRow, left to right and
        // top to bottom in that order (invisible edges hold them in place).
        for (size_t row = 0; row < items.size(); row += kBoxRow) {
          const size_t end = std::min(items.size(), row + kBoxRow);
          out += "      { rank=same;";
          for (size_t i = row; i < end; ++i) out.append(" ").append(items[i]).append(";");
          out += " }\n";
          for (size_t i = row; i + 1 < end; ++i) {
            out += "      " + items[i] + " -> " + items[i + 1] + " [style=invis];\n";
          }
          if (row > 0)
            out += "      " + items[row - kBoxRow] + " -> " + items[row] + " [style=invis];\n";
        }
      }
      out += "    }\n";
    }
    // Edges between folded versions: one per pair of ends and kind.
    std::set<std::tuple<std::string, std::string, GraphEdge::Kind>> drawn;
    for (const GraphEdge& e : key.edges) {
      // A rejected write came later than the version that refused it: it is
      // drawn below it, the arrow (dir=back) still pointing at the dominator.
      const bool back = e.kind == GraphEdge::Kind::kRejected;
      const std::string from = id(back ? e.to : e.from), to = id(back ? e.from : e.to);
      if (from == to || !drawn.emplace(from, to, e.kind).second) continue;
      out += "    " + from + " -> " + to + edge_attributes(e, by_timestamp(key.vertices[e.from])) +
             ";\n";
    }
    // Sibling links carry an xlabel: a `label` on these flat edges inside a
    // cluster sends Graphviz 2.43's dot down a path that corrupts memory.
    // Inside a sibling box the link is implied and not drawn.
    for (const SiblingLink& l : key.links) {
      if (group_of[l.a] != std::string::npos && group_of[l.a] == group_of[l.b]) continue;
      if (folded(l.a) || folded(l.b)) continue;  // the fold's box says what it holds
      out += "    " + id(l.a) + " -> " + id(l.b) + " [dir=none, style=dashed, color=\"" +
             kSiblingColor + "\", fontcolor=\"" + kSiblingColor + "\", constraint=false, xlabel=" +
             dot_quote("siblings\n" + l.node + " " + format_time(l.t_us)) + "];\n";
    }
    out += "  }\n";
  }
  // Stack the keys: every version of key k above a hidden separator, the
  // separator above every version of key k+1 that nothing else holds down.
  for (size_t k = 0; k + 1 < graph.keys.size(); ++k) {
    const std::string sep = "sep" + std::to_string(k);
    out += "  " + sep + " [style=invis, shape=point, width=0, height=0, label=\"\"];\n";
    const KeyGraph& key = graph.keys[k];
    for (size_t v = 0; v < key.vertices.size(); ++v) {
      if (!drawn_alone(key, v)) continue;
      out +=
          "  k" + std::to_string(k) + "_v" + std::to_string(v) + " -> " + sep + " [style=invis];\n";
    }
    for (size_t f = 0; f < key.folds.size(); ++f) {
      out +=
          "  k" + std::to_string(k) + "_f" + std::to_string(f) + " -> " + sep + " [style=invis];\n";
    }
    const KeyGraph& next = graph.keys[k + 1];
    std::vector<bool> held_down(next.vertices.size(), false);
    for (const GraphEdge& e : next.edges) {
      held_down[e.kind == GraphEdge::Kind::kRejected ? e.from : e.to] = true;
    }
    for (size_t v = 0; v < next.vertices.size(); ++v) {
      if (held_down[v] || !drawn_alone(next, v)) continue;
      out += "  " + sep + " -> k" + std::to_string(k + 1) + "_v" + std::to_string(v) +
             " [style=invis];\n";
    }
  }
  if (graph.keys.empty() && graph.omitted_keys.empty()) {
    out += "  empty [shape=plaintext, label=\"No client wrote anything in this history.\"];\n";
  }
  if (!graph.omitted_keys.empty()) {
    std::string note = "Not drawn: " + std::to_string(graph.omitted_keys.size()) + " key(s) (";
    for (size_t i = 0; i < graph.omitted_keys.size() && i < 10; ++i) {
      std::string key_json;
      kv::json::dump_string(graph.omitted_keys[i], key_json);
      note += (i == 0 ? "" : ", ") + value_text(key_json, 24);
    }
    if (graph.omitted_keys.size() > 10) note += ", ...";
    note += ") with " + std::to_string(graph.omitted_items) +
            " versions and sibling links in all;\nthe picture holds at most " +
            std::to_string(kMaxGraphItems) + ". kvsim explain tells their story.";
    out += "  omitted [shape=note, style=filled, fillcolor=\"#fff3cd\", label=" + dot_quote(note) +
           "];\n";
  }
  const bool folds = std::any_of(graph.keys.begin(), graph.keys.end(),
                                 [](const KeyGraph& key) { return !key.folds.empty(); });
  out += "  legend [id=\"cg_legend\", shape=plaintext, fontsize=9, label=" + legend(folds) + "];\n";
  if (folds && !graph.keys.empty()) {
    // A folded picture is kept narrow: the legend goes below the last key's
    // last version drawn (or its last fold).
    const KeyGraph& last = graph.keys.back();
    const std::string k = std::to_string(graph.keys.size() - 1);
    std::string bottom = last.folds.empty() ? "" : k + "_f" + std::to_string(last.folds.size() - 1);
    for (size_t v = last.vertices.size(); v-- > 0;) {
      if (drawn_alone(last, v)) {
        bottom = k + "_v" + std::to_string(v);
        break;
      }
    }
    if (!bottom.empty()) out += "  k" + bottom + " -> legend [style=invis];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace kv::viz
