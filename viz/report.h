// The HTML report of a run: one self-contained `index.html` that opens from
// disk with no network (no external fonts, styles, scripts or images).
//
// It shows the scenario's name and description, the check verdicts and
// summary figures from `summary.json` (optional), both pictures inline as
// SVG (or, without them, where the .dot files are), and the story.
//
// summary.json is read as an optional JSON object: `checks` (name ->
// {"ok": bool, "detail": string}) and `figures` (name -> number) get their
// own tables; any other top-level key is listed with its JSON text. Entries
// of unexpected shape are shown as their JSON text rather than refused: the
// report renders whatever is there. All text is HTML-escaped.
#pragma once

#include <cstddef>
#include <string>

#include "history/history.h"

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
  std::string summary_json;                   // summary.json's text; empty when absent
  std::string summary_name;                   // for messages
  std::string summary_error;                  // set when summary.json exists but could not be read
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
