// Exit statuses: the one place where how a subcommand ended becomes the
// process's exit status. Each number means the same in every subcommand:
//
//   0  done (`run`, `bench`: every check came out as expected; `diff`: the runs are the same)
//   1  a check failed (`run`, `sweep`, `sweep-merge`, `bench fanout`): the run itself went through;
//      `diff`: the two runs differ
//   2  bad input: a bad option, scenario or history (Status::bad_input)
//   3  the history reached its cap (`run --max-history`): the run stopped
//      there, keeping the history so far
//   4  an I/O failure: a file or folder cannot be opened, read or written,
//      stdin/stdout fail, or Graphviz fails to draw (Status::io_error)
//
// Subcommands return these constants or exit_status(status); they never
// write a number of their own.
#pragma once

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

// The table above, for `kvsim --help`.
inline constexpr const char* kExitStatusHelp =
    "Exit status, the same for every subcommand:\n"
    "  0  done (every check came out as the scenario expects; diff: the runs are the same)\n"
    "  1  a check failed (run, sweep, sweep-merge, bench fanout); diff: the runs differ\n"
    "  2  bad input: a bad option, scenario or history\n"
    "  3  the history reached its cap (run --max-history); the run stopped there\n"
    "  4  an I/O failure: a file cannot be read or written (missing, a folder, no\n"
    "     permission, a full disk), stdin/stdout failed, or Graphviz failed to draw";

}  // namespace kv::cli
