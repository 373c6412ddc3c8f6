// A session: the request lines one fresh process of the program under test
// is given, one at a time, each reply awaited before the next line is sent.
//
// Two kinds:
//   - the task's sample cases (samples()), shipped with their expected reply
//     lines: the lines the task prints, completed where its text is cut short
//     (grade/samples.cc and docs/GRADING.md say which lines are which);
//   - generated sessions (generate_session()): session `index` of a grade
//     seeded with `seed` draws from its own stream, Rng::derive(seed,
//     "grade-session", index), with integer draws only, so a session is the
//     same on every machine and does not depend on how many others ran.
//
// A generated session opens with init (1 to 5 nodes) and then reaches every
// rule of grade/rules.h: writes that dominate, are dominated (stale), are
// concurrent, have equal clocks with the same or another value; resolves
// that cover all, some or none of the siblings; clocks shorter and longer
// than the node count; reads of unknown keys; values of every JSON kind; and
// in some sessions malformed requests, requests before init, clock entries
// past 2^53 and 2^64, and a key driven past kvsim's sibling bound. It ends
// with a read of every key it wrote. The generator drives a reference
// replica (node/protocol.h) as it goes, to aim each clock at the siblings
// the key holds at that point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kv::grade {

struct Session {
  std::string name;                // "sample 1 (Simple write to empty key)", "session 17"
  std::vector<std::string> lines;  // the requests, without '\n'
  // Samples only: the expected reply to each line, byte for byte (every
  // sample line has one). Generated sessions are judged against the
  // reference replica's replies instead.
  std::vector<std::string> expected;
};

// The task's three sample cases, with their expected replies.
const std::vector<Session>& samples();

// Generated session number `index` (from 1) of a grade seeded with `seed`.
Session generate_session(uint64_t seed, uint64_t index);

}  // namespace kv::grade
