// The space-time diagram: which events are drawn, on which row, and the DOT
// with every position fixed.
#include "viz/spacetime.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "viz/render.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

// Geometry, in points (1/72 inch).
constexpr int64_t kRowStep = 30;
constexpr int64_t kLaneStep = 120;
constexpr int64_t kFirstLaneX = 90;
constexpr int64_t kTimeLabelX = 20;

const char* const kClientColor = "#1f77b4";
const char* const kReplicateColor = "#2ca02c";
const char* const kAntiEntropyColor = "#ff7f0e";
const char* const kOtherColor = "#555555";
const char* const kDropColor = "#d62728";
const char* const kCrashColor = "#d62728";
const char* const kNoteColor = "#8c564b";

enum class Traffic { kClient, kReplicate, kAntiEntropy, kOther };

Traffic traffic_of(const std::string& type) {
  if (type.rfind("kv_", 0) == 0 || type == "error") return Traffic::kClient;
  if (type == "replicate") return Traffic::kReplicate;
  if (type.rfind("ae_", 0) == 0) return Traffic::kAntiEntropy;
  return Traffic::kOther;
}

const char* traffic_color(Traffic t) {
  switch (t) {
    case Traffic::kClient:
      return kClientColor;
    case Traffic::kReplicate:
      return kReplicateColor;
    case Traffic::kAntiEntropy:
      return kAntiEntropyColor;
    case Traffic::kOther:
      return kOtherColor;
  }
  return kOtherColor;
}

// An arrow's colour and line style: anti-entropy dashed, anything crossing
// the window's edge (or never arriving) dotted, the rest solid.
std::string arrow_style(Traffic t, bool crossing) {
  const std::string color = traffic_color(t);
  std::string out = "color=\"" + color + "\", fontcolor=\"" + color + "\"";
  if (crossing) return out + ", style=dotted";
  if (t == Traffic::kAntiEntropy) return out + ", style=dashed";
  return out;
}

std::string opt_version(const MessageBody& b) {
  std::string out = b.key.empty() ? "" : b.key;
  if (b.value) out += "=" + value_text(*b.value, 16);
  if (b.clock) out += "@" + clock_text(*b.clock);
  return out;
}

// What an anti-entropy diff or push carried: ": x=v1@[1,0]" for one
// version, ": 3 versions of x", ": 5 versions of x, y", ": 9 versions of 12
// keys (a, b, c, ...)", ": no versions".
std::string ae_versions_text(const MessageBody& b) {
  if (!b.versions) return "";
  const uint64_t n = *b.versions;
  if (n == 0) return ": no versions";
  const AeVersions* ae = b.ae_versions.get();
  if (ae == nullptr) return ": " + std::to_string(n) + (n == 1 ? " version" : " versions");
  if (n == 1 && ae->first && !ae->first_keys.empty()) {
    return ": " + ae->first_keys[0] + "=" + value_text(ae->first->value, 16) + "@" +
           clock_text(ae->first->clock);
  }
  std::string keys;
  for (size_t i = 0; i < ae->first_keys.size(); ++i) keys += (i ? ", " : "") + ae->first_keys[i];
  if (ae->keys > ae->first_keys.size())
    keys = std::to_string(ae->keys) + " keys (" + keys + ", ...)";
  return ": " + std::to_string(n) + " versions of " + keys;
}

// A short text for an arrow: what the message carried.
std::string message_label(const MessageBody& b) {
  const std::string& t = b.type;
  if (t == "kv_put") return "put " + opt_version(b);
  if (t == "kv_resolve") return "resolve " + opt_version(b);
  if (t == "kv_get") return "get " + b.key;
  if (t == "kv_put_ok" || t == "kv_resolve_ok") {
    std::string out = b.status.empty() ? "ok" : b.status;
    if (b.siblings) out += " (" + std::to_string(*b.siblings) + ")";
    return out;
  }
  if (t == "kv_get_ok") {
    if (!b.values) return "values";
    if (b.values->empty()) return "[]";
    if (b.values->size() == 1) {
      return version_text((*b.values)[0].value, (*b.values)[0].clock);
    }
    return std::to_string(b.values->size()) + " siblings";
  }
  if (t == "replicate") return "repl " + opt_version(b);
  if (t == "error") {
    // Maelstrom's code 14 (abort): kvsim's only error, the sibling bound.
    if (b.code == 14u) return "refused: too many siblings";
    return b.code ? "error " + std::to_string(*b.code) : std::string("error");
  }
  auto round = [&] { return b.round ? " r" + std::to_string(*b.round) : std::string(); };
  if (t == "ae_digest") return "digest" + round();
  if (t == "ae_diff") return "diff" + round() + ae_versions_text(b);
  if (t == "ae_push") return "push" + round() + ae_versions_text(b);
  return value_text(t, 16);
}

struct Message {
  size_t send = 0;                 // event index
  std::vector<size_t> deliveries;  // event indices
  std::optional<size_t> drop;      // event index
  // A quiet anti-entropy digest: delivered, never lost, and the peer found
  // nothing to send back (no ae_diff for its round). Counted, not drawn.
  bool folded = false;
};

enum class Where { kBefore, kIn, kAfter };

class Diagram {
 public:
  Diagram(const History& h, const Window& w, bool fold) : h_(h), w_(w), fold_(fold) {}
  SpacetimeResult draw(const std::string& note);
  // The window the title names, when not the one drawn (a part of it).
  void set_title_window(const Window& w) { title_window_ = w; }
  // After draw(): the rows and lanes drawn, and the line of row r's first event.
  size_t row_count() const { return rows_.size(); }
  size_t lane_count() const { return lane_names_.size(); }
  size_t first_line_of_row(size_t r) const {
    for (const auto& [event, row] : row_of_) {
      if (row == r) return h_.events[event].line;
    }
    return 0;
  }
  size_t count_messages() const;
  void index_messages();
  // The lines of the window's drawn sends (quiet digests aside), in order.
  std::vector<size_t> send_lines() const;
  // The first and last line in the window, and their times (nullopt: empty).
  std::optional<std::pair<const Event*, const Event*>> extent() const;

 private:
  Where where(const Event& e) const {
    const int64_t at = w_.kind == Window::Kind::kLines ? static_cast<int64_t>(e.line) : e.t_us;
    if (w_.kind == Window::Kind::kAll) return Where::kIn;
    if (at < w_.from) return Where::kBefore;
    if (at > w_.to) return Where::kAfter;
    return Where::kIn;
  }
  bool in(size_t event) const { return where(h_.events[event]) == Where::kIn; }
  bool drawn(const Message& m) const;

  // Rows: a row per instant, split where a lane would both receive and send.
  void assign_rows();
  size_t lane_of(const std::string& name) const {
    auto it = lanes_.find(name);
    return it == lanes_.end() ? 0 : it->second;
  }
  int64_t lane_x(size_t lane) const { return kFirstLaneX + static_cast<int64_t>(lane) * kLaneStep; }
  int64_t row_y(size_t row) const { return -static_cast<int64_t>(row + 1) * kRowStep; }
  int64_t top_y() const { return -kRowStep / 2; }
  int64_t bottom_y() const { return row_y(rows_.size()) + kRowStep / 2; }
  // The point of `lane` on `row` (created on demand).
  std::string point(size_t lane, size_t row);
  std::string top(size_t lane) { return "p" + std::to_string(lane) + "_top"; }
  std::string bottom(size_t lane) { return "p" + std::to_string(lane) + "_bottom"; }

  void emit_bands(std::string& out);
  void emit_lifelines(std::string& out);
  void emit_messages(std::string& out, bool labels);
  void emit_marks(std::string& out);

  const History& h_;
  Window w_;
  std::optional<Window> title_window_;
  bool fold_ = true;
  std::map<uint64_t, Message> messages_;
  std::vector<std::string> lane_names_;
  std::map<std::string, size_t> lanes_;
  size_t first_node_lane_ = 0;

  struct Row {
    int64_t t_us = 0;
    bool first_of_instant = true;
    size_t folded_before = 0;  // quiet digests sent since the previous row
  };
  std::vector<Row> rows_;
  size_t folded_after_ = 0;  // quiet digests sent after the last row
  size_t folded_total_ = 0;
  std::map<size_t, size_t> row_of_;             // event index -> row
  std::set<std::pair<size_t, size_t>> points_;  // (lane, row)
};

void Diagram::index_messages() {
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const EventData& d = h_.events[i].data;
    if (const auto* s = std::get_if<SendEvent>(&d)) {
      messages_[s->id].send = i;
    } else if (const auto* dl = std::get_if<DeliverEvent>(&d)) {
      messages_[dl->id].deliveries.push_back(i);
    } else if (const auto* dr = std::get_if<DropEvent>(&d)) {
      if (!messages_[dr->id].drop) messages_[dr->id].drop = i;
    }
  }
  if (!fold_) return;
  // (round, from, to) of every ae_diff: the answers that found something.
  std::set<std::tuple<uint64_t, std::string, std::string>> answered;
  for (const auto& [id, m] : messages_) {
    const auto& send = std::get<SendEvent>(h_.events[m.send].data);
    if (send.body.type == "ae_diff" && send.body.round) {
      answered.insert({*send.body.round, send.src, send.dest});
    }
  }
  for (auto& [id, m] : messages_) {
    const auto& send = std::get<SendEvent>(h_.events[m.send].data);
    m.folded = send.body.type == "ae_digest" && send.body.round && !m.deliveries.empty() &&
               !m.drop && answered.count({*send.body.round, send.dest, send.src}) == 0;
  }
}

bool Diagram::drawn(const Message& m) const {
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
  for (const Event& e : h_.events) {
    const auto* send = std::get_if<SendEvent>(&e.data);
    if (send == nullptr || where(e) != Where::kIn || messages_.at(send->id).folded) continue;
    lines.push_back(e.line);
  }
  return lines;
}

std::optional<std::pair<const Event*, const Event*>> Diagram::extent() const {
  const Event* first = nullptr;
  const Event* last = nullptr;
  for (const Event& e : h_.events) {
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
    const Event& e = h_.events[i];
    if (where(e) != Where::kIn) continue;
    const EventData& d = e.data;
    if (const auto* s = std::get_if<SendEvent>(&d)) {
      if (messages_[s->id].folded) {
        ++folded;
        ++folded_total_;
        continue;
      }
      place(i, s->src, 1, 0);
      sent_on_row.insert(s->id);
    } else if (const auto* dl = std::get_if<DeliverEvent>(&d)) {
      if (messages_[dl->id].folded) continue;
      place(i, dl->dest, 2, dl->id);
    } else if (const auto* dr = std::get_if<DropEvent>(&d)) {
      // A loss is decided as the message leaves: its X hangs off the send.
      if (dr->reason != "loss" || !in(messages_[dr->id].send)) place(i, dr->dest, 2, dr->id);
    } else if (const auto* f = std::get_if<FaultEvent>(&d)) {
      if (f->kind == FaultEvent::Kind::kCrash || f->kind == FaultEvent::Kind::kRestart) {
        place(i, f->node, 2, 0);
      } else if (rows_.empty() || rows_.back().t_us != e.t_us) {
        new_row(e.t_us);
        row_of_[i] = rows_.size() - 1;
      } else {
        row_of_[i] = rows_.size() - 1;
      }
    } else if (const auto* to = std::get_if<TimeoutEvent>(&d)) {
      place(i, to->client, 2, 0);
    } else if (const auto* g = std::get_if<GiveUpEvent>(&d)) {
      place(i, g->client, 2, 0);
    }
  }
  folded_after_ = folded;
}

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

Cuts partition_cuts(const FaultEvent& f, const std::vector<std::string>& nodes) {
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
    const auto* f = std::get_if<FaultEvent>(&h_.events[i].data);
    if (f == nullptr) continue;
    if (f->kind == FaultEvent::Kind::kPartition) {
      bands.push_back(Band{i, std::nullopt, partition_cuts(*f, nodes)});
      open.push_back(bands.size() - 1);
    } else if (f->kind == FaultEvent::Kind::kHeal) {
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

void Diagram::emit_lifelines(std::string& out) {
  // Crash intervals per lane, in rows: [from, to] with -1 for "before the
  // window" and rows_.size() for "after".
  std::map<size_t, std::vector<std::pair<int64_t, int64_t>>> crashed;
  std::map<size_t, int64_t> down_since;
  const int64_t last = static_cast<int64_t>(rows_.size());
  for (size_t i = 0; i < h_.events.size(); ++i) {
    const auto* f = std::get_if<FaultEvent>(&h_.events[i].data);
    if (f == nullptr || lanes_.count(f->node) == 0) continue;
    const size_t lane = lane_of(f->node);
    const Where at = where(h_.events[i]);
    const int64_t row = at == Where::kBefore  ? -1
                        : at == Where::kAfter ? last
                                              : static_cast<int64_t>(row_of_[i]);
    if (f->kind == FaultEvent::Kind::kCrash && down_since.count(lane) == 0) {
      down_since[lane] = row;
    } else if (f->kind == FaultEvent::Kind::kRestart && down_since.count(lane) != 0) {
      crashed[lane].push_back({down_since[lane], row});
      down_since.erase(lane);
    }
  }
  for (const auto& [lane, since] : down_since) crashed[lane].push_back({since, last});

  for (size_t lane = 0; lane < lane_names_.size(); ++lane) {
    const std::string x = std::to_string(lane_x(lane));
    const bool is_node = lane >= first_node_lane_;
    out += "  h" + std::to_string(lane) + " [shape=box, style=\"rounded,filled\", fillcolor=\"" +
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
    const auto& send = std::get<SendEvent>(h_.events[m.send].data);
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
      out += "  " + from + " -> " + to + attrs(!sent_in || at != Where::kIn, extra, label);
    }
    bool ended = false;
    if (m.drop) {
      const Event& e = h_.events[*m.drop];
      const auto& drop = std::get<DropEvent>(e.data);
      const bool loss_at_send = drop.reason == "loss" && sent_in;
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
        out += "  " + from + " -> " + x_id + attrs(!sent_in, ", arrowhead=none", take_label());
        ended = true;
      }
    }
    if (!ended && sent_in && m.deliveries.empty()) {
      // Dropped after the window, or still in flight when the history ends.
      out += "  " + from + " -> " + bottom(dest) + attrs(true, "", take_label());
    }
  }
}

void Diagram::emit_marks(std::string& out) {
  size_t n = 0;
  for (const auto& [event, row] : row_of_) {
    const Event& e = h_.events[event];
    std::string lane_name, text;
    if (const auto* f = std::get_if<FaultEvent>(&e.data)) {
      if (f->kind == FaultEvent::Kind::kCrash) {
        lane_name = f->node;
        text = f->amnesia ? "crash (store lost)" : "crash";
      } else if (f->kind == FaultEvent::Kind::kRestart) {
        lane_name = f->node;
        text = "restart";
      } else if (f->kind == FaultEvent::Kind::kHeal) {
        text = "heal";
      }
    } else if (const auto* t = std::get_if<TimeoutEvent>(&e.data)) {
      lane_name = t->client;
      text = "timeout: retry " + std::to_string(t->attempt) + " to " + t->node;
    } else if (const auto* g = std::get_if<GiveUpEvent>(&e.data)) {
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

std::string legend() {
  auto sample = [](const char* color, const char* text, const char* what) {
    return std::string("<tr><td align=\"right\"><font color=\"") + color + "\"><b>" + text +
           "</b></font></td><td align=\"left\">" + what + "</td></tr>";
  };
  std::string out = "<<table border=\"0\" cellborder=\"0\" cellspacing=\"1\">";
  out += sample(kClientColor, "--&gt;", "client request / reply");
  out += sample(kReplicateColor, "--&gt;", "replication");
  out += sample(kAntiEntropyColor, "- -&gt;", "anti-entropy");
  out += sample(kDropColor, "X", "message lost (why)");
  out += sample("#000000", "bold", "duplicate delivery (dup)");
  out += sample("#555555", "....", "crosses the window edge / in flight");
  out += sample("#e8a0a6", "strips", "partition until heal: a colour per side");
  out += sample(kCrashColor, "- - -", "node down (crash to restart)");
  out += "<tr><td colspan=\"2\" align=\"left\">rows follow event order, not time scale</td></tr>";
  return out + "</table>>";
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
    title += "; window " + format_time_us(tw.from) + " to " +
             (tw.to == INT64_MAX ? std::string("the end") : format_time_us(tw.to));
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
  for (size_t r = 0; r < rows_.size(); ++r) {
    // A row that continues an instant repeats its time, lighter.
    const char* color = rows_[r].first_of_instant ? "#555555" : "#bbbbbb";
    times += "  t" + std::to_string(r) + " [shape=plaintext, fontsize=8, fontcolor=\"" + color +
             "\", label=" + dot_quote(format_time_us(rows_[r].t_us)) + ", pos=\"" +
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
  out += "  legend [shape=plaintext, fontsize=8, label=" + legend() + ", pos=\"" +
         std::to_string(legend_x) + "," + std::to_string(-3 * kRowStep) + "\"];\n";
  out += "}\n";
  return result;
}

bool parse_bound(const std::string& text, const char* flag, Window::Kind& kind, int64_t& out,
                 std::string& error) {
  std::string_view s = text;
  const bool hash = !s.empty() && s.front() == '#';
  if (hash) s.remove_prefix(1);
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    out = std::stoll(std::string(s));
    if (out < 1) {
      error = std::string(flag) + ": history lines count from 1";
      return false;
    }
    kind = Window::Kind::kLines;
    return true;
  }
  if (!hash && parse_time_us(s, out)) {
    kind = Window::Kind::kTime;
    return true;
  }
  error = std::string(flag) + ": \"" + text +
          "\" is neither a time (150ms, 1.5s, 300us) nor a history line number (120 or #120)";
  return false;
}

}  // namespace

bool parse_window(const std::string& from, const std::string& to, Window& out, std::string& error) {
  out = Window{};
  Window::Kind from_kind = Window::Kind::kAll, to_kind = Window::Kind::kAll;
  if (!from.empty() && !parse_bound(from, "--from", from_kind, out.from, error)) return false;
  if (!to.empty() && !parse_bound(to, "--to", to_kind, out.to, error)) return false;
  if (from_kind != Window::Kind::kAll && to_kind != Window::Kind::kAll && from_kind != to_kind) {
    error = "--from and --to must both be times or both be history line numbers";
    return false;
  }
  out.kind = from_kind != Window::Kind::kAll ? from_kind : to_kind;
  if (out.kind == Window::Kind::kLines && from.empty()) out.from = 1;
  if (out.from > out.to) {
    error = "--from \"" + from + "\" is after --to \"" + to + "\"";
    return false;
  }
  return true;
}

namespace {

// 187000 -> "187,000"
std::string with_commas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// What a window is, in words: "the run", "the window 1s to 2s", ...
std::string window_words(const Window& w) {
  auto end = [&](auto text) { return w.to == INT64_MAX ? std::string("the end") : text(w.to); };
  switch (w.kind) {
    case Window::Kind::kAll:
      return "the run";
    case Window::Kind::kTime:
      return "the window " + format_time_us(w.from) + " to " +
             end([](int64_t t) { return format_time_us(t); });
    case Window::Kind::kLines:
      return "the window of lines #" + std::to_string(w.from) + " to " +
             end([](int64_t l) { return "#" + std::to_string(l); });
  }
  return "";
}

}  // namespace

Window window_to_draw(const History& history, const SpacetimeOptions& options, std::string& note) {
  note.clear();
  Diagram whole(history, options.window, options.fold_quiet_anti_entropy);
  whole.index_messages();
  const size_t count = whole.count_messages();
  if (count <= kMaxSpacetimeMessages) return options.window;
  // Too many: the window's first messages, by send. Messages sent before the
  // window and delivered in it are drawn too, so the cut may move up until
  // the part holds no more than the limit.
  const std::vector<size_t> sends = whole.send_lines();
  const auto extent = whole.extent();
  const int64_t first_line = extent ? static_cast<int64_t>(extent->first->line) : 1;
  size_t take = std::min(kMaxSpacetimeMessages, sends.size());
  Window part{Window::Kind::kLines, first_line, INT64_MAX};
  size_t drawn = 0;
  while (true) {
    part.to = take < sends.size() ? static_cast<int64_t>(sends[take]) - 1 : INT64_MAX;
    Diagram d(history, part, options.fold_quiet_anti_entropy);
    d.index_messages();
    drawn = d.count_messages();
    if (drawn <= kMaxSpacetimeMessages || take == 0) break;
    take -= std::min(take, drawn - kMaxSpacetimeMessages);
  }
  Diagram d(history, part, options.fold_quiet_anti_entropy);
  d.index_messages();
  const auto drawn_extent = d.extent();
  note = "Drew messages 1.." + std::to_string(drawn) + " of the " + with_commas(count) + " in " +
         window_words(options.window);
  if (drawn_extent) {
    note += " (history lines #" + std::to_string(drawn_extent->first->line) + "..#" +
            std::to_string(drawn_extent->second->line) +
            ", t=" + format_time_us(drawn_extent->first->t_us) + ".." +
            format_time_us(drawn_extent->second->t_us) + ")";
  }
  note += ": a picture holds at most " + std::to_string(kMaxSpacetimeMessages) + ".";
  if (take < sends.size()) {
    // The next part, in the same words kvsim render takes.
    const size_t next = std::min(take + kMaxSpacetimeMessages * 9 / 10, sends.size());
    note +=
        "\nThe next ones: kvsim render " + history.path + " --from #" + std::to_string(sends[take]);
    if (next < sends.size()) note += " --to #" + std::to_string(sends[next] - 1);
    note += " (or any --from/--to window).";
  }
  return part;
}

size_t png_rows_that_fit(size_t lanes) {
  // The drawing's width: the lanes, the partition labels and the legend.
  const double width_pt = static_cast<double>(kFirstLaneX + kLaneStep * lanes + 600);
  const double width_px = width_pt / 72.0 * kPngDpi;
  const double height_px =
      std::min(static_cast<double>(kMaxPngSide), static_cast<double>(kMaxPngPixels) / width_px);
  const double height_pt = height_px / kPngDpi * 72.0 - 200;  // title, names, footer
  return static_cast<size_t>(std::max(height_pt / kRowStep, 10.0));
}

SpacetimeResult spacetime_dot(const History& history, const SpacetimeOptions& options) {
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
             std::to_string(e->second->line) + ", t=" + format_time_us(e->first->t_us) + ".." +
             format_time_us(e->second->t_us) + ")";
  }
  result.png_note = "This PNG shows rows 1.." + std::to_string(fit) + " of the " +
                    std::to_string(diagram.row_count()) + " drawn" + extent +
                    ": all of them would be too small to read. spacetime.svg (and index.html) "
                    "has every row; --from/--to draws other parts.";
  result.png_dot = part.draw(note + (note.empty() ? "" : "\n") + result.png_note).dot;
  return result;
}

}  // namespace kv::viz
