// `kvsim grade`: grades a program that claims to implement the task
// (grade/grader.h), or summarises graded submissions (`--summary`).
// Option parsing, printing and the exit status; the work is in grade/.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "grade/grader.h"

namespace kv::cli {

struct GradeCommand {
  grade::GradeOptions options;
  std::string timeout = "5s";
  std::string out_dir;                    // grade.json and grade.html (or summary.html)
  std::vector<std::string> summary_dirs;  // --summary DIR...
  bool print_sessions = false;            // print the generated sessions, run nothing
  bool progress = false;                  // a progress line even when stderr is no terminal
};

// Adds the `grade` subcommand, its options stored in `command`; `seed` and
// `folder` check --seed and --out as every subcommand checks them.
CLI::App* add_grade_command(CLI::App& app, GradeCommand& command, const CLI::Validator& seed,
                            const CLI::Validator& folder);

// Exit status: 0 no difference (every summarised submission passed), 1 a
// difference found, 2 bad usage (or a grade.json that is not one), 4 the
// command cannot be started or an output cannot be written (or a
// grade.json cannot be read).
int run_grade(GradeCommand& command);

}  // namespace kv::cli
