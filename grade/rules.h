// The rules `kvsim grade` judges a program by, and what it names when a
// reply differs.
//
// Every reply is checked twice: once under kProtocol (one JSON line, the type
// the request calls for, in_reply_to its msg_id), then its content under the
// rule of the store the request reaches (which case of the task's three rules
// its clock falls in, a read, an error). A rule is either the task's — stated
// in the task's text, or following from it (a vector clock's missing slots
// count as zero; equal clocks do not dominate each other), or the Maelstrom
// protocol the task is built on — and a difference under it fails the grade,
// or one of kvsim's own choices where the task is silent (kChoices), which
// fails only with --strict. docs/GRADING.md has the table and the reasons.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kv::grade {

enum class Rule : uint8_t {
  kProtocol,     // one JSON reply line per request, its type and in_reply_to
  kWrites,       // a write to an empty key, or one dominating every sibling
  kStaleWrites,  // a sibling dominates the write: rejected, nothing changes
  kConflicts,    // neither dominates: both kept, "conflict" with N siblings
  kEqualClocks,  // equal clocks, different values: neither dominates
  kResolves,     // kv_resolve: "resolved" when one sibling is left
  kReads,        // kv_get: every sibling, with its clock
  kErrors,       // a request that cannot be served: an error, the program goes on
  kChoices,      // kvsim's own choices where the task is silent (--strict)
  kExact,        // byte-identical lines (--exact)
};
inline constexpr size_t kRuleCount = 10;

// kvsim's own choices, each counted and explained on its own.
enum class Choice : uint8_t {
  kErrorCode,     // which Maelstrom code an error carries
  kBeforeInit,    // a request before init: error 11
  kSiblingBound,  // more than 100 siblings: error 14
  kDuplicate,     // a write equal to a sibling (same value, equal clock)
  kClockLength,   // a clock written back with another length, equal under padding
  kBigNumber,     // clock entries past 2^53 (kept exact) or past 2^64 (error 12)
  kNoReplyLine,   // a line with nothing to answer to (not JSON, no msg_id)
};
inline constexpr size_t kChoiceCount = 7;

struct RuleInfo {
  std::string_view id;     // in grade.json: "stale_writes"
  std::string_view title;  // in tables: "stale writes"
  std::string_view words;  // the rule, in the task's words where it has some
};

const RuleInfo& rule_info(Rule rule);
const RuleInfo& choice_info(Choice choice);
std::optional<Rule> rule_by_id(std::string_view id);

// Tallies per rule: replies judged under it and how many differed.
struct RuleScore {
  uint64_t judged = 0;
  uint64_t wrong = 0;
};
using Score = std::array<RuleScore, kRuleCount>;
using ChoiceCounts = std::array<RuleScore, kChoiceCount>;

}  // namespace kv::grade
