#include "viz/report.h"

#include "base/json_text.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

using kv::json::Json;

constexpr size_t kMaxShownJsonChars = 300;

const char* const kStyle =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222;"
    "line-height:1.4}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;"
    "border-bottom:1px solid #ddd}"
    ".meta{color:#555}.desc{font-size:1.1em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}"
    ".odd{color:#9a6700}"
    ".pic{overflow:auto;border:1px solid #ddd;padding:.5em;max-height:90vh;background:#fff}"
    ".note{background:#fff8e1;border-left:4px solid #f0ad4e;padding:.4em .8em}"
    "pre{background:#f8f8f8;padding:.8em;overflow:auto;font-size:.9em}"
    "nav a{margin-right:1em}";

std::string shown_json(const Json& j) {
  std::string text = kv::json::dump(j);
  if (text.size() > kMaxShownJsonChars) {
    text.resize(kMaxShownJsonChars);
    text += "...";
  }
  return text;
}

std::string checks_table(const Json& checks) {
  if (!checks.is_object()) {
    return "<p class=\"odd\">checks: " + html_escape(shown_json(checks)) + "</p>\n";
  }
  std::string out = "<table>\n<tr><th>check</th><th>verdict</th><th>detail</th></tr>\n";
  for (const auto& [name, check] : checks.items()) {
    std::string verdict = "<span class=\"odd\">?</span>";
    std::string detail;
    if (check.is_object()) {
      auto ok = check.find("ok");
      if (ok != check.end() && ok->is_boolean()) {
        verdict = ok->get<bool>() ? "<span class=\"pass\">pass</span>"
                                  : "<span class=\"fail\">FAIL</span>";
      }
      auto d = check.find("detail");
      if (d != check.end()) {
        detail = d->is_string() ? d->get<std::string>() : shown_json(*d);
      }
      // Whatever else the check says (e.g. holds / expected), as name: JSON.
      std::string more;
      for (const auto& [field, value] : check.items()) {
        if (field == "ok" || field == "detail") continue;
        more += (more.empty() ? "" : ", ") + field + ": " + shown_json(value);
      }
      if (!more.empty()) detail += (detail.empty() ? "(" : " (") + more + ")";
    } else {
      detail = shown_json(check);
    }
    out += "<tr><td>" + html_escape(name) + "</td><td>" + verdict + "</td><td>" +
           html_escape(detail) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string figures_table(const Json& figures) {
  if (!figures.is_object()) {
    return "<p class=\"odd\">figures: " + html_escape(shown_json(figures)) + "</p>\n";
  }
  std::string out = "<table>\n<tr><th>figure</th><th>value</th></tr>\n";
  for (const auto& [name, value] : figures.items()) {
    out += "<tr><td>" + html_escape(name) + "</td><td class=\"num\">" +
           html_escape(shown_json(value)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string summary_section(const ReportInput& in) {
  std::string out = "<h2 id=\"checks\">Checks and figures</h2>\n";
  if (!in.summary_error.empty()) {
    return out + "<p class=\"note\">" + html_escape(in.summary_error) + "</p>\n";
  }
  if (in.summary_json.empty()) {
    return out + "<p class=\"meta\">No summary.json beside the history.</p>\n";
  }
  Json summary;
  std::string why;
  if (json::nesting_depth(in.summary_json, kMaxNestingDepth) > kMaxNestingDepth) {
    why = "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels";
  } else {
    try {
      summary = Json::parse(in.summary_json);
    } catch (const Json::exception& e) {
      why = std::string("not JSON (") + e.what() + ")";
    }
  }
  if (why.empty() && !summary.is_object()) why = "not a JSON object";
  if (!why.empty()) {
    return out + "<p class=\"note\">" + html_escape(in.summary_name) +
           " could not be read: " + html_escape(why) + "</p>\n";
  }
  if (auto checks = summary.find("checks"); checks != summary.end()) out += checks_table(*checks);
  if (auto figures = summary.find("figures"); figures != summary.end()) {
    out += figures_table(*figures);
  }
  std::string other;
  for (const auto& [name, value] : summary.items()) {
    if (name == "checks" || name == "figures") continue;
    other += "<tr><td>" + html_escape(name) + "</td><td>" + html_escape(shown_json(value)) +
             "</td></tr>\n";
  }
  if (!other.empty())
    out += "<table>\n<tr><th>more</th><th>value</th></tr>\n" + other + "</table>\n";
  return out;
}

std::string picture_section(const std::string& id, const Picture& p) {
  std::string out = "<h2 id=\"" + id + "\">" + html_escape(p.title) + "</h2>\n";
  if (!p.note.empty()) out += "<p class=\"note\">" + html_escape(p.note) + "</p>\n";
  const std::string svg = inline_svg(p.svg);
  if (!svg.empty()) return out + "<div class=\"pic\">\n" + svg + "\n</div>\n";
  if (!p.dot_file.empty()) {
    out +=
        "<p class=\"meta\">Not drawn here (this kvsim was built without Graphviz, or "
        "drawing was not asked for). The picture's DOT is <code>" +
        html_escape(p.dot_file) + "</code> beside this file: <code>dot -Tsvg -O " +
        html_escape(p.dot_file) + "</code> draws it.</p>\n";
  }
  return out;
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
  std::string out = "<h2 id=\"story\">The story</h2>\n";
  if (pos < story.size()) {
    out += "<p class=\"note\">The first " + std::to_string(kMaxReportStoryLines) +
           " lines of the story; <code>kvsim explain HISTORY</code> tells all of it.</p>\n";
  }
  return out + "<pre>" + html_escape(shown) + "</pre>\n";
}

}  // namespace

std::string inline_svg(const std::string& svg_file_text) {
  const size_t start = svg_file_text.find("<svg");
  const size_t end = svg_file_text.rfind("</svg>");
  if (start == std::string::npos || end == std::string::npos || end < start) return "";
  return svg_file_text.substr(start, end + 6 - start);
}

std::string report_html(const ReportInput& in) {
  const history::History& h = *in.history;
  std::string name = h.start ? h.start->scenario : h.path;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>kvsim: " + html_escape(name) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>kvsim run: " + html_escape(name) + "</h1>\n";
  if (h.start && !h.start->description.empty()) {
    out += "<p class=\"desc\">" + html_escape(h.start->description) + "</p>\n";
  }
  std::string meta;
  if (h.start && h.start->seed) meta += "seed " + std::to_string(*h.start->seed) + " &middot; ";
  meta += "nodes";
  for (const std::string& n : h.nodes()) meta.append(" ").append(html_escape(n));
  meta +=
      " &middot; " + std::to_string(h.events.size()) + " history lines in " + html_escape(h.path);
  out += "<p class=\"meta\">" + meta + "</p>\n";
  out +=
      "<nav><a href=\"#checks\">checks</a><a href=\"#siblings\">causal graph</a>"
      "<a href=\"#spacetime\">space-time</a><a href=\"#story\">story</a></nav>\n";
  for (const std::string& w : h.warnings) {
    out += "<p class=\"note\">" + html_escape(w) + "</p>\n";
  }
  out += summary_section(in);
  out += picture_section("siblings", in.siblings);
  out += picture_section("spacetime", in.spacetime);
  out += story_section(in.story);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace kv::viz
