#include "viz/summary_words.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <utility>
#include <vector>

#include "base/json_text.h"
#include "base/limits.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

using kv::json::Json;

struct Label {
  const char* name;
  const char* words;
};

// What each check says when it holds.
const Label kChecks[] = {
    {"converged", "every live replica holds the same siblings for every key"},
    {"no_lost_write", "no accepted write is lost"},
    {"maximal", "every live replica holds exactly the maximal accepted writes"},
    {"expect", "the scenario's own expectations (expect:) hold"},
};

const std::pair<const char*, std::vector<Label>> kFigureGroups[] = {
    {"Messages",
     {{"messages_sent", "messages sent"},
      {"messages_delivered", "deliveries (duplicates included)"},
      {"dropped_loss", "lost by the network"},
      {"dropped_partition", "dropped by a partition"},
      {"dropped_crashed", "dropped because the receiver was down"},
      {"duplicated", "duplicated by the network"}}},
    {"Clients",
     {{"client_ops", "operations sent"},
      {"client_ops_unsent", "operations never sent (still queued at the end)"},
      {"client_timeouts", "timeouts (a retry followed)"},
      {"client_gave_up", "operations given up"}}},
    {"Writes",
     {{"writes_accepted", "client writes accepted"},
      {"writes_rejected", "client writes rejected as stale"},
      {"writes_refused", "client writes refused: too many siblings"},
      {"siblings_created", "writes that left a key with siblings"},
      {"lost_writes", "accepted writes lost"},
      {"unavailable_writes", "accepted writes only down nodes hold"}}},
    {"Repair and size",
     {{"anti_entropy_rounds", "anti-entropy rounds"},
      {"versions_repaired", "versions repaired by anti-entropy"},
      {"events", "events simulated"},
      {"history_bytes", "history size"}}},
};

const Label kFacts[] = {
    {"file", "scenario file"},
    {"seed", "seed"},
    {"end_us", "simulated until"},
    {"mutant", "planted bug (mutant build)"},
    {"swarm", "swarm draw"},
    {"scenario_hash", "scenario hash"},
    {"fingerprint", "history fingerprint"},
};

// Fields shown elsewhere on the page, or in the header.
const char* const kShownElsewhere[] = {"scenario", "description", "ok",     "checks",
                                       "figures",  "run_end",     "stopped"};

std::string html_words(const std::string& text) {
  return html_escape(text);
}

// "history_bytes" -> "history bytes"; "scale_us" -> "scale".
std::string label_of(std::string name) {
  if (name.size() > 3 && name.compare(name.size() - 3, 3, "_us") == 0) name.resize(name.size() - 3);
  for (char& c : name) c = c == '_' ? ' ' : c;
  return name;
}

// Any JSON value in words: no quotes, braces or brackets.
std::string words(const Json& j, const std::string& name = "") {
  const bool time = name.size() > 3 && name.compare(name.size() - 3, 3, "_us") == 0;
  if (j.is_null()) return "none";
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  if (j.is_string()) return j.get<std::string>();
  if (time && j.is_number_integer()) return format_time(j.get<int64_t>());
  if (j.is_number()) return kv::json::dump(j);
  std::string out;
  if (j.is_array()) {
    for (const Json& item : j) out += (out.empty() ? "" : ", ") + words(item);
    return out.empty() ? "none" : out;
  }
  for (const auto& [key, value] : j.items()) {
    const std::string v = value.is_object() ? "(" + words(value) + ")" : words(value, key);
    out += (out.empty() ? "" : "; ") + label_of(key) + " " + v;
  }
  return out.empty() ? "none" : out;
}

std::string number_words(const Json& j, const std::string& name) {
  if (name == "history_bytes" && j.is_number_unsigned()) return size_words(j.get<uint64_t>());
  return words(j, name);
}

const Json* field(const Json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

bool flag(const Json& object, const char* name, bool fallback) {
  const Json* f = field(object, name);
  return f != nullptr && f->is_boolean() ? f->get<bool>() : fallback;
}

std::string checks_html(const Json& checks, SummaryWords& out) {
  if (!checks.is_object()) return "<p>Checks: " + html_words(words(checks)) + "</p>\n";
  std::string rows;
  size_t count = 0, bad = 0;
  for (const auto& [name, check] : checks.items()) {
    ++count;
    std::string says = label_of(name);
    for (const Label& l : kChecks) {
      if (name == l.name) says = std::string(l.name) + ": " + l.words;
    }
    if (!check.is_object()) {
      rows += "<tr><td>" + html_words(says) + "</td><td></td><td>" + html_words(words(check)) +
              "</td></tr>\n";
      continue;
    }
    const bool holds = flag(check, "holds", flag(check, "ok", true));
    const bool expected = flag(check, "expected", true);
    const bool ok = flag(check, "ok", holds == expected);
    if (!ok) ++bad;
    const std::string verdict = verdict_words(holds, expected);
    std::string detail;
    if (const Json* d = field(check, "detail"))
      detail = d->is_string() ? d->get<std::string>() : words(*d);
    std::vector<std::string> where;
    for (const char* part : {"node", "key", "time"}) {
      const Json* w = field(check, part);
      if (w == nullptr || w->is_null()) continue;
      const std::string text = words(*w);
      where.push_back(std::string(part) + " " +
                      (std::string(part) == "key" ? "'" + text + "'" : text));
    }
    if (!where.empty()) {
      detail += " (";
      for (size_t i = 0; i < where.size(); ++i) detail += (i ? ", " : "") + where[i];
      detail += ")";
    }
    rows += "<tr data-check=\"" + html_words(name) + "\"><td>" + html_words(says) +
            "</td><td class=\"" + (ok ? "verdict-ok" : "verdict-bad") + "\">" +
            html_words(verdict) + "</td><td>" + html_words(detail) + "</td></tr>\n";
  }
  out.failed = bad > 0;
  const std::string n = std::to_string(count) + (count == 1 ? " check" : " checks");
  out.overall = bad == 0 ? (count == 1 ? "The check came out as the scenario expects."
                                       : "All " + n + " came out as the scenario expects.")
                         : "\u2718 " + std::to_string(bad) + " of " + n +
                               " did not come out as the scenario expects.";
  return "<table class=\"checks\">\n<tr><th>check: what it asks</th><th>verdict</th><th>what it "
         "found</th></tr>\n" +
         rows + "</table>\n";
}

std::string figures_html(const Json& figures) {
  if (!figures.is_object()) return "<p>Figures: " + html_words(words(figures)) + "</p>\n";
  std::string out = "<div class=\"figures\">\n";
  std::vector<std::string> shown;
  for (const auto& [group, labels] : kFigureGroups) {
    std::string rows;
    for (const Label& l : labels) {
      const Json* v = field(figures, l.name);
      if (v == nullptr) continue;
      shown.push_back(l.name);
      rows += "<tr data-figure=\"" + html_words(l.name) + "\"><td>" + html_words(l.words) +
              "</td><td class=\"num\">" + html_words(number_words(*v, l.name)) + "</td></tr>\n";
    }
    if (!rows.empty()) {
      out += "<table><tr><th colspan=\"2\">" + html_words(group) + "</th></tr>\n" + rows +
             "</table>\n";
    }
  }
  std::string rows;
  for (const auto& [name, value] : figures.items()) {
    if (std::find(shown.begin(), shown.end(), name) != shown.end()) continue;
    rows += "<tr data-figure=\"" + html_words(name) + "\"><td>" + html_words(label_of(name)) +
            "</td><td class=\"num\">" + html_words(number_words(value, name)) + "</td></tr>\n";
  }
  if (!rows.empty()) out += "<table><tr><th colspan=\"2\">Other</th></tr>\n" + rows + "</table>\n";
  return out + "</div>\n";
}

std::string facts_html(const Json& summary, const std::string& page_dir) {
  std::string rows;
  auto row = [&](const std::string& label, const std::string& value, const std::string& name) {
    rows += "<tr data-fact=\"" + html_words(name) + "\"><td>" + html_words(label) + "</td><td>" +
            html_words(value) + "</td></tr>\n";
  };
  std::vector<std::string> shown(std::begin(kShownElsewhere), std::end(kShownElsewhere));
  for (const Label& l : kFacts) {
    const Json* v = field(summary, l.name);
    if (v == nullptr) continue;
    shown.push_back(l.name);
    std::string value = words(*v, l.name);
    if (std::string(l.name) == "file" && v->is_string()) {
      const std::filesystem::path p(value);
      if (p.is_absolute() && !page_dir.empty()) {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::absolute(page_dir, ec);
        const std::filesystem::path rel = p.lexically_relative(base);
        if (!ec && !rel.empty()) value = rel.string() + " (from this page's folder)";
      }
    }
    row(l.words, value, l.name);
  }
  for (const auto& [name, value] : summary.items()) {
    if (std::find(shown.begin(), shown.end(), name) != shown.end()) continue;
    row(label_of(name), words(value, name), name);
  }
  return rows.empty() ? "" : "<table class=\"facts\">\n" + rows + "</table>\n";
}

}  // namespace

std::string figure_label(const std::string& name) {
  for (const auto& [group, labels] : kFigureGroups) {
    for (const Label& l : labels) {
      if (name == l.name) return l.words;
    }
  }
  return label_of(name);
}

std::string verdict_words(bool holds, bool expected) {
  if (holds == expected) {
    return (holds ? "\u2714 holds" : "\u2714 fails") +
           std::string(expected ? ", as expected" : ", as the scenario expects");
  }
  return holds ? "\u2718 HOLDS, but the scenario expects it to fail"
               : "\u2718 FAILS (expected to hold)";
}

std::string size_words(uint64_t bytes) {
  if (bytes < 1000) return std::to_string(bytes) + " bytes";
  static const char* const kUnits[] = {"kB", "MB", "GB", "TB"};
  uint64_t scale = 1000;
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && bytes >= scale * 1000) {
    scale *= 1000;
    ++unit;
  }
  const uint64_t tenths = (bytes * 10 + scale / 2) / scale;
  const std::string whole = std::to_string(tenths / 10);
  return (tenths < 100 ? whole + "." + std::to_string(tenths % 10) : whole) + " " + kUnits[unit];
}

std::string run_end_sentence(const std::string& summary_json) {
  if (summary_json.empty() ||
      json::nesting_depth(summary_json, kMaxNestingDepth) > kMaxNestingDepth) {
    return "";
  }
  try {
    const Json s = Json::parse(summary_json);
    const Json* end = s.is_object() ? field(s, "run_end") : nullptr;
    const Json* sentence = end != nullptr && end->is_object() ? field(*end, "sentence") : nullptr;
    return sentence != nullptr && sentence->is_string() ? sentence->get<std::string>() : "";
  } catch (const Json::exception&) {
    return "";
  }
}

SummaryWords summary_words(const std::string& summary_json, const std::string& page_dir) {
  SummaryWords out;
  Json s;
  if (json::nesting_depth(summary_json, kMaxNestingDepth) > kMaxNestingDepth) {
    out.error = "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels";
    return out;
  }
  try {
    s = Json::parse(summary_json);
  } catch (const Json::exception& e) {
    out.error = std::string("not JSON (") + e.what() + ")";
    return out;
  }
  if (!s.is_object()) {
    out.error = "not a JSON object";
    return out;
  }
  out.read = true;
  if (const Json* c = field(s, "checks")) out.checks_html = checks_html(*c, out);
  if (const Json* f = field(s, "figures")) out.figures_html = figures_html(*f);
  out.facts_html = facts_html(s, page_dir);
  out.run_end = run_end_sentence(summary_json);
  if (const Json* st = field(s, "stopped")) {
    out.stopped = "The run stopped early: " + words(*st) + ".";
    out.failed = true;
  }
  return out;
}

}  // namespace kv::viz
