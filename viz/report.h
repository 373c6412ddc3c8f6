// The page of a run: one self-contained `index.html` that opens from disk
// with no network (no external fonts, styles, scripts or images).
//
// It holds the scenario's name and description, the run's facts, its
// verdicts and what it left under way at its end (summary.json's run_end)
// in words, the explorer (viz/explorer/*: a slider and step buttons through
// the history, each node's store at the chosen instant, the messages in
// flight, "why concurrent?" and "why rejected?" slot by slot, filters),
// both pictures inline as SVG (or, without them, where the .dot files
// are), which follow the explorer's slider, and the story.
//
// The explorer's data is viz/explorer_data.h's JSON, in a
// <script type="application/json" id="kvsim-data"> element; its script and
// style are viz/explorer/*, carried inside kvsim (viz/meson.build embeds
// them at build time). Without JavaScript the page still shows everything
// but the explorer, and says so.
//
// summary.json is optional and read as untrusted (viz/summary_words.h).
// All text from the run is HTML-escaped.
#pragma once

#include <cstddef>
#include <string>

#include "history/history.h"
#include "viz/causal_graph.h"
#include "viz/spacetime.h"

namespace kv::viz {

// The report shows at most this many lines of the story (then says how to
// get the rest).
inline constexpr size_t kMaxReportStoryLines = 5000;
inline constexpr size_t kMaxSummaryBytes = size_t{16} << 20;

struct Picture {
  std::string title;
  std::string svg;       // the rendered SVG file's text; empty when not drawn
  std::string dot_file;  // its .dot file name, for the reader
  std::string note;      // shown above the picture (a window note, an error)
};

struct ReportInput {
  const history::History* history = nullptr;  // REQUIRES: not null
  const CausalGraph* graph = nullptr;  // the drawn causal graph, for its boxes' ids; may be null
  Window window;                       // the explorer's window (kvsim render --from/--to)
  std::string summary_json;            // summary.json's text; empty when absent
  std::string summary_name;            // for messages
  std::string summary_error;           // set when summary.json exists but could not be read
  std::string page_dir;                // the folder index.html is written to
  std::string history_name;            // the history as the page names it ("history.jsonl")
  Picture siblings;
  Picture spacetime;
  std::string story;
};

std::string report_html(const ReportInput& input);

// The `<svg ...>...</svg>` part of a Graphviz SVG file (the XML prolog,
// DOCTYPE and comments before it dropped), ready to inline; empty if there
// is no <svg element.
std::string inline_svg(const std::string& svg_file_text);

}  // namespace kv::viz
