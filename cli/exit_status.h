// Exit statuses: the one place where how a subcommand ended becomes the
// process's exit status. Each number means the same in every subcommand:
//
//   0  done (`run`, `sweep`, `bench fanout`: every check came out as expected;
//      `shrink`: the failure was shrunk to a 1-minimal file; `grade`: no
//      difference from the task's rules; `diff`: the runs are the same)
//   1  a check failed (`run`, `sweep`, `sweep-merge`, `bench fanout`): the run
//      itself went through; `shrink`: its own check failed, the file is not
//      1-minimal; `grade`: the program differs from the task's rules; `diff`:
//      the two runs differ; `run --node-cmd`: a node failed during the run
//      (exited, went silent, wrote what is not a message)
//   2  bad input: a bad option, scenario or history, an output folder holding
//      the other command's output (Status::bad_input)
//   3  the history reached its cap (`run --max-history`): the run stopped
//      there, keeping the history so far
//   4  an I/O failure: a file or folder cannot be opened, read or written,
//      stdin/stdout fail (every subcommand, --help, --version: cli/main.cc
//      checks stdout last), Graphviz fails to draw, or the program `grade`
//      runs cannot be started (Status::io_error), or (`run --node-cmd`) a
//      node fails while the cluster starts
//
// Subcommands return these constants or exit_status(status); they never
// write a number of their own.
#pragma once

#include <cstdio>

#include "base/status.h"

namespace kv::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitHistoryCap = 3;
inline constexpr int kExitIoError = 4;

// kExitOk, kExitBadInput or kExitIoError.
inline int exit_status(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kBadInput:
      return kExitBadInput;
    case Status::Code::kIoError:
      return kExitIoError;
  }
  return kExitIoError;
}

// How a subcommand ends on an error: "WHO: MESSAGE" on stderr (MESSAGE alone
// when WHO is "": a message that starts with its file, "FILE:LINE: ..."),
// and the status's exit status.
inline int fail(const Status& status, const char* who = "kvsim") {
  if (*who == '\0') {
    std::fprintf(stderr, "%s\n", status.message().c_str());
  } else {
    std::fprintf(stderr, "%s: %s\n", who, status.message().c_str());
  }
  return exit_status(status);
}

// The table above, for `kvsim --help`.
inline constexpr const char* kExitStatusHelp =
    "Exit status, the same for every subcommand:\n"
    "  0  done (every check came out as the scenario expects; shrink: 1-minimal;\n"
    "     diff: the runs are the same)\n"
    "  1  a check failed (run, sweep, sweep-merge, bench fanout); shrink: could not\n"
    "     shrink to a 1-minimal file; grade: a difference; diff: the runs differ;\n"
    "     run --node-cmd: a node failed during the run\n"
    "  2  bad input: a bad option, scenario or history, or an output folder that\n"
    "     holds the other command's output\n"
    "  3  the history reached its cap (run --max-history); the run stopped there\n"
    "  4  an I/O failure: a file cannot be read or written (missing, a folder, no\n"
    "     permission, a full disk), stdin/stdout failed, Graphviz failed to draw, or\n"
    "     the program to grade cannot be started (run --node-cmd: a node failed\n"
    "     while the cluster started)";

}  // namespace kv::cli
