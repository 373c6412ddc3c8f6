// What `kvsim grade` writes: the text it prints, grade.json and grade.html
// (one self-contained page: no network, no other file), and, for
// `--summary`, the table and page of several graded submissions read back
// from their grade.json.
//
// grade.json holds everything the page and the summary show: the command,
// the options, each sample's verdict, the sessions run and passed, the
// per-rule tallies (judged, wrong), kvsim's choices, the first failing
// difference (its session, the shrunk lines, expected and actual reply, the
// rule and why) and the first difference under each choice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "grade/grader.h"

namespace kv::grade {

std::string report_text(const Report& report);
std::string report_json(const Report& report);
std::string report_html(const Report& report);

// One submission's grade.json, read back.
struct Submission {
  std::string name;    // its folder's name
  std::string folder;  // as given
  std::string command;
  bool passed = false;
  uint64_t samples = 0, samples_passed = 0;
  uint64_t sessions_run = 0, sessions_passed = 0;
  std::vector<RuleScore> rules;  // by Rule, choices included
  std::string stopped;
  // The first failing difference.
  std::string first_rule;  // its rule's id; "" when it passed
  std::string first_why;
  uint64_t first_requests = 0;
  std::vector<std::string> first_lines;
};

// Reads FOLDER/grade.json: an I/O error when it cannot be read, bad input
// when it is not a grade.json.
Result<Submission> read_submission(const std::string& folder);

std::string summary_text(const std::vector<Submission>& submissions);
// `page_folder`: where summary.html goes, so that links to each
// submission's grade.html are relative to it.
std::string summary_html(const std::vector<Submission>& submissions,
                         const std::string& page_folder);

// 1234567 -> "1,234,567".
std::string thousands(uint64_t n);

}  // namespace kv::grade
