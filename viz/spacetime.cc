// The space-time diagram: which events are drawn, on which row, and the DOT
// with every position fixed (Diagram, viz/spacetime_diagram.h), and
// spacetime_dot, which draws a window and, for a picture too tall to read
// as a PNG, its first rows apart. The partition bands are in
// viz/spacetime_bands.cc, the window's limits in viz/spacetime_window.cc,
// colours and arrow texts in viz/spacetime_labels.cc.
#include "viz/spacetime.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "history/format.h"
#include "viz/render.h"
#include "viz/spacetime_diagram.h"
#include "viz/spacetime_labels.h"
#include "viz/text.h"

namespace kv::viz {
namespace spacetime_internal {

namespace fmt = history::format;

void Diagram::index_messages() {
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const history::EventData& d = h_.events[i].data;
    if (const auto* s = std::get_if<history::SendEvent>(&d)) {
      messages_[s->id].send = i;
    } else if (const auto* dl = std::get_if<history::DeliverEvent>(&d)) {
      messages_[dl->id].deliveries.push_back(i);
    } else if (const auto* dr = std::get_if<history::DropEvent>(&d)) {
      if (!messages_[dr->id].drop) messages_[dr->id].drop = i;
    }
  }
  if (!fold_) return;
  // (round, from, to) of every ae_diff: the answers that found something.
  std::set<std::tuple<uint64_t, std::string, std::string>> answered;
  for (const auto& [id, m] : messages_) {
    const auto& send = std::get<history::SendEvent>(h_.events[m.send].data);
    if (send.body.type == MsgType::kAeDiff && send.body.round) {
      answered.insert({*send.body.round, send.src, send.dest});
    }
  }
  for (auto& [id, m] : messages_) {
    const auto& send = std::get<history::SendEvent>(h_.events[m.send].data);
    m.folded = send.body.type == MsgType::kAeDigest && send.body.round && !m.deliveries.empty() &&
               !m.drop && answered.count({*send.body.round, send.dest, send.src}) == 0;
  }
}

bool Diagram::drawn(const Arrow& m) const {
  if (m.folded) return false;
  if (in(m.send)) return true;
  if (m.drop && in(*m.drop)) return true;
  return std::any_of(m.deliveries.begin(), m.deliveries.end(), [&](size_t d) { return in(d); });
}

size_t Diagram::count_messages() const {
  size_t n = 0;
  for (const auto& [id, m] : messages_) n += drawn(m) ? 1 : 0;
  return n;
}

std::vector<size_t> Diagram::send_lines() const {
  std::vector<size_t> lines;
  for (const history::Event& e : h_.events) {
    const auto* send = std::get_if<history::SendEvent>(&e.data);
    if (send == nullptr || where(e) != Where::kIn || messages_.at(send->id).folded) continue;
    lines.push_back(e.line);
  }
  return lines;
}

std::optional<std::pair<const history::Event*, const history::Event*>> Diagram::extent() const {
  const history::Event* first = nullptr;
  const history::Event* last = nullptr;
  for (const history::Event& e : h_.events) {
    if (where(e) != Where::kIn) continue;
    if (first == nullptr) first = &e;
    last = &e;
  }
  if (first == nullptr) return std::nullopt;
  return std::make_pair(first, last);
}

std::string Diagram::point(size_t lane, size_t row) {
  points_.insert({lane, row});
  return "p" + std::to_string(lane) + "_" + std::to_string(row);
}

void Diagram::assign_rows() {
  // What a lane did on the current row: 1 sent, 2 anything else.
  std::map<size_t, int> used;
  std::set<uint64_t> sent_on_row;
  size_t folded = 0;
  auto new_row = [&](int64_t t) {
    const bool first = rows_.empty() || rows_.back().t_us != t;
    rows_.push_back(Row{t, first, folded});
    folded = 0;
    used.clear();
    sent_on_row.clear();
  };
  auto place = [&](size_t event, const std::string& lane_name, int role, uint64_t receives) {
    const int64_t t = h_.events[event].t_us;
    const size_t lane = lane_of(lane_name);
    auto it = used.find(lane);
    const bool clash = it != used.end() && !(it->second == 1 && role == 1);
    if (rows_.empty() || rows_.back().t_us != t || clash ||
        (receives != 0 && sent_on_row.count(receives) != 0)) {
      new_row(t);
    }
    used[lane] = role;
    row_of_[event] = rows_.size() - 1;
  };
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const history::Event& e = h_.events[i];
    if (where(e) != Where::kIn) continue;
    const history::EventData& d = e.data;
    if (const auto* s = std::get_if<history::SendEvent>(&d)) {
      if (messages_[s->id].folded) {
        ++folded;
        ++folded_total_;
        continue;
      }
      place(i, s->src, 1, 0);
      sent_on_row.insert(s->id);
    } else if (const auto* dl = std::get_if<history::DeliverEvent>(&d)) {
      if (messages_[dl->id].folded) continue;
      place(i, dl->dest, 2, dl->id);
    } else if (const auto* dr = std::get_if<history::DropEvent>(&d)) {
      // A loss is decided as the message leaves: its X hangs off the send.
      if (!fmt::reason::decided_at_send(dr->reason) || !in(messages_[dr->id].send))
        place(i, dr->dest, 2, dr->id);
    } else if (const auto* f = std::get_if<history::FaultEvent>(&d)) {
      if (f->kind == history::FaultEvent::Kind::kCrash ||
          f->kind == history::FaultEvent::Kind::kRestart) {
        place(i, f->node, 2, 0);
      } else if (rows_.empty() || rows_.back().t_us != e.t_us) {
        new_row(e.t_us);
        row_of_[i] = rows_.size() - 1;
      } else {
        row_of_[i] = rows_.size() - 1;
      }
    } else if (const auto* to = std::get_if<history::TimeoutEvent>(&d)) {
      place(i, to->client, 2, 0);
    } else if (const auto* g = std::get_if<history::GiveUpEvent>(&d)) {
      place(i, g->client, 2, 0);
    }
  }
  folded_after_ = folded;
}

void Diagram::emit_lifelines(std::string& out) {
  // Crash intervals per lane, in rows: [from, to] with -1 for "before the
  // window" and rows_.size() for "after".
  std::map<size_t, std::vector<std::pair<int64_t, int64_t>>> crashed;
  std::map<size_t, int64_t> down_since;
  const int64_t last = static_cast<int64_t>(rows_.size());
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const auto* f = std::get_if<history::FaultEvent>(&h_.events[i].data);
    if (f == nullptr || lanes_.count(f->node) == 0) continue;
    const size_t lane = lane_of(f->node);
    const Where at = where(h_.events[i]);
    const int64_t row = at == Where::kBefore  ? -1
                        : at == Where::kAfter ? last
                                              : static_cast<int64_t>(row_of_[i]);
    if (f->kind == history::FaultEvent::Kind::kCrash && down_since.count(lane) == 0) {
      down_since[lane] = row;
    } else if (f->kind == history::FaultEvent::Kind::kRestart && down_since.count(lane) != 0) {
      crashed[lane].push_back({down_since[lane], row});
      down_since.erase(lane);
    }
  }
  for (const auto& [lane, since] : down_since) crashed[lane].push_back({since, last});

  for (size_t lane = 0; lane < lane_names_.size(); ++lane) {
    const std::string x = std::to_string(lane_x(lane));
    const bool is_node = lane >= first_node_lane_;
    out += "  h" + std::to_string(lane) + " [id=\"st_lane" + std::to_string(lane) +
           "\", shape=box, style=\"rounded,filled\", fillcolor=\"" +
           (is_node ? "#e8eef7" : "#f5f5f5") +
           "\", fontsize=10, label=" + dot_quote(lane_names_[lane]) + ", pos=\"" + x + ",0\"];\n";
    out += "  f" + std::to_string(lane) +
           " [shape=plaintext, fontsize=9, label=" + dot_quote(lane_names_[lane]) + ", pos=\"" + x +
           "," + std::to_string(bottom_y() - kRowStep / 2) + "\"];\n";
    out += "  " + top(lane) + " [shape=point, width=0.01, pos=\"" + x + "," +
           std::to_string(top_y()) + "\"];\n";
    out += "  " + bottom(lane) + " [shape=point, width=0.01, pos=\"" + x + "," +
           std::to_string(bottom_y()) + "\"];\n";
  }
  for (const auto& [lane, row] : points_) {
    out += "  p" + std::to_string(lane) + "_" + std::to_string(row) +
           " [shape=point, width=0.06, pos=\"" + std::to_string(lane_x(lane)) + "," +
           std::to_string(row_y(row)) + "\"];\n";
  }
  // Segments between consecutive points of each lane.
  for (size_t lane = 0; lane < lane_names_.size(); ++lane) {
    std::vector<std::pair<int64_t, std::string>> chain;  // (row, id)
    chain.push_back({-1, top(lane)});
    for (auto it = points_.lower_bound({lane, 0}); it != points_.end() && it->first == lane; ++it) {
      chain.push_back({static_cast<int64_t>(it->second), point(lane, it->second)});
    }
    chain.push_back({last, bottom(lane)});
    auto down = [&](int64_t a, int64_t b) {
      for (const auto& [from, to] : crashed[lane]) {
        if (from <= a && b <= to) return true;
      }
      return false;
    };
    out += "  h" + std::to_string(lane) + " -> " + top(lane) +
           " [arrowhead=none, color=\"#bbbbbb\"];\n";
    for (size_t i = 1; i < chain.size(); ++i) {
      out += "  " + chain[i - 1].second + " -> " + chain[i].second;
      if (down(chain[i - 1].first, chain[i].first)) {
        out += std::string(" [arrowhead=none, style=dashed, penwidth=2, color=\"") + kCrashColor +
               "\"];\n";
      } else {
        out += " [arrowhead=none, color=\"#bbbbbb\"];\n";
      }
    }
  }
}

void Diagram::emit_messages(std::string& out, bool labels) {
  size_t mark = 0;
  for (const auto& [id, m] : messages_) {
    if (!drawn(m)) continue;
    const auto& send = std::get<history::SendEvent>(h_.events[m.send].data);
    const size_t src = lane_of(send.src), dest = lane_of(send.dest);
    const Traffic traffic = traffic_of(send.body.type);
    const std::string text = labels ? message_label(send.body) : std::string();
    const bool sent_in = in(m.send);
    const std::string from =
        sent_in ? point(src, row_of_[m.send])
                : (where(h_.events[m.send]) == Where::kBefore ? top(src) : bottom(src));
    auto attrs = [&](bool crossing, const std::string& extra, const std::string& label) {
      std::string a = " [" + arrow_style(traffic, crossing) + extra;
      if (!label.empty()) a += ", label=" + dot_quote(label);
      return a + "];\n";
    };
    bool labelled = false;
    auto take_label = [&]() {
      if (labelled) return std::string();
      labelled = true;
      return text;
    };
    for (size_t k = 0; k < m.deliveries.size(); ++k) {
      const size_t d = m.deliveries[k];
      const Where at = where(h_.events[d]);
      if (!sent_in && at != Where::kIn) continue;
      std::string to = at == Where::kIn ? point(dest, row_of_[d])
                                        : (at == Where::kAfter ? bottom(dest) : top(dest));
      std::string extra;
      std::string label = take_label();
      if (k > 0) {
        // The network's second copy of the message.
        extra += ", penwidth=2";
        label = label.empty() ? "dup" : label + " (dup)";
      }
      extra +=
          ", id=\"st_msg" + std::to_string(id) + (k == 0 ? "" : "_" + std::to_string(k + 1)) + "\"";
      out += "  " + from + " -> " + to + attrs(!sent_in || at != Where::kIn, extra, label);
    }
    bool ended = false;
    if (m.drop) {
      const history::Event& e = h_.events[*m.drop];
      const auto& drop = std::get<history::DropEvent>(e.data);
      const bool loss_at_send = fmt::reason::decided_at_send(drop.reason) && sent_in;
      if (loss_at_send || where(e) == Where::kIn) {
        // The X: halfway for a loss (decided as it left), else at the
        // destination lane, just short of it.
        int64_t x = 0, y = 0;
        if (loss_at_send) {
          x = (lane_x(src) + lane_x(dest)) / 2;
          y = row_y(row_of_[m.send]) - kRowStep / 2;
        } else {
          x = lane_x(dest) + (lane_x(src) < lane_x(dest) ? -12 : 12);
          y = row_y(row_of_[*m.drop]);
        }
        const std::string x_id = "x" + std::to_string(mark++);
        out += "  " + x_id +
               " [shape=plaintext, fontname=\"Helvetica-Bold\", fontsize=11, fontcolor=\"" +
               kDropColor + "\", width=0.12, height=0.12, margin=0, label=\"X\", pos=\"" +
               std::to_string(x) + "," + std::to_string(y) + "\"];\n";
        // Why it was lost, in small print under the X.
        out += "  " + x_id + "_why [shape=plaintext, fontsize=7, fontcolor=\"" + kDropColor +
               "\", width=0.1, height=0.1, margin=0, label=" + dot_quote(drop.reason) + ", pos=\"" +
               std::to_string(x) + "," + std::to_string(y - 10) + "\"];\n";
        out += "  " + from + " -> " + x_id +
               attrs(!sent_in, ", arrowhead=none, id=\"st_msg" + std::to_string(id) + "_x\"",
                     take_label());
        ended = true;
      }
    }
    if (!ended && sent_in && m.deliveries.empty()) {
      // Dropped after the window, or still in flight when the history ends.
      out += "  " + from + " -> " + bottom(dest) +
             attrs(true, ", id=\"st_msg" + std::to_string(id) + "_open\"", take_label());
    }
  }
}

void Diagram::emit_marks(std::string& out) {
  size_t n = 0;
  for (const auto& [event, row] : row_of_) {
    const history::Event& e = h_.events[event];
    std::string lane_name, text;
    if (const auto* f = std::get_if<history::FaultEvent>(&e.data)) {
      if (f->kind == history::FaultEvent::Kind::kCrash) {
        lane_name = f->node;
        text = f->amnesia ? "crash (store lost)" : "crash";
      } else if (f->kind == history::FaultEvent::Kind::kRestart) {
        lane_name = f->node;
        text = "restart";
      } else if (f->kind == history::FaultEvent::Kind::kHeal) {
        text = "heal";
      }
    } else if (const auto* t = std::get_if<history::TimeoutEvent>(&e.data)) {
      lane_name = t->client;
      text = "timeout: retry " + std::to_string(t->attempt) + " to " + t->node;
    } else if (const auto* g = std::get_if<history::GiveUpEvent>(&e.data)) {
      lane_name = g->client;
      text = g->node.empty() ? "gave up (msg " + std::to_string(g->msg_id) + ")"
                             : "not made: " + g->node + " down";
    }
    if (text.empty()) continue;
    int64_t x = 0;
    if (lane_name.empty()) {
      if (first_node_lane_ >= lane_names_.size()) continue;
      x = lane_x(lane_names_.size() - 1) + kLaneStep / 3 + 70;  // beside the bands' labels
    } else {
      x = lane_x(lane_of(lane_name)) + 45;
      point(lane_of(lane_name), row);
    }
    out += "  m" + std::to_string(n++) + " [shape=plaintext, fontsize=8, fontcolor=\"" +
           (lane_name.empty() ? std::string("#a94442") : std::string(kNoteColor)) +
           "\", label=" + dot_quote(text) + ", pos=\"" + std::to_string(x) + "," +
           std::to_string(row_y(row) + 8) + "\"];\n";
  }
}

SpacetimeResult Diagram::draw(const std::string& note_in) {
  const std::vector<std::string> nodes = h_.nodes();
  const std::vector<std::string> clients = h_.clients();
  for (const std::string& c : clients) {
    lanes_.emplace(c, lane_names_.size());
    lane_names_.push_back(c);
  }
  first_node_lane_ = lane_names_.size();
  for (const std::string& n : nodes) {
    if (lanes_.emplace(n, lane_names_.size()).second) lane_names_.push_back(n);
  }
  assign_rows();
  const size_t count = count_messages();
  const bool labels = count <= kMaxLabelledMessages;
  std::string note = note_in;
  if (!labels) {
    note += (note.empty() ? "" : "\n") + std::to_string(count) +
            " messages: arrows carry no text (at most " + std::to_string(kMaxLabelledMessages) +
            " do); a narrower --from/--to window shows them.";
  }
  if (folded_total_ > 0) {
    note += (note.empty() ? "" : "\n") + std::to_string(folded_total_) +
            (folded_total_ == 1 ? " anti-entropy digest that found nothing to repair is"
                                : " anti-entropy digests that found nothing to repair are") +
            " not drawn, only counted.";
  }
  if (rows_.empty()) {
    note += (note.empty() ? "" : "\n") + std::string(w_.kind == Window::Kind::kAll
                                                         ? "No messages or faults in this history."
                                                         : "Nothing happens in this window.");
  }

  std::string title = "Space-time diagram: ";
  if (h_.start) {
    title += "scenario " + h_.start->scenario;
    if (h_.start->seed) title += ", seed " + std::to_string(*h_.start->seed);
  } else {
    title += h_.path;
  }
  const Window& tw = title_window_ ? *title_window_ : w_;
  if (tw.kind == Window::Kind::kTime) {
    title += "; window " + format_time(tw.from) + " to " +
             (tw.to == INT64_MAX ? std::string("the end") : format_time(tw.to));
  } else if (tw.kind == Window::Kind::kLines) {
    title += "; history lines " + std::to_string(tw.from) + " to " +
             (tw.to == INT64_MAX ? std::string("the end") : std::to_string(tw.to));
  }
  if (!h_.complete) title += "\n" + h_.partial_note();
  if (!note.empty()) title += "\n" + note;

  std::string body;
  emit_bands(body);
  std::string messages;
  emit_messages(messages, labels);
  std::string marks;
  emit_marks(marks);
  std::string lifelines;
  emit_lifelines(lifelines);  // last: messages and marks add points

  std::string times;
  std::vector<size_t> row_line(rows_.size(), 0);  // the first history line of each row
  for (const auto& [event, row] : row_of_) {
    if (row_line[row] == 0) row_line[row] = h_.events[event].line;
  }
  for (size_t r = 0; r < rows_.size(); ++r) {
    // A row that continues an instant repeats its time, lighter.
    const char* color = rows_[r].first_of_instant ? "#555555" : "#bbbbbb";
    // The id names the row's first history line: the page finds the row of
    // any line by it.
    times += "  t" + std::to_string(r) + " [id=\"st_line" + std::to_string(row_line[r]) +
             "\", shape=plaintext, fontsize=8, fontcolor=\"" + color +
             "\", label=" + dot_quote(format_time(rows_[r].t_us)) + ", pos=\"" +
             std::to_string(kTimeLabelX) + "," + std::to_string(row_y(r)) + "\"];\n";
  }
  // Quiet anti-entropy digests: a grey count where they were left out.
  std::string folds;
  const int64_t fold_x = first_node_lane_ < lane_names_.size()
                             ? (lane_x(first_node_lane_) + lane_x(lane_names_.size() - 1)) / 2
                             : kFirstLaneX;
  auto fold = [&](size_t n, int64_t y, const std::string& id) {
    if (n == 0) return;
    folds += "  " + id + " [shape=plaintext, fontsize=7, fontcolor=\"#c8a27a\", margin=0, " +
             "width=0.1, height=0.1, label=" +
             dot_quote("... " + std::to_string(n) + " quiet anti-entropy digest" +
                       (n == 1 ? "" : "s") + " ...") +
             ", pos=\"" + std::to_string(fold_x) + "," + std::to_string(y) + "\"];\n";
  };
  for (size_t r = 0; r < rows_.size(); ++r) {
    fold(rows_[r].folded_before, row_y(r) + kRowStep / 2, "fold" + std::to_string(r));
  }
  fold(folded_after_, bottom_y() + 6, "fold_end");
  const int64_t legend_x =
      lane_x(lane_names_.empty() ? 0 : lane_names_.size() - 1) + kLaneStep / 3 + 330;

  SpacetimeResult result;
  result.ok = true;
  result.note = note;
  std::string& out = result.dot;
  out += "digraph spacetime {\n";
  out +=
      "  graph [layout=nop, splines=false, outputorder=nodesfirst, fontname=\"Helvetica\", "
      "fontsize=12, labelloc=t, label=" +
      dot_quote(title) + "];\n";
  out += "  node [fontname=\"Helvetica\", fontsize=9];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];\n";
  out += body;
  out += times;
  out += folds;
  out += lifelines;
  out += marks;
  out += messages;
  out += "  legend [id=\"st_legend\", shape=plaintext, fontsize=8, label=" + legend() + ", pos=\"" +
         std::to_string(legend_x) + "," + std::to_string(-3 * kRowStep) + "\"];\n";
  out += "}\n";
  return result;
}

}  // namespace spacetime_internal

namespace {

using spacetime_internal::Diagram;
using spacetime_internal::kFirstLaneX;
using spacetime_internal::kLaneStep;
using spacetime_internal::kRowStep;

size_t png_rows_that_fit(size_t lanes) {
  // The drawing's width: the lanes, the partition labels and the legend.
  const double width_pt = static_cast<double>(kFirstLaneX + kLaneStep * lanes + 600);
  const double width_px = width_pt / 72.0 * kPngDpi;
  const double height_px =
      std::min(static_cast<double>(kMaxPngSide), static_cast<double>(kMaxPngPixels) / width_px);
  const double height_pt = height_px / kPngDpi * 72.0 - 200;  // title, names, footer
  return static_cast<size_t>(std::max(height_pt / kRowStep, 10.0));
}

}  // namespace

SpacetimeResult spacetime_dot(const history::History& history, const SpacetimeOptions& options) {
  std::string note;
  const Window window = window_to_draw(history, options, note);
  Diagram diagram(history, window, options.fold_quiet_anti_entropy);
  diagram.index_messages();
  // The title names the window asked for; the note says which part of it.
  diagram.set_title_window(options.window);
  SpacetimeResult result = diagram.draw(note);
  result.cut = !note.empty();
  // A PNG of every row would be scaled down past reading: it shows the
  // first rows at full size, and says so; the SVG keeps them all.
  const size_t fit = png_rows_that_fit(diagram.lane_count());
  if (diagram.row_count() <= fit) return result;
  const size_t first = diagram.first_line_of_row(0);
  const size_t stop = diagram.first_line_of_row(fit);
  if (first == 0 || stop <= first) return result;
  Window png_window{Window::Kind::kLines, static_cast<int64_t>(first),
                    static_cast<int64_t>(stop) - 1};
  Diagram part(history, png_window, options.fold_quiet_anti_entropy);
  part.index_messages();
  part.set_title_window(options.window);
  std::string extent;
  if (const auto e = part.extent()) {
    extent = " (history lines #" + std::to_string(e->first->line) + "..#" +
             std::to_string(e->second->line) + ", t=" + format_time(e->first->t_us) + ".." +
             format_time(e->second->t_us) + ")";
  }
  result.png_note = "This PNG shows rows 1.." + std::to_string(fit) + " of the " +
                    std::to_string(diagram.row_count()) + " drawn" + extent +
                    ": all of them would be too small to read. spacetime.svg (and index.html) "
                    "has every row; --from/--to draws other parts.";
  result.png_dot = part.draw(note + (note.empty() ? "" : "\n") + result.png_note).dot;
  return result;
}

}  // namespace kv::viz
