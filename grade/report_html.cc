// grade.html and summary.html: self-contained pages (inline style, a few
// lines of script for the copy buttons, nothing fetched).
#include <cstdio>
#include <filesystem>

#include "base/escape.h"
#include "base/number_text.h"
#include "base/time_text.h"
#include "grade/report.h"

namespace kv::grade {

namespace {

const char* const kStyle =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222;"
    "line-height:1.45}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;"
    "border-bottom:1px solid #ddd}"
    ".meta{color:#555}code{background:#f3f3f3;padding:0 .2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.bad td{background:#fff0f0}tr.sub td:first-child{padding-left:1.6em;color:#555}"
    ".verdict{font-size:1.25em;padding:.6em 1em;border-radius:4px;margin:1em 0}"
    ".pass{background:#e6f4ea;color:#1a7f37;font-weight:bold}"
    ".fail{background:#ffebe9;color:#cf222e;font-weight:bold}"
    "pre{background:#f8f8f8;border:1px solid #e4e4e4;padding:.7em;overflow:auto;"
    "font-size:.88em;white-space:pre-wrap;word-break:break-all}"
    ".why{background:#fff8e1;border-left:4px solid #f0ad4e;padding:.5em .9em;font-size:1.05em}"
    ".rule{color:#555;font-style:italic}"
    "button{font-size:.9em;margin:.2em 0}"
    "dt{font-weight:bold;margin-top:.6em}dd{margin-left:1.2em}";

// Copies the text of the <pre> just before the button.
const char* const kCopyScript =
    "<script>function copyPre(b){const t=b.previousElementSibling.innerText;"
    "const done=()=>{b.textContent='copied';setTimeout(()=>b.textContent='copy',1500)};"
    "if(navigator.clipboard){navigator.clipboard.writeText(t).then(done,()=>sel(b))}else sel(b)}"
    "function sel(b){const r=document.createRange();r.selectNodeContents(b.previousElementSibling);"
    "const s=getSelection();s.removeAllRanges();s.addRange(r);b.textContent='selected: "
    "press Ctrl+C'}</script>\n";

std::string esc(const std::string& text) {
  return html_escape(text);
}

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title><style>" + kStyle + "</style></head><body>\n" + body + kCopyScript +
         "</body></html>\n";
}

std::string lines_block(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return "<pre>" + esc(text) + "</pre><button onclick=\"copyPre(this)\">copy</button>\n";
}

std::string command_words(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& w : command) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string score_table(const Report& r) {
  std::string out =
      "<table>\n<tr><th>rule</th><th>what the task says</th><th>replies judged</th>"
      "<th>wrong</th></tr>\n";
  for (size_t i = 0; i < kRuleCount; ++i) {
    const Rule rule = static_cast<Rule>(i);
    if (rule == Rule::kExact && !r.options.exact) continue;
    RuleScore s = r.score[i];
    if (rule == Rule::kChoices) {
      s = {};
      for (const RuleScore& c : r.choices) s.judged += c.judged, s.wrong += c.wrong;
    }
    const bool bad = s.wrong > 0 && (rule != Rule::kChoices || r.options.strict);
    out += std::string("<tr") + (bad ? " class=\"bad\"" : "") + "><td>" +
           esc(std::string(rule_info(rule).title)) + "</td><td class=\"rule\">" +
           esc(std::string(rule_info(rule).words)) + "</td><td class=\"num\">" +
           thousands(s.judged) + "</td><td class=\"num\">" + thousands(s.wrong) + "</td></tr>\n";
    if (rule != Rule::kChoices) continue;
    for (size_t c = 0; c < kChoiceCount; ++c) {
      const Choice choice = static_cast<Choice>(c);
      out += "<tr class=\"sub\"><td>" + esc(std::string(choice_info(choice).title)) +
             "</td><td class=\"rule\">" + esc(std::string(choice_info(choice).words)) +
             "</td><td class=\"num\">" + thousands(r.choices[c].judged) +
             "</td><td class=\"num\">" + thousands(r.choices[c].wrong) + "</td></tr>\n";
    }
  }
  return out + "</table>\n";
}

std::string difference_block(const Difference& d) {
  std::string out = "<p><b>Request " + std::to_string(d.request + 1) +
                    "</b> (what differs: " + esc(d.what) + "), expected:</p>\n";
  out += "<pre>" + esc(d.expected.empty() ? "(no reply)" : d.expected) + "</pre>\n";
  out += "<p>got:</p>\n<pre>" + esc(d.got.empty() ? "(nothing)" : d.got) + "</pre>\n";
  out += "<p class=\"why\">" + esc(d.why) + "</p>\n";
  if (!d.stderr_tail.empty()) {
    out += "<p>The program's stderr ends:</p>\n<pre>" + esc(d.stderr_tail) + "</pre>\n";
  }
  return out;
}

}  // namespace

std::string report_html(const Report& r) {
  const GradeOptions& o = r.options;
  const std::string command = command_words(o.command);
  std::string body = "<h1>kvsim grade</h1>\n<p class=\"meta\">Program: <code>" + esc(command) +
                     "</code><br>seed " + std::to_string(o.seed) + "; " +
                     thousands(r.sessions_run) + " of " + thousands(o.sessions) +
                     " sessions run; a reply may take " + format_time(o.timeout_us) +
                     (o.exact ? "; --exact" : "") + (o.strict ? "; --strict" : "") + "</p>\n";
  if (r.passed()) {
    uint64_t choices = 0;
    for (const RuleScore& c : r.choices) choices += c.wrong;
    body += "<div class=\"verdict pass\">PASS: no difference from the task's rules in " +
            std::to_string(r.sample_names.size()) + " samples and " + thousands(r.sessions_run) +
            " sessions" +
            (choices > 0 && !o.strict ? " (" + thousands(choices) +
                                            " where kvsim chose otherwise, which do not fail: "
                                            "below)"
                                      : std::string()) +
            "</div>\n";
  } else {
    body += "<div class=\"verdict fail\">FAIL: " + esc(r.first->session.name) + " differs under " +
            esc(std::string(rule_info(r.first->shrunk_difference.rule).title)) +
            " (below: the fewest requests that show it)</div>\n";
  }
  if (!r.stopped.empty()) body += "<p class=\"why\">Stopped early: " + esc(r.stopped) + "</p>\n";
  if (r.first) {
    const FirstDifference& f = *r.first;
    const Difference& d = f.shrunk_difference;
    body += "<h2>The first difference</h2>\n<p>Rule: <b>" +
            esc(std::string(rule_info(d.rule).title)) + "</b> <span class=\"rule\">(" +
            esc(std::string(d.choice ? choice_info(*d.choice).words : rule_info(d.rule).words)) +
            ")</span></p>\n";
    body += "<p>Paste these " + std::to_string(f.shrunk.lines.size()) +
            " lines into the program (as its stdin)";
    if (f.shrunk_ok) {
      body += "; shrunk from the " + std::to_string(f.difference.request + 1) + " requests of " +
              esc(f.session.name) + " up to the difference, in " + std::to_string(f.shrink_runs) +
              " runs";
    }
    body += ":</p>\n" + lines_block(f.shrunk.lines) +
            "<p class=\"meta\">Or save them as <code>session.txt</code> and run <code>" +
            esc(command) + " &lt; session.txt</code>.</p>\n" + difference_block(d);
  }
  body +=
      "<h2>Score by rule</h2>\n<p class=\"meta\">Every reply is judged under the protocol, "
      "then its content under the rule the request reaches. A session stops at its first "
      "failing difference. kvsim's choices are where the task is silent: they fail only "
      "with --strict.</p>\n" +
      score_table(r);
  body += "<h2>Samples</h2>\n<table>\n<tr><th>sample</th><th>verdict</th></tr>\n";
  for (size_t i = 0; i < r.sample_names.size(); ++i) {
    body += "<tr><td>" + esc(r.sample_names[i]) + "</td><td>" +
            (r.sample_passed[i] ? "pass" : "<b>FAIL</b>") + "</td></tr>\n";
  }
  body += "</table>\n<p class=\"meta\">Sessions: " + thousands(r.sessions_passed) + " of " +
          thousands(r.sessions_run) + " pass, " + fixed_text(r.seconds, 1) + " s.</p>\n";
  if (!r.choice_examples.empty()) {
    body +=
        "<h2>Where kvsim chose otherwise</h2>\n<p class=\"meta\">The task does not say "
        "what to do here; kvsim node does what each rule below says and this program did "
        "something else. These do not fail the grade" +
        std::string(o.strict ? " without --strict (they do now)" : " (--strict makes them)") +
        ", and the key concerned is not judged further in that session.</p>\n<dl>\n";
    for (size_t i = 0; i < r.choice_examples.size(); ++i) {
      const auto& [name, d] = r.choice_examples[i];
      body += "<dt>" + esc(std::string(choice_info(*d.choice).title)) + " (" + esc(name) +
              ", request " + std::to_string(d.request + 1) + ")</dt><dd>" + esc(d.why) +
              "<details><summary>the session up to it</summary>" +
              lines_block(r.choice_example_lines[i]) + "</details></dd>\n";
    }
    body += "</dl>\n";
  }
  body += "<h2>Run it again</h2>\n<pre>" +
          esc("kvsim grade --seed " + std::to_string(o.seed) + " --sessions " +
              std::to_string(o.sessions) + " --timeout " + format_time(o.timeout_us) +
              (o.exact ? " --exact" : "") + (o.strict ? " --strict" : "") +
              (o.fail_fast ? " --fail-fast" : "") + " -- " + command) +
          "</pre>\n";
  return page("kvsim grade: " + command, body);
}

std::string summary_html(const std::vector<Submission>& subs, const std::string& page_folder) {
  size_t failed = 0;
  for (const Submission& s : subs) failed += !s.passed;
  std::string body = "<h1>kvsim grade: " + std::to_string(subs.size()) + " submissions, " +
                     std::to_string(failed) + " failing</h1>\n";
  body +=
      "<table>\n<tr><th>submission</th><th>result</th><th>samples</th><th>sessions "
      "passed</th><th>first difference</th></tr>\n";
  for (size_t i = 0; i < subs.size(); ++i) {
    const Submission& s = subs[i];
    std::error_code ec;
    const std::filesystem::path page_path = std::filesystem::path(s.folder) / "grade.html";
    std::filesystem::path link = std::filesystem::relative(page_path, page_folder, ec);
    if (ec || link.empty()) link = page_path;
    const std::string name = std::filesystem::exists(page_path, ec)
                                 ? "<a href=\"" + esc(link.string()) + "\">" + esc(s.name) + "</a>"
                                 : esc(s.name);
    body += std::string("<tr") + (s.passed ? "" : " class=\"bad\"") + "><td>" + name + "</td><td>" +
            (s.passed ? "pass" : "<b>FAIL</b>") + "</td><td class=\"num\">" +
            std::to_string(s.samples_passed) + "/" + std::to_string(s.samples) +
            "</td><td class=\"num\">" + thousands(s.sessions_passed) + "/" +
            thousands(s.sessions_run) + "</td><td>" +
            (s.first_rule.empty() ? std::string("&ndash;")
                                  : "<a href=\"#s" + std::to_string(i) + "\">" + esc(s.first_rule) +
                                        "</a>, " + std::to_string(s.first_requests) + " requests") +
            "</td></tr>\n";
  }
  body += "</table>\n<h2>Wrong replies per rule</h2>\n<table>\n<tr><th>submission</th>";
  for (size_t r = 0; r < kRuleCount; ++r) {
    if (static_cast<Rule>(r) == Rule::kExact) continue;
    body += "<th>" + esc(std::string(rule_info(static_cast<Rule>(r)).title)) + "</th>";
  }
  body += "</tr>\n";
  for (const Submission& s : subs) {
    body += "<tr><td>" + esc(s.name) + "</td>";
    for (size_t r = 0; r < kRuleCount; ++r) {
      const Rule rule = static_cast<Rule>(r);
      if (rule == Rule::kExact) continue;
      const RuleScore& score = s.rules[r];
      const bool bad = score.wrong > 0 && rule != Rule::kChoices;
      body += std::string("<td class=\"num\"") +
              (bad ? " style=\"color:#cf222e;font-weight:bold\"" : "") + ">" +
              (score.judged == 0 ? std::string("&ndash;") : thousands(score.wrong)) + "</td>";
    }
    body += "</tr>\n";
  }
  body +=
      "</table>\n<p class=\"meta\">&ndash;: no reply judged under that rule. A session "
      "stops at its first failing difference, so a rule counts at most one wrong reply per "
      "session. kvsim's choices fail a submission only when graded with --strict.</p>\n";
  if (failed > 0) body += "<h2>First differences</h2>\n";
  for (size_t i = 0; i < subs.size(); ++i) {
    const Submission& s = subs[i];
    if (s.first_rule.empty()) continue;
    body += "<h3 id=\"s" + std::to_string(i) + "\">" + esc(s.name) + ": " + esc(s.first_rule) +
            "</h3>\n<p class=\"meta\"><code>" + esc(s.command) + "</code></p>\n<p class=\"why\">" +
            esc(s.first_why) + "</p>\n" + lines_block(s.first_lines);
  }
  return page("kvsim grade: summary", body);
}

}  // namespace kv::grade
