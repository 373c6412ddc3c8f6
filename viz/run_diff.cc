#include "viz/run_diff.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "base/json_text.h"
#include "base/limits.h"
#include "base/natural_less.h"
#include "viz/event_words.h"
#include "viz/explorer_assets.h"
#include "viz/summary_words.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

// The history's records, read by this file throughout.
using namespace kv::history;

using kv::json::Json;

// The lines of `text` (without their '\n').
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// A summary as JSON, or null when absent or unreadable.
Json summary_of(const std::string& text) {
  if (text.empty() || json::nesting_depth(text, kMaxNestingDepth) > kMaxNestingDepth)
    return nullptr;
  try {
    Json j = Json::parse(text);
    return j.is_object() ? j : Json(nullptr);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

const Json* member(const Json& j, const char* name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

std::string about(const RunSide& side, size_t lines, const Json& summary) {
  const History& h = *side.history;
  std::string out = h.start ? h.start->scenario : side.name;
  if (h.start && h.start->seed) out += ", seed " + std::to_string(*h.start->seed);
  out += ": " + std::to_string(lines) + " history lines";
  if (const Json* f = member(summary, "fingerprint"); f != nullptr && f->is_string()) {
    out += ", fingerprint " + f->get<std::string>();
  }
  if (!h.complete) out += " (" + h.partial_note() + ")";
  return out + " [" + side.name + "]";
}

// Line number -> the line in words.
class Words {
 public:
  // Words for the events of lines [from, to] only.
  Words(const History& h, size_t from, size_t to) : h_(h) {
    size_t first = h.events.size(), last = 0;
    for (size_t i = 0; i < h.events.size(); ++i) {
      if (h.events[i].line < from || h.events[i].line > to) continue;
      index_[h.events[i].line] = i;
      first = std::min(first, i);
      last = i + 1;
    }
    first_ = first;
    if (first < last) words_ = event_sentences(h, first, last);
  }
  DiffLine line(size_t number) const {
    auto it = index_.find(number);
    if (it == index_.end()) return DiffLine{number, 0, "", "(a blank line)"};
    const Event& e = h_.events[it->second];
    const EventWords& w = words_[it->second - first_];
    return DiffLine{number, e.t_us, w.key, w.text};
  }

 private:
  const History& h_;
  std::vector<EventWords> words_;  // of events first_..
  size_t first_ = 0;
  std::map<size_t, size_t> index_;
};

// Each node's final store: node -> (live, key -> sorted version texts).
struct Final {
  bool live = true;
  std::map<std::string, std::vector<std::string>> keys;
};
std::map<std::string, Final> finals(const History& h) {
  std::map<std::string, Final> out;
  for (const Event& e : h.events) {
    const auto* f = std::get_if<FinalEvent>(&e.data);
    if (f == nullptr) continue;
    Final& node = out[f->node];
    node.live = f->live;
    for (const auto& [key, versions] : f->store) {
      std::vector<std::string>& texts = node.keys[key];
      for (const VersionText& v : versions) {
        Clock clock = v.clock;
        texts.push_back(readable(version_text(v.value, clock)));
      }
      std::sort(texts.begin(), texts.end());
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& texts) {
  if (texts.empty()) return "nothing";
  std::string out;
  for (const std::string& t : texts) out += (out.empty() ? "" : ", ") + t;
  return out;
}

void compare_stores(const History& a, const History& b, RunDiff& d) {
  const std::map<std::string, Final> fa = finals(a), fb = finals(b);
  std::set<std::string, NaturalLess> nodes;
  for (const auto& [n, f] : fa) nodes.insert(n);
  for (const auto& [n, f] : fb) nodes.insert(n);
  auto add = [&](const std::string& sentence) {
    if (d.stores.size() < kMaxDiffStores) d.stores.push_back(sentence);
    ++d.store_differences;
  };
  for (const std::string& n : nodes) {
    auto ia = fa.find(n), ib = fb.find(n);
    if (ia == fa.end() || ib == fb.end()) {
      add(n + " is only in " + (ia == fa.end() ? "B" : "A"));
      continue;
    }
    if (ia->second.live != ib->second.live) {
      add(n + " is " + (ia->second.live ? "up" : "down") + " at the end in A, " +
          (ib->second.live ? "up" : "down") + " in B");
    }
    std::set<std::string> keys;
    for (const auto& [k, v] : ia->second.keys) keys.insert(k);
    for (const auto& [k, v] : ib->second.keys) keys.insert(k);
    for (const std::string& k : keys) {
      auto ka = ia->second.keys.find(k), kb = ib->second.keys.find(k);
      const std::vector<std::string> none;
      const std::vector<std::string>& va = ka == ia->second.keys.end() ? none : ka->second;
      const std::vector<std::string>& vb = kb == ib->second.keys.end() ? none : kb->second;
      if (va == vb) continue;
      add(n + ", key " + key_text(k) + ": A holds " + joined(va) + "; B holds " + joined(vb));
    }
  }
}

std::string verdict_of(const Json& check) {
  const Json* holds = member(check, "holds");
  const Json* expected = member(check, "expected");
  if (holds == nullptr || !holds->is_boolean()) return "no verdict";
  const bool e = expected != nullptr && expected->is_boolean() ? expected->get<bool>() : true;
  std::string out = verdict_words(holds->get<bool>(), e);
  const Json* detail = member(check, "detail");
  if (detail != nullptr && detail->is_string() && !detail->get<std::string>().empty()) {
    out += ": " + detail->get<std::string>();
  }
  return out;
}

void compare_summaries(const Json& a, const Json& b, RunDiff& d) {
  if (a.is_null() || b.is_null()) {
    if (!a.is_null() || !b.is_null()) {
      d.verdicts.push_back(std::string("only ") + (a.is_null() ? "B" : "A") +
                           " has a summary.json to compare verdicts with");
      d.same_verdicts = false;
    }
    return;
  }
  const Json none = Json::object();
  const Json* ca = member(a, "checks");
  const Json* cb = member(b, "checks");
  std::vector<std::string> names;
  for (const Json* c : {ca, cb}) {
    if (c == nullptr || !c->is_object()) continue;
    for (const auto& [name, v] : c->items()) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  for (const std::string& name : names) {
    const Json* x = ca != nullptr ? member(*ca, name.c_str()) : nullptr;
    const Json* y = cb != nullptr ? member(*cb, name.c_str()) : nullptr;
    const std::string va = x != nullptr ? verdict_of(*x) : "not checked";
    const std::string vb = y != nullptr ? verdict_of(*y) : "not checked";
    if (va == vb) continue;
    d.same_verdicts = false;
    d.verdicts.push_back(name + ": A " + va + "; B " + vb);
  }
  auto sentence = [&](const Json& s) {
    const Json* e = member(s, "run_end");
    const Json* t = e != nullptr ? member(*e, "sentence") : nullptr;
    return t != nullptr && t->is_string() ? t->get<std::string>() : std::string();
  };
  if (sentence(a) != sentence(b)) {
    d.verdicts.push_back(
        "at the end: A: " + (sentence(a).empty() ? "nothing was under way" : sentence(a)) +
        "; B: " + (sentence(b).empty() ? "nothing was under way" : sentence(b)));
  }
  const Json* fa = member(a, "figures");
  const Json* fb = member(b, "figures");
  if (fa == nullptr || fb == nullptr || !fa->is_object() || !fb->is_object()) return;
  for (const auto& [name, v] : fa->items()) {
    const Json* w = member(*fb, name.c_str());
    if (w == nullptr || *w == v) continue;
    const std::string unit = name == "history_bytes" ? " bytes" : "";
    d.figures.push_back(figure_label(name) + ": " + json::dump(v) + unit + " in A, " +
                        json::dump(*w) + unit + " in B");
  }
}

// How two start lines differ, in words: "seed 7 in A, 8 in B".
std::string start_difference(const StartEvent& a, const StartEvent& b) {
  std::vector<std::string> parts;
  if (a.scenario != b.scenario)
    parts.push_back("scenario " + a.scenario + " in A, " + b.scenario + " in B");
  if (a.seed != b.seed) {
    auto seed = [](const std::optional<uint64_t>& s) {
      return s ? std::to_string(*s) : std::string("none");
    };
    parts.push_back("seed " + seed(a.seed) + " in A, " + seed(b.seed) + " in B");
  }
  if (a.nodes != b.nodes) {
    parts.push_back(std::to_string(a.nodes.size()) + " nodes in A, " +
                    std::to_string(b.nodes.size()) + " in B");
  }
  if (a.description != b.description) parts.push_back("the descriptions differ");
  if (parts.empty()) parts.push_back("other fields (a swarm draw, a planted bug) differ");
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string line_text(const DiffLine& l) {
  std::string out = "#" + std::to_string(l.number) + " t=" + format_time(l.t_us) + " ";
  if (!l.key.empty()) out += "[key " + key_text(l.key) + "] ";
  return out + l.text;
}

}  // namespace

RunDiff diff_runs(const RunSide& a, const RunSide& b, size_t context) {
  RunDiff d;
  const std::vector<std::string_view> la = lines_of(a.history_text), lb = lines_of(b.history_text);
  const Json sa = summary_of(a.summary_json), sb = summary_of(b.summary_json);
  d.about_a = about(a, la.size(), sa);
  d.about_b = about(b, lb.size(), sb);
  size_t i = 0;
  // Start lines that differ (another seed, say) are said apart: the runs
  // are compared from the next line on.
  const StartEvent* start_a = a.history->start ? &*a.history->start : nullptr;
  const StartEvent* start_b = b.history->start ? &*b.history->start : nullptr;
  if (!la.empty() && !lb.empty() && la[0] != lb[0] && start_a != nullptr && start_b != nullptr) {
    d.start = start_difference(*start_a, *start_b);
    i = 1;
  }
  while (i < la.size() && i < lb.size() && la[i] == lb[i]) ++i;
  d.same_history = a.history_text == b.history_text;
  if (!d.same_history) {
    const bool rest_same = i == la.size() && i == lb.size();
    d.first_difference = rest_same ? 0 : i + 1;
    const size_t from = i > context ? i - context + 1 : 1;
    const Words wa(*a.history, from, i + context), wb(*b.history, from, i + context);
    for (size_t k = i > context ? i - context : 0; k < i; ++k) d.shared.push_back(wa.line(k + 1));
    for (size_t k = i; k < la.size() && k < i + context; ++k) d.a.push_back(wa.line(k + 1));
    for (size_t k = i; k < lb.size() && k < i + context; ++k) d.b.push_back(wb.line(k + 1));
    compare_stores(*a.history, *b.history, d);
  }
  compare_summaries(sa, sb, d);
  return d;
}

std::string diff_text(const RunDiff& d) {
  std::string out = "A: " + d.about_a + "\nB: " + d.about_b + "\n";
  if (d.same_history) {
    out += "The histories are identical, byte for byte.\n";
  } else {
    if (!d.start.empty()) out += "Their start lines differ: " + d.start + ".\n";
    const size_t from = d.start.empty() ? 1 : 2;
    if (d.first_difference == 0) {
      out += "Past their start lines the histories are the same.\n";
    } else {
      out += std::string(d.start.empty() ? "The histories" : "Past them, the histories") +
             " agree on " +
             (d.first_difference > from
                  ? "lines " + std::to_string(from) + ".." + std::to_string(d.first_difference - 1)
                  : std::string("no line")) +
             " and differ from line " + std::to_string(d.first_difference) + ".\n";
    }
    if (!d.shared.empty()) out += "Both runs, up to it:\n";
    for (const DiffLine& l : d.shared) out += "  " + line_text(l) + "\n";
    out += "A from there:\n";
    for (const DiffLine& l : d.a) out += "  " + line_text(l) + "\n";
    if (d.a.empty()) out += "  (A's history ends here)\n";
    out += "B from there:\n";
    for (const DiffLine& l : d.b) out += "  " + line_text(l) + "\n";
    if (d.b.empty()) out += "  (B's history ends here)\n";
    if (d.store_differences == 0) {
      out += "The final stores are the same.\n";
    } else {
      out += "Final stores that differ (" + std::to_string(d.store_differences) + "):\n";
      for (const std::string& s : d.stores) out += "  " + s + "\n";
      if (d.store_differences > d.stores.size()) {
        out += "  ... and " + std::to_string(d.store_differences - d.stores.size()) + " more\n";
      }
    }
  }
  if (d.verdicts.empty()) {
    out += "The verdicts are the same.\n";
  } else {
    out += "Verdicts that differ:\n";
    for (const std::string& v : d.verdicts) out += "  " + v + "\n";
  }
  if (!d.figures.empty()) {
    out += "Figures that differ:\n";
    for (const std::string& f : d.figures) out += "  " + f + "\n";
  }
  out += d.same() ? "Same runs.\n" : "The runs differ.\n";
  return out;
}

std::string diff_html(const RunDiff& d) {
  auto h = [](const std::string& t) { return html_escape(t); };
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kvsim "
      "diff</title>\n"
      "<style>\n" +
      std::string(kExplorerStyle) +
      "td.side{font-weight:bold;white-space:nowrap}</style>\n</head>\n<body>\n<main>\n"
      "<h1>kvsim diff</h1>\n<p><b>A</b>: " +
      h(d.about_a) + "<br><b>B</b>: " + h(d.about_b) + "</p>\n";
  out += std::string("<p class=\"overall ") +
         (d.same() ? "verdict-ok\">\u2714 Same runs: " : "verdict-bad\">\u2718 The runs differ: ") +
         (d.same_history ? "the histories are identical, byte for byte"
          : d.first_difference == 0
              ? "only the start lines differ (" + d.start + ")"
              : "the histories differ from line " + std::to_string(d.first_difference) +
                    (d.start.empty() ? "" : " (and their start lines: " + d.start + ")")) +
         (d.same_verdicts ? "; the verdicts are the same." : "; the verdicts differ.") + "</p>\n";
  if (!d.same_history) {
    out +=
        "<h2>Where they part</h2>\n<table>\n<tr><th>run</th><th>line</th><th>t</th><th>key</th>"
        "<th>what happens</th></tr>\n";
    auto rows = [&](const char* side, const std::vector<DiffLine>& lines) {
      for (const DiffLine& l : lines) {
        out += "<tr data-side=\"" + std::string(side) + "\"><td class=\"side\">" + side +
               "</td><td class=\"num\">#" + std::to_string(l.number) + "</td><td class=\"num\">" +
               h(format_time(l.t_us)) + "</td><td>" + h(l.key.empty() ? "" : key_text(l.key)) +
               "</td><td>" + h(l.text) + "</td></tr>\n";
      }
    };
    rows("both", d.shared);
    rows("A", d.a);
    rows("B", d.b);
    out += "</table>\n<h2>Final stores</h2>\n";
    if (d.store_differences == 0) out += "<p>The final stores are the same.</p>\n";
    out += "<ul>\n";
    for (const std::string& s : d.stores) out += "<li>" + h(s) + "</li>\n";
    if (d.store_differences > d.stores.size()) {
      out +=
          "<li>... and " + std::to_string(d.store_differences - d.stores.size()) + " more</li>\n";
    }
    out += "</ul>\n";
  }
  out += "<h2>Verdicts</h2>\n";
  if (d.verdicts.empty()) out += "<p>The verdicts are the same.</p>\n";
  out += "<ul>\n";
  for (const std::string& v : d.verdicts) out += "<li>" + h(v) + "</li>\n";
  out += "</ul>\n";
  if (!d.figures.empty()) {
    out += "<h2>Figures that differ</h2>\n<ul>\n";
    for (const std::string& f : d.figures) out += "<li>" + h(f) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace kv::viz
