// Judging one reply of the program under test against the reference's.
//
// Before the reference serves a request, situation_before() reads the line
// and what the reference holds for its key; settle() adds what the reference
// answered. judge_reply() then compares the program's line with the
// reference's by what the task defines, and only that: the body's type,
// in_reply_to, a write's status and siblings, a read's values as a set of
// {value, clock} (values compared as JSON values: key order and escapes do
// not matter), an error's code. Message ids, the envelope and key order are
// judged only with --exact, which compares the bytes.
//
// Which rule a difference falls under comes from the request (grade/rules.h):
// a write's case under the task's three rules, a read, a request that cannot
// be served, or one of kvsim's own choices. After a difference under a
// choice the program's store may hold something else than the reference's
// for that key (it served a request kvsim refused, or kept a duplicate
// twice): the key is then set aside, and later replies about it are judged
// under the protocol only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "grade/rules.h"
#include "node/clock.h"
#include "node/node.h"

namespace kv::grade {

// Which of the store's rules a write falls under, from the siblings its key
// holds before it (checked in this order, as the rules are).
enum class Case : uint8_t {
  kNone,        // not a write
  kEmpty,       // the key holds nothing: stored
  kStale,       // a sibling dominates the write
  kDuplicate,   // a sibling has the same value and an equal clock
  kEqualClock,  // a sibling has an equal clock and another value
  kOverwrite,   // the write dominates every sibling
  kConcurrent,  // neither dominates, with at least one sibling
};

struct HeldVersion {
  std::string value;  // JSON text, as the reference keeps it
  Clock clock;
};

// A request, read against the reference before and after it served it.
struct Situation {
  size_t index = 0;  // the line's position in the session, from 0
  std::string line;
  bool json = false;                           // the line is JSON
  std::string type;                            // body.type, when a string
  std::string msg_id;                          // body.msg_id's JSON text, when an integer
  std::optional<std::string> key;              // body.key, when a string
  std::optional<std::vector<uint64_t>> clock;  // body.clock, when an array of uint64
  std::string value;                           // body.value's JSON text (compact)
  bool big_number = false;                     // a clock entry past 2^53 but within 2^64-1
  bool past_uint64 = false;                    // an integral clock entry past 2^64-1
  bool initialized = false;                    // the reference had had its init
  std::vector<HeldVersion> before;             // the key's siblings before the request
  Case write_case = Case::kNone;
  bool padded = false;  // clocks of different lengths were compared to decide the case

  // Settled from the reference's reply:
  std::string expected;          // the reply line (without '\n'); "" when none
  Rule rule = Rule::kProtocol;   // the rule the reply's content is judged under
  std::optional<Choice> choice;  // when rule is kChoices
};

Situation situation_before(const std::string& line, size_t index, const Node& reference);
void settle(Situation& s, std::string_view expected_reply);

// One way a reply differs.
struct Difference {
  Rule rule = Rule::kProtocol;
  std::optional<Choice> choice;  // when rule is kChoices
  std::string what;              // the part: "status", "values", "no reply", ...
  size_t request = 0;            // the line it answers (from 0)
  std::string expected;          // the expected reply line; "" for none
  std::string got;               // the program's line; "" when it wrote none
  std::string why;               // the rule applied to this request, in the task's words
  bool padded = false;           // clocks of different lengths decided it
  std::string stderr_tail;       // for a program that stopped or went silent
};

// Whether a difference fails the grade.
bool failing(const Difference& d, bool strict);

// What a session's judging carries from one reply to the next.
struct SessionJudging {
  bool strict = false;
  bool exact = false;
  std::set<std::string> set_aside;  // keys whose stores may differ after a choice
  std::set<std::string> big_keys;   // keys holding a clock entry past 2^53
  Score score{};
  ChoiceCounts choices{};
};

// Judges `got` (a line the program wrote) as the reply to `s`. Appends the
// differences found to `out`, choices first; a failing one, if any, is last.
void judge_reply(const Situation& s, std::string_view got, SessionJudging& judging,
                 std::vector<Difference>& out);

// Whether `got` is a message whose in_reply_to is not s's msg_id: after
// lines that get no reply, maybe the reply a program gave one of them.
bool answers_another(const Situation& s, std::string_view got);

// The rule a process failure on `s` (no reply, an exit) falls under: the
// errors rule when `s` or a line sent since the last reply cannot be served.
Rule failure_rule(const Situation& s, bool unanswerable_since_last_reply);

// A short description of a request for messages: `kv_put "x" "v1" [1,0]`.
std::string describe(const Situation& s);

}  // namespace kv::grade
