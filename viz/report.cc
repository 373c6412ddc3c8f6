#include "viz/report.h"

#include "viz/explorer_assets.h"
#include "viz/explorer_data.h"
#include "viz/summary_words.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

std::string h(const std::string& text) {
  return html_escape(text);
}

// "n1 n2 n3", or "n1 n2 ... n40 (40)" past a dozen.
std::string few(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 12; ++i) out += (i ? " " : "") + names[i];
  if (names.size() > 12) out += " ... " + names.back();
  return out;
}

std::string counted(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The pictures' legends as HTML, which wraps to the page's width (the
// legends inside the SVGs are hidden on the page, kept in the PNGs).
const char* const kSpacetimeLegend =
    "<div class=\"pic-legend\">"
    "<span><i class=\"sw\" style=\"border-color:#1f77b4\"></i>client request or reply</span>"
    "<span><i class=\"sw\" style=\"border-color:#2ca02c\"></i>replication</span>"
    "<span><i class=\"sw\" style=\"border-color:#ff7f0e;border-top-style:dashed\"></i>"
    "anti-entropy (dashed)</span>"
    "<span><b style=\"color:#d62728\">X</b> message lost, with why under it</span>"
    "<span><b>bold, dup</b>: a duplicate delivery</span>"
    "<span><i class=\"sw\" style=\"border-color:#555;border-top-style:dotted\"></i>"
    "crosses the window's edge, or still in flight</span>"
    "<span><i class=\"sw\" style=\"border-color:#e8a0a6;border-top-width:8px\"></i>"
    "partition: a tinted strip per side, naming whom it cuts off</span>"
    "<span><i class=\"sw\" style=\"border-color:#d62728;border-top-style:dashed\"></i>"
    "node down (crash to restart)</span>"
    "<span><i class=\"sw\" style=\"border-color:#e0a800\"></i>the instant the explorer shows; "
    "later messages faded</span>"
    "<span>rows follow the order of events, not a time scale</span></div>\n";

const char* const kGraphLegend =
    "<div class=\"pic-legend\">"
    "<span><b>&rarr;</b> superseded by (direct dominance)</span>"
    "<span><b style=\"color:#2ca02c\">&rArr;</b> merged by a resolve (green, thick)</span>"
    "<span><b style=\"color:#d62728\">[- -] siblings</b>: versions a node held together</span>"
    "<span><b style=\"color:#999\">- -&gt; rejected at</b>: a stale write, pointing at the "
    "version that dominated it</span>"
    "<span><b>thick blue border, \"final on\"</b>: the final state</span>"
    "<span><b style=\"color:#d62728\">LOST</b> / <b style=\"color:#ff7f0e\">UNAVAILABLE</b>: "
    "an accepted write no node / only down nodes hold</span>"
    "<span>faded: not written yet at the explorer's instant; after a click: "
    "blue = before it, purple (double) = after it, orange (dashed) = concurrent</span></div>\n";

std::string header(const ReportInput& in, const SummaryWords& words) {
  const history::History& hist = *in.history;
  const std::string name = hist.start ? hist.start->scenario : in.history_name;
  std::string out = "<h1>" + h(name);
  if (hist.start && hist.start->seed) {
    out += "<span class=\"seed\">seed " + std::to_string(*hist.start->seed) + "</span>";
  }
  out += "</h1>\n";
  if (hist.start && !hist.start->description.empty()) {
    out += "<p class=\"desc\">" + h(hist.start->description) + "</p>\n";
  }
  const std::vector<std::string> nodes = hist.nodes(), clients = hist.clients();
  std::string facts = counted(nodes.size(), "node", "nodes") + " (" + few(nodes) + ")";
  if (!clients.empty())
    facts += " \u00b7 " + counted(clients.size(), "client", "clients") + " (" + few(clients) + ")";
  facts += " \u00b7 " + counted(hist.events.size(), "history line", "history lines");
  if (!hist.events.empty())
    facts += " \u00b7 " + format_time(hist.events.back().t_us) + " simulated";
  facts += " \u00b7 the history: " + in.history_name;
  out += "<p class=\"facts\">" + h(facts) + "</p>\n";
  if (!words.overall.empty()) {
    out += std::string("<p class=\"overall ") + (words.failed ? "verdict-bad" : "verdict-ok") +
           "\">" + h(words.overall) + "</p>\n";
  }
  if (!words.run_end.empty()) {
    std::string s = words.run_end;
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    out += "<p class=\"note\" id=\"run-end\">" + h(s) + ".</p>\n";
  }
  if (!words.stopped.empty()) out += "<p class=\"note\">" + h(words.stopped) + "</p>\n";
  if (!hist.complete) out += "<p class=\"note\">" + h(hist.partial_note()) + ".</p>\n";
  for (const std::string& w : hist.warnings) out += "<p class=\"note\">" + h(w) + "</p>\n";
  out +=
      "<nav><a href=\"#explorer\">explorer</a><a href=\"#siblings\">causal graph</a>"
      "<a href=\"#spacetime\">space-time diagram</a><a href=\"#checks\">checks and figures</a>"
      "<a href=\"#story\">story</a>"
      "<button type=\"button\" id=\"big-top\" onclick=\"document.getElementById('big')"
      ".click()\">Large type</button></nav>\n";
  return out;
}

std::string summary_section(const ReportInput& in, const SummaryWords& words) {
  std::string out = "<section id=\"checks\">\n<h2>Checks and figures</h2>\n";
  if (!in.summary_error.empty()) {
    out += "<p class=\"note\">" + h(in.summary_error) + "</p>\n";
  } else if (in.summary_json.empty()) {
    out += "<p class=\"muted\">No summary.json beside the history.</p>\n";
  } else if (!words.read) {
    out += "<p class=\"note\">" + h(in.summary_name) + " could not be read: " + h(words.error) +
           "</p>\n";
  } else {
    out += words.checks_html + words.figures_html;
    if (!words.facts_html.empty()) out += "<h3>About this run</h3>\n" + words.facts_html;
  }
  return out + "</section>\n";
}

std::string picture_section(const std::string& id, const Picture& p, const char* legend) {
  std::string out = "<section id=\"" + id + "\">\n<h2>" + h(p.title) + "</h2>\n";
  if (!p.note.empty()) out += "<p class=\"note\">" + h(p.note) + "</p>\n";
  const std::string svg = inline_svg(p.svg);
  if (!svg.empty()) return out + legend + "<div class=\"pic\">\n" + svg + "\n</div>\n</section>\n";
  if (!p.dot_file.empty()) {
    out +=
        "<p class=\"muted\">Not drawn here (this kvsim was built without Graphviz, or "
        "drawing was not asked for). The picture's DOT is <code>" +
        h(p.dot_file) + "</code> beside this file: <code>dot -Tsvg -O " + h(p.dot_file) +
        "</code> draws it.</p>\n";
  }
  return out + "</section>\n";
}

std::string story_section(const std::string& story) {
  std::string shown;
  size_t lines = 0, pos = 0;
  while (pos < story.size() && lines < kMaxReportStoryLines) {
    size_t end = story.find('\n', pos);
    end = end == std::string::npos ? story.size() : end + 1;
    shown.append(story, pos, end - pos);
    pos = end;
    ++lines;
  }
  std::string out = "<section id=\"story\">\n<h2>The story</h2>\n";
  if (pos < story.size()) {
    out += "<p class=\"note\">The first " + std::to_string(kMaxReportStoryLines) +
           " lines of the story; <code>kvsim explain HISTORY</code> tells all of it.</p>\n";
  }
  return out + "<pre class=\"story\">" + h(shown) + "</pre>\n</section>\n";
}

}  // namespace

std::string inline_svg(const std::string& svg_file_text) {
  const size_t start = svg_file_text.find("<svg");
  const size_t end = svg_file_text.rfind("</svg>");
  if (start == std::string::npos || end == std::string::npos || end < start) return "";
  return svg_file_text.substr(start, end + 6 - start);
}

std::string report_html(const ReportInput& in) {
  const history::History& hist = *in.history;
  SummaryWords words;
  if (in.summary_error.empty() && !in.summary_json.empty()) {
    words = summary_words(in.summary_json, in.page_dir);
  }
  ExplorerInput explorer;
  explorer.history = &hist;
  explorer.graph = in.graph;
  explorer.window = in.window;
  explorer.run_end = words.run_end;
  explorer.history_name = in.history_name;

  const std::string name = hist.start ? hist.start->scenario : in.history_name;
  std::string title = "kvsim: " + name;
  if (hist.start && hist.start->seed) title += " (seed " + std::to_string(*hist.start->seed) + ")";
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + h(title) + "</title>\n";
  out += "<style>\n" + std::string(kExplorerStyle) + "</style>\n</head>\n<body>\n<main>\n";
  out += header(in, words);
  // The explorer and the pictures share one block, so that the explorer's
  // controls stay in view (sticky) while the pictures scroll by.
  out +=
      "<div id=\"explore-block\">\n<section id=\"explorer\"><h2>Explore the run, instant by "
      "instant</h2><noscript><p class=\"note\">The explorer needs JavaScript; the checks, "
      "pictures and story below do not.</p></noscript></section>\n";
  out += picture_section("siblings", in.siblings, kGraphLegend);
  out += picture_section("spacetime", in.spacetime, kSpacetimeLegend);
  out += "</div>\n";
  out += summary_section(in, words);
  out += story_section(in.story);
  out += "</main>\n<script type=\"application/json\" id=\"kvsim-data\">" +
         explorer_data_json(explorer) + "</script>\n";
  out += "<script>\n" + std::string(kExplorerScript) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace kv::viz
