// The space-time (Lamport) diagram of a run: a vertical lifeline per client
// and node, time flowing down, an arrow per message from its send to its
// delivery.
//
// - Client traffic (kv_*), replication and anti-entropy (ae_*) have their
//   own colour and style; a lost message ends in a red X (halfway for
//   `loss`, at the destination for `partition`/`crashed`); a duplicated
//   message's second delivery is bold and labelled "dup".
// - Partitions are shaded bands over the node lifelines from the partition
//   to the heal; a crashed node's lifeline is dashed red until its restart.
// - Vertical spacing follows event order, not the time scale: a row per
//   instant (split where one lifeline both receives and sends at that
//   instant, so causality reads downwards), each labelled with its time.
//
// A window (a time range, or a range of history lines) limits what is
// drawn; messages crossing its edges are drawn dotted to the edge. A window
// with more than kMaxSpacetimeMessages messages is never refused nor cut
// silently: its first messages are drawn (window_to_draw) and a note says
// which ("Drew messages 1..2000 of the 187,000 in the run (history lines
// #1..#5321, t=0us..12.3ms) ...") and how to draw the next ones. `kvsim run`
// and `kvsim render` both draw through here, so they agree on what fits.
//
// Positions are computed here (layout=nop: Graphviz draws, it does not move
// anything), so the DOT depends only on the history and the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

#include "history/history.h"

namespace kv::viz {

inline constexpr size_t kMaxSpacetimeMessages = 2000;
// Above this many messages the arrows carry no text labels (said in a note).
inline constexpr size_t kMaxLabelledMessages = 400;

struct Window {
  enum class Kind { kAll, kTime, kLines };
  Kind kind = Kind::kAll;
  int64_t from = 0;        // inclusive: microseconds, or a 1-based line number
  int64_t to = INT64_MAX;  // inclusive
};

// --from / --to: empty (open), a time with a unit ("150ms", "1.5s", "300us")
// or a history line number ("120" or "#120"). Both given must be the same
// kind. Bad input saying why on anything else.
Result<Window> parse_window(const std::string& from, const std::string& to);

struct SpacetimeOptions {
  Window window;
  // Anti-entropy digests that found nothing to repair (delivered, not lost,
  // and no ae_diff answered their round) are periodic chatter that would
  // bury everything else: they are counted in grey between rows, and said
  // so in the title, instead of drawn. They do not count against the limit.
  bool fold_quiet_anti_entropy = true;
};

struct SpacetimeResult {
  bool ok = false;
  std::string dot;    // when ok
  std::string note;   // when ok and something was left out: what, and how to see it
  bool cut = false;   // only the window's first messages are drawn (the note says which)
  std::string error;  // when not ok
  // When the whole picture would make an unreadable PNG (too many rows to
  // draw at kPngDpi within kMaxPngPixels): the DOT of its first rows, for
  // the PNG only, and a note saying which rows it shows. Empty otherwise.
  std::string png_dot;
  std::string png_note;
};

// The window actually drawn for `options`: options.window itself when it
// holds at most kMaxSpacetimeMessages messages; else the lines of its first
// messages that fit, with `note` saying which were drawn and how to see the
// rest ("" when nothing was left out).
Window window_to_draw(const history::History& history, const SpacetimeOptions& options,
                      std::string& note);

SpacetimeResult spacetime_dot(const history::History& history, const SpacetimeOptions& options);

}  // namespace kv::viz
