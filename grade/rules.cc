#include "grade/rules.h"

namespace kv::grade {

namespace {

// The task's own sentences are quoted; the rest says where the rule comes
// from (docs/GRADING.md gives the reasons).
constexpr RuleInfo kRules[kRuleCount] = {
    {"protocol", "protocol",
     "Maelstrom's protocol, which the task's messages follow: every request with a msg_id "
     "gets one reply, a JSON line whose body has the reply type (init_ok, kv_put_ok, "
     "kv_get_ok, kv_resolve_ok, error) and in_reply_to set to the request's msg_id"},
    {"writes", "writes",
     "\"If write's VC dominates stored VC: simple overwrite\" (and a write to an empty key is "
     "stored): status \"written\""},
    {"stale_writes", "stale writes", "\"If stored VC dominates write's VC: reject (stale write)\""},
    {"conflicts", "conflicts",
     "\"If neither dominates (concurrent): store both as siblings\": status \"conflict\" with "
     "\"siblings\": N"},
    {"equal_clocks", "equal clocks",
     "equal clocks with different values: neither dominates (dominating needs one entry "
     "greater), so \"store both as siblings\""},
    {"resolves", "resolves",
     "kv_resolve writes a value whose clock covers the siblings: status \"resolved\" when one "
     "value is left, else as kv_put"},
    {"reads", "reads",
     "\"On read, return all sibling values so the client can resolve the conflict\", each "
     "with its clock"},
    {"errors", "errors",
     "Maelstrom's protocol: a request that cannot be served (an unknown type, a missing or "
     "ill-typed field) gets an error reply and changes nothing, and no line stops the program"},
    {"choices", "kvsim's choices",
     "where the task is silent, what kvsim node does; differences fail only with --strict"},
    {"exact", "exact bytes",
     "--exact: every reply byte for byte as kvsim node writes it (Python's json.dumps, its "
     "key order, msg_id from 0)"},
};

constexpr RuleInfo kChoices[kChoiceCount] = {
    {"error_code", "error codes",
     "an error carries Maelstrom's code: 10 unknown type, 12 a missing or ill-typed field"},
    {"before_init", "before init", "a request before init is refused with error 11"},
    {"sibling_bound", "sibling bound",
     "a write that would leave more than 100 siblings is refused with error 14"},
    {"duplicate", "duplicates",
     "a write equal to a sibling (same value, equal clock under padding) changes nothing"},
    {"clock_length", "clock lengths", "a clock is written back with the length it came with"},
    {"big_number", "big numbers",
     "clock entries up to 2^64-1 are kept exact (past 2^53 a double cannot); past 2^64-1, "
     "error 12"},
    {"no_reply_line", "lines without a msg_id",
     "a line that is not JSON, or has no src, body or integer msg_id, gets no reply"},
};

}  // namespace

const RuleInfo& rule_info(Rule rule) {
  return kRules[static_cast<size_t>(rule)];
}

const RuleInfo& choice_info(Choice choice) {
  return kChoices[static_cast<size_t>(choice)];
}

std::optional<Rule> rule_by_id(std::string_view id) {
  for (size_t r = 0; r < kRuleCount; ++r) {
    if (kRules[r].id == id) return static_cast<Rule>(r);
  }
  return std::nullopt;
}

}  // namespace kv::grade
