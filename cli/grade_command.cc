#include "cli/grade_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/file.h"
#include "base/time_text.h"
#include "cli/exit_status.h"
#include "grade/report.h"

namespace kv::cli {

namespace {

int fail_grade(const Status& status) {
  return fail(status, "kvsim grade");
}

constexpr int64_t kMaxTimeoutUs = int64_t{3600} * 1'000'000;
constexpr uint64_t kMaxSessions = 10'000'000;

// Creates `dir` and writes `files` (name, text) into it.
Status write_outputs(const std::string& dir,
                     const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error(dir + ": cannot create the folder: " + ec.message());
  for (const auto& [name, text] : files) {
    const Status written = write_file((std::filesystem::path(dir) / name).string(), text);
    if (!written.ok()) return written;
  }
  return Status();
}

int run_summary(const GradeCommand& c) {
  std::vector<grade::Submission> submissions;
  for (const std::string& dir : c.summary_dirs) {
    Result<grade::Submission> s = grade::read_submission(dir);
    if (!s.ok()) return fail_grade(s.status());
    submissions.push_back(std::move(*s));
  }
  std::fputs(grade::summary_text(submissions).c_str(), stdout);
  if (!c.out_dir.empty()) {
    const Status written =
        write_outputs(c.out_dir, {{"summary.html", grade::summary_html(submissions, c.out_dir)}});
    if (!written.ok()) return fail_grade(written);
    std::printf("\nwrote %s/summary.html\n", c.out_dir.c_str());
  }
  for (const grade::Submission& s : submissions) {
    if (!s.passed) return kExitCheckFailed;
  }
  return kExitOk;
}

int print_sessions(const GradeCommand& c) {
  for (uint64_t i = 1; i <= c.options.sessions; ++i) {
    const grade::Session s = grade::generate_session(c.options.seed, i);
    std::string text = "# " + s.name + "\n";
    for (const std::string& line : s.lines) text += line + "\n";
    text += "\n";
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
      return fail_grade(Status::io_error("writing stdout failed"));
    }
  }
  return std::fflush(stdout) == 0 ? kExitOk : fail_grade(Status::io_error("writing stdout failed"));
}

}  // namespace

CLI::App* add_grade_command(CLI::App& app, GradeCommand& c, const CLI::Validator& seed,
                            const CLI::Validator& folder) {
  CLI::App* grade = app.add_subcommand(
      "grade",
      "Grade a program that implements the task (any language) against kvsim's replica: the "
      "task's samples, then generated sessions; the first difference shrunk and explained "
      "(docs/GRADING.md). Usage: kvsim grade [OPTIONS] -- CMD [ARGS...]");
  grade->add_option("command", c.options.command,
                    "The program to grade and its arguments, after --");
  grade->add_option("--sessions", c.options.sessions, "Generated sessions, each a fresh process")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, kMaxSessions));
  grade->add_option("--seed", c.options.seed, "Seed of the generated sessions")
      ->capture_default_str()
      ->check(seed);
  grade
      ->add_option("--timeout", c.timeout,
                   "How long a reply may take (e.g. 5s, 500ms) before the program counts as "
                   "silent")
      ->capture_default_str();
  grade->add_flag("--exact", c.options.exact,
                  "Judge replies byte for byte as kvsim node writes them (msg_ids, key order)");
  grade->add_flag("--strict", c.options.strict,
                  "Fail on kvsim's own choices too (error codes, the sibling bound, ...)");
  grade->add_flag("--fail-fast", c.options.fail_fast, "Stop at the first failing session");
  grade
      ->add_option("--out", c.out_dir,
                   "Write grade.json and grade.html here (with --summary: summary.html)")
      ->check(folder);
  grade
      ->add_option("--summary", c.summary_dirs,
                   "Summarise the --out folders of graded submissions: a table (and, with "
                   "--out, a page); runs nothing")
      ->expected(1, -1);
  grade->add_flag("--print-sessions", c.print_sessions,
                  "Print the generated sessions' lines (seed, --sessions) and run nothing");
  grade->add_flag("--progress", c.progress,
                  "Show the progress line on stderr even when it is not a terminal");
  return grade;
}

int run_grade(GradeCommand& c) {
  if (!c.summary_dirs.empty()) {
    if (!c.options.command.empty()) {
      return fail_grade(Status::bad_input(
          "--summary reads graded folders and runs nothing: no command goes with it"));
    }
    return run_summary(c);
  }
  if (c.print_sessions) return print_sessions(c);
  if (c.options.command.empty()) {
    return fail_grade(Status::bad_input(
        "no program to grade: give it after --, e.g. kvsim grade -- python3 node.py"));
  }
  const std::optional<int64_t> timeout = parse_time_us(c.timeout, kMaxTimeoutUs);
  if (!timeout || *timeout <= 0) {
    return fail_grade(Status::bad_input("--timeout: '" + c.timeout +
                                        "' is not a time from 1us to 1h such as 5s or 500ms"));
  }
  c.options.timeout_us = *timeout;

  const bool show_progress = c.progress || ::isatty(STDERR_FILENO);
  auto progress = [&](const grade::Report& r) {
    if (!show_progress || (r.sessions_run % 25 != 0 && r.sessions_run != c.options.sessions)) {
      return;
    }
    const double rate = r.seconds > 0 ? static_cast<double>(r.sessions_run) / r.seconds : 0;
    std::fprintf(stderr, "\rkvsim grade: %s of %s sessions, %s failing (%.0f/s)   ",
                 grade::thousands(r.sessions_run).c_str(),
                 grade::thousands(c.options.sessions).c_str(),
                 grade::thousands(r.sessions_run - r.sessions_passed).c_str(), rate);
  };
  Result<grade::Report> report = grade::grade(c.options, progress);
  if (show_progress && c.options.sessions > 0) std::fputs("\n", stderr);
  if (!report.ok()) return fail_grade(report.status());
  std::fputs(grade::report_text(*report).c_str(), stdout);
  if (!c.out_dir.empty()) {
    const Status written = write_outputs(c.out_dir, {{"grade.json", grade::report_json(*report)},
                                                     {"grade.html", grade::report_html(*report)}});
    if (!written.ok()) return fail_grade(written);
    std::printf("wrote %s/grade.json and grade.html\n", c.out_dir.c_str());
  }
  return report->passed() ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
