// The space-time diagram being drawn (Diagram): which events of a window are
// drawn, on which row and lane, and the DOT of each layer (partition bands,
// lifelines, messages, marks). Internal to viz/spacetime*.cc: the public
// contract is viz/spacetime.h.
//
// Layers live in their own files where they are concepts of their own: the
// partition bands in viz/spacetime_bands.cc; arrow colours and texts in
// viz/spacetime_labels.h; the rest in viz/spacetime.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "history/history.h"
#include "viz/spacetime.h"

namespace kv::viz::spacetime_internal {

// Geometry, in points (1/72 inch).
inline constexpr int64_t kRowStep = 30;
inline constexpr int64_t kLaneStep = 120;
inline constexpr int64_t kFirstLaneX = 90;
inline constexpr int64_t kTimeLabelX = 20;

struct Arrow {
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
  Diagram(const history::History& h, const Window& w, bool fold) : h_(h), w_(w), fold_(fold) {}
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
  std::optional<std::pair<const history::Event*, const history::Event*>> extent() const;

 private:
  Where where(const history::Event& e) const {
    const int64_t at = w_.kind == Window::Kind::kLines ? static_cast<int64_t>(e.line) : e.t_us;
    if (w_.kind == Window::Kind::kAll) return Where::kIn;
    if (at < w_.from) return Where::kBefore;
    if (at > w_.to) return Where::kAfter;
    return Where::kIn;
  }
  bool in(size_t event) const { return where(h_.events[event]) == Where::kIn; }
  bool drawn(const Arrow& m) const;

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

  const history::History& h_;
  Window w_;
  std::optional<Window> title_window_;
  bool fold_ = true;
  std::map<uint64_t, Arrow> messages_;
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

}  // namespace kv::viz::spacetime_internal
