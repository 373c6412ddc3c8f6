// Shrinking a failing session to the fewest requests that still fail the
// same way (the same rule, the same part of the reply), with the discipline
// of `kvsim shrink`: every candidate is run (a fresh process of the program,
// judged against a fresh reference) and kept only if it still fails so.
//
//   1. the session is cut after the request that failed;
//   2. delta debugging over its lines: chunks of halving size removed, then
//      single lines until removing any one makes the failure go (1-minimal);
//   3. the lines simplified, each change kept only if the failure stays:
//      msg_ids renumbered from 1, one client, keys renamed "x", "y", ...,
//      values "v1", "v2", ..., clock entries lowered and trailing slots
//      dropped, a one-node init.
//
// A line that is not JSON, or whose JSON does not read back to the same text,
// is never rewritten. The search is capped at kMaxShrinkRuns candidates.
#pragma once

#include <cstdint>

#include "grade/grader.h"

namespace kv::grade {

inline constexpr uint64_t kMaxShrinkRuns = 2000;

struct Shrunk {
  Session session;
  Difference difference;  // its failing difference
  uint64_t runs = 0;      // candidates run
};

// REQUIRES: running `session` gave the failing difference `target`.
Shrunk shrink_session(const GradeOptions& options, const Session& session,
                      const Difference& target);

}  // namespace kv::grade
