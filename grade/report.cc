#include "grade/report.h"
#include "base/number_text.h"

#include <cstdio>
#include <filesystem>

#include "base/file.h"
#include "base/json_text.h"
#include "grade/judge.h"

namespace kv::grade {

namespace {

using json::Json;

constexpr size_t kMaxGradeJsonBytes = size_t{64} << 20;

std::string command_text(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& word : command) {
    if (!out.empty()) out += ' ';
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += word;
      continue;
    }
    out += '\'';
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

RuleScore choices_total(const ChoiceCounts& choices) {
  RuleScore total;
  for (const RuleScore& c : choices) {
    total.judged += c.judged;
    total.wrong += c.wrong;
  }
  return total;
}

std::string requests(size_t n) {
  return std::to_string(n) + (n == 1 ? " request" : " requests");
}

std::string pad(std::string text, size_t width, bool right = false) {
  if (text.size() >= width) return text;
  return right ? std::string(width - text.size(), ' ') + text
               : text + std::string(width - text.size(), ' ');
}

// The rule a difference falls under, with the choice if any: "conflicts",
// "kvsim's choices: duplicates".
std::string rule_title(const Difference& d) {
  std::string title(rule_info(d.rule).title);
  if (d.choice) title += ": " + std::string(choice_info(*d.choice).title);
  return title;
}

Json difference_json(const Difference& d, const Session& session) {
  Json j = Json::object();
  j["session"] = session.name;
  j["rule"] = rule_info(d.rule).id;
  j["choice"] = d.choice ? Json(choice_info(*d.choice).id) : Json(nullptr);
  j["what"] = d.what;
  j["request"] = d.request + 1;
  j["lines"] = session.lines;
  j["expected"] = d.expected;
  j["got"] = d.got;
  j["why"] = d.why;
  j["padded"] = d.padded;
  j["stderr_tail"] = d.stderr_tail;
  return j;
}

}  // namespace

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string report_text(const Report& r) {
  const GradeOptions& o = r.options;
  std::string out = "kvsim grade: " + command_text(o.command) + "\n";
  size_t samples_passed = 0;
  for (bool p : r.sample_passed) samples_passed += p;
  out += "samples: " + std::to_string(samples_passed) + " of " +
         std::to_string(r.sample_passed.size()) + " pass\n";
  const double rate = r.seconds > 0 ? static_cast<double>(r.sessions_run) / r.seconds : 0;
  out += "sessions: " + thousands(r.sessions_passed) + " of " + thousands(r.sessions_run) +
         " pass (seed " + std::to_string(o.seed) + "; " + fixed_text(r.seconds, 1) + " s, " +
         fixed_text(rate, 1) + " sessions/s)\n";
  if (!r.stopped.empty()) out += "stopped early: " + r.stopped + "\n";

  out += "\n" + pad("rule", 26) + pad("judged", 10, true) + pad("wrong", 8, true) + "\n";
  for (size_t i = 0; i < kRuleCount; ++i) {
    const Rule rule = static_cast<Rule>(i);
    RuleScore s = r.score[i];
    if (rule == Rule::kChoices) s = choices_total(r.choices);
    if (rule == Rule::kExact && !o.exact) continue;
    std::string line = pad(std::string(rule_info(rule).title), 26) +
                       pad(thousands(s.judged), 10, true) + pad(thousands(s.wrong), 8, true);
    if (rule == Rule::kChoices)
      line += o.strict ? "   (--strict: they fail)" : "   (not failing without --strict)";
    out += line + "\n";
    if (rule != Rule::kChoices) continue;
    for (size_t c = 0; c < kChoiceCount; ++c) {
      if (r.choices[c].judged == 0) continue;
      out += "  " + pad(std::string(choice_info(static_cast<Choice>(c)).title), 24) +
             pad(thousands(r.choices[c].judged), 10, true) +
             pad(thousands(r.choices[c].wrong), 8, true) + "\n";
    }
  }

  if (!r.choice_examples.empty()) {
    out +=
        "\nWhere the task is silent, kvsim chose; this program chose otherwise (" +
        std::string(o.strict ? "failing with --strict" : "not failing; --strict makes them fail") +
        "):\n";
    for (const auto& [session, d] : r.choice_examples) {
      out += "  " + session + ", request " + std::to_string(d.request + 1) + ": " + d.why + "\n";
    }
  }

  if (!r.first) {
    out += "\nPASS: no difference from the task's rules";
    out += o.strict ? " or kvsim's choices" : "";
    return out + " in " + std::to_string(r.sample_passed.size()) + " samples and " +
           thousands(r.sessions_run) + " sessions\n";
  }
  const FirstDifference& f = *r.first;
  const Difference& d = f.shrunk_difference;
  out += "\nFAIL: the first difference, in " + f.session.name;
  if (f.shrunk_ok) {
    out += ", shrunk from the " + requests(f.difference.request + 1) + " up to it to " +
           requests(f.shrunk.lines.size()) + " (" + std::to_string(f.shrink_runs) +
           " candidate runs, " + fixed_text(f.shrink_seconds, 1) + " s)";
  }
  out += ":\nrule: " + rule_title(d) + ": " +
         std::string(d.choice ? choice_info(*d.choice).words : rule_info(d.rule).words) + "\n";
  out += "\npaste these lines into the program:\n\n";
  for (const std::string& line : f.shrunk.lines) out += line + "\n";
  out += "\nrequest " + std::to_string(d.request + 1) + ":\n";
  out += "  expected: " + (d.expected.empty() ? std::string("(no reply)") : d.expected) + "\n";
  out += "  got:      " + (d.got.empty() ? std::string("(nothing)") : d.got) + "\n";
  out += "why: " + d.why + "\n";
  if (!d.stderr_tail.empty()) {
    out += "its stderr ends:\n";
    size_t from = 0;
    while (from < d.stderr_tail.size()) {
      size_t end = d.stderr_tail.find('\n', from);
      if (end == std::string::npos) end = d.stderr_tail.size();
      out += "  | " + d.stderr_tail.substr(from, end - from) + "\n";
      from = end + 1;
    }
  }
  return out;
}

std::string report_json(const Report& r) {
  const GradeOptions& o = r.options;
  Json j = Json::object();
  j["kvsim_grade"] = 1;
  j["command"] = o.command;
  j["seed"] = o.seed;
  j["sessions"] = o.sessions;
  j["timeout_ms"] = o.timeout_us / 1000;
  j["exact"] = o.exact;
  j["strict"] = o.strict;
  j["fail_fast"] = o.fail_fast;
  j["passed"] = r.passed();
  Json samples = Json::array();
  for (size_t i = 0; i < r.sample_names.size(); ++i) {
    samples.push_back({{"name", r.sample_names[i]}, {"passed", r.sample_passed[i]}});
  }
  j["samples"] = samples;
  j["sessions_run"] = r.sessions_run;
  j["sessions_passed"] = r.sessions_passed;
  j["seconds"] = r.seconds;
  j["sessions_per_second"] = r.seconds > 0 ? static_cast<double>(r.sessions_run) / r.seconds : 0;
  j["stopped"] = r.stopped;
  Json rules = Json::array();
  for (size_t i = 0; i < kRuleCount; ++i) {
    const RuleScore s =
        static_cast<Rule>(i) == Rule::kChoices ? choices_total(r.choices) : r.score[i];
    rules.push_back({{"rule", rule_info(static_cast<Rule>(i)).id},
                     {"judged", s.judged},
                     {"wrong", s.wrong},
                     {"text", rule_info(static_cast<Rule>(i)).words}});
  }
  j["rules"] = rules;
  Json choices = Json::array();
  for (size_t c = 0; c < kChoiceCount; ++c) {
    choices.push_back({{"choice", choice_info(static_cast<Choice>(c)).id},
                       {"judged", r.choices[c].judged},
                       {"wrong", r.choices[c].wrong},
                       {"text", choice_info(static_cast<Choice>(c)).words}});
  }
  j["choices"] = choices;
  if (r.first) {
    const FirstDifference& f = *r.first;
    Json first = difference_json(f.shrunk_difference, f.shrunk);
    first["session"] = f.session.name;
    first["shrunk"] = f.shrunk_ok;
    first["original_requests"] = f.difference.request + 1;
    first["shrunk_requests"] = f.shrunk.lines.size();
    first["shrink_runs"] = f.shrink_runs;
    first["shrink_seconds"] = f.shrink_seconds;
    first["original_lines"] = f.session.lines;
    j["first_difference"] = first;
  } else {
    j["first_difference"] = nullptr;
  }
  Json examples = Json::array();
  for (size_t i = 0; i < r.choice_examples.size(); ++i) {
    const auto& [name, d] = r.choice_examples[i];
    examples.push_back(difference_json(d, Session{name, r.choice_example_lines[i], {}}));
  }
  j["choice_examples"] = examples;
  return j.dump(2) + "\n";
}

Result<Submission> read_submission(const std::string& folder) {
  const std::string path = (std::filesystem::path(folder) / "grade.json").string();
  const Result<std::string> read = read_file(path, kMaxGradeJsonBytes, "a grade.json");
  if (!read.ok()) return read.status();
  const Json j = Json::parse(*read, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    return Status::bad_input(path + ": not a grade.json written by kvsim grade (" + why + ")");
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (j.value("kvsim_grade", 0) != 1) return bad("no \"kvsim_grade\": 1");
  Submission s;
  s.folder = folder;
  std::filesystem::path p(folder);
  s.name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  try {
    std::vector<std::string> command = j.at("command").get<std::vector<std::string>>();
    s.command = command_text(command);
    s.passed = j.at("passed").get<bool>();
    for (const Json& sample : j.at("samples")) {
      ++s.samples;
      s.samples_passed += sample.at("passed").get<bool>();
    }
    s.sessions_run = j.at("sessions_run").get<uint64_t>();
    s.sessions_passed = j.at("sessions_passed").get<uint64_t>();
    s.stopped = j.value("stopped", "");
    s.rules.resize(kRuleCount);
    for (const Json& rule : j.at("rules")) {
      const std::optional<Rule> r = rule_by_id(rule.at("rule").get<std::string>());
      if (!r) continue;
      s.rules[static_cast<size_t>(*r)] = {rule.at("judged").get<uint64_t>(),
                                          rule.at("wrong").get<uint64_t>()};
    }
    const Json& first = j.at("first_difference");
    if (!first.is_null()) {
      s.first_rule = first.at("rule").get<std::string>();
      if (first.at("choice").is_string())
        s.first_rule += ": " + first.at("choice").get<std::string>();
      s.first_why = first.at("why").get<std::string>();
      s.first_lines = first.at("lines").get<std::vector<std::string>>();
      s.first_requests = s.first_lines.size();
    }
  } catch (const Json::exception& e) {
    return bad(e.what());
  }
  return s;
}

std::string summary_text(const std::vector<Submission>& subs) {
  size_t width = 10;
  for (const Submission& s : subs) width = std::max(width, s.name.size() + 2);
  std::string out = pad("submission", width) + pad("result", 8) + pad("samples", 9) +
                    pad("sessions", 13) + "first difference\n";
  for (const Submission& s : subs) {
    std::string first = "-";
    if (!s.first_rule.empty()) {
      first = s.first_rule + " (" + std::to_string(s.first_requests) + " requests)";
    }
    out += pad(s.name, width) + pad(s.passed ? "pass" : "FAIL", 8) +
           pad(std::to_string(s.samples_passed) + "/" + std::to_string(s.samples), 9) +
           pad(thousands(s.sessions_passed) + "/" + thousands(s.sessions_run), 13) + first + "\n";
  }
  width = std::max<size_t>(width, 24);
  out += "\n" + pad("wrong replies per rule", width);
  for (size_t r = 0; r < kRuleCount; ++r) {
    if (static_cast<Rule>(r) == Rule::kExact) continue;
    out += " " + std::string(rule_info(static_cast<Rule>(r)).id);
  }
  out += "\n";
  for (const Submission& s : subs) {
    std::string line = pad(s.name, width);
    for (size_t r = 0; r < kRuleCount; ++r) {
      if (static_cast<Rule>(r) == Rule::kExact) continue;
      const RuleScore& score = s.rules[r];
      const std::string cell = score.judged == 0 ? "." : thousands(score.wrong);
      line += " " + pad(cell, rule_info(static_cast<Rule>(r)).id.size(), true);
    }
    out += line + "\n";
  }
  bool any = false;
  for (const Submission& s : subs) {
    if (s.first_why.empty()) continue;
    if (!any) out += "\n";
    any = true;
    out += s.name + ": " + s.first_rule + ": " + s.first_why + "\n";
  }
  return out;
}

}  // namespace kv::grade
