// `kvsim grade`: a program that claims to implement the task, run on the
// task's samples and on generated sessions, each reply judged against the
// reference replica (node/protocol.h's LineServer, driven in process: what
// `kvsim node` answers).
//
// Each session is a fresh process. Its lines are sent one at a time and each
// reply awaited (up to the timeout) before the next: a line that gets no
// reply from kvsim is sent without waiting, and a reply the program gives it
// anyway is counted under kvsim's choices. A session stops at its first
// failing difference (grade/judge.h); grading goes on with the next session,
// unless fail_fast, a reply missed the timeout (every session would wait as
// long), or a sample failed in a way that leaves nothing to judge (the
// program exited, went silent or wrote a line that is not JSON).
//
// The first failing difference is then shrunk (grade/shrink.h) to the
// fewest requests that still fail the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "grade/judge.h"
#include "grade/rules.h"
#include "grade/session.h"

namespace kv::grade {

struct GradeOptions {
  std::vector<std::string> command;  // the program and its arguments
  uint64_t sessions = 1000;          // generated sessions, after the samples
  uint64_t seed = 1;
  int64_t timeout_us = 5'000'000;  // per reply
  bool exact = false;              // replies byte for byte
  bool strict = false;             // kvsim's choices fail too
  bool fail_fast = false;          // stop at the first failing session
  bool shrink = true;
};

// How one session went.
struct SessionRun {
  std::vector<Difference> differences;  // in order; a failing one, if any, is last
  bool failed = false;                  // it ended on a failing difference
  bool silent = false;                  // ... a reply missing past the timeout
  bool stopped = false;                 // ... or the program exited or wrote a non-JSON line
  SessionJudging judging;               // its tallies
};

// Runs `session` against a fresh process of options.command. An I/O error
// when the command cannot be started.
Result<SessionRun> run_session(const GradeOptions& options, const Session& session);

struct FirstDifference {
  Session session;        // the session that failed, as it ran
  Difference difference;  // its failing difference
  Session shrunk;         // the fewest requests failing the same way (= session if not shrunk)
  Difference shrunk_difference;
  uint64_t shrink_runs = 0;  // candidate sessions run while shrinking
  double shrink_seconds = 0;
  bool shrunk_ok = false;  // shrinking was done (not for a program gone silent)
};

struct Report {
  GradeOptions options;
  std::vector<std::string> sample_names;
  std::vector<bool> sample_passed;
  uint64_t sessions_run = 0;     // generated sessions run
  uint64_t sessions_passed = 0;  // ... with no failing difference
  Score score{};
  ChoiceCounts choices{};
  std::optional<FirstDifference> first;
  // The first difference under each of kvsim's choices (not failing without
  // --strict), with the session it came in.
  std::vector<std::pair<std::string, Difference>> choice_examples;
  std::vector<std::vector<std::string>> choice_example_lines;  // the lines up to it
  std::string stopped;  // why grading stopped before the last session; "" if it did not
  double seconds = 0;   // grading, shrinking not included

  bool passed() const { return !first.has_value(); }
};

// Grades options.command. `progress` is called after every session.
Result<Report> grade(const GradeOptions& options,
                     const std::function<void(const Report&)>& progress = nullptr);

}  // namespace kv::grade
