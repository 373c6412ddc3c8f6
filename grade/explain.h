// The sentences `kvsim grade` says when a reply differs: the rule the
// request reached, applied to what the key held, in the task's words, then
// what was expected and what came ("stored [0,1] and incoming [1,0]: neither
// dominates, so both are kept: expected status conflict with 2 siblings; got
// written").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "grade/judge.h"

namespace kv::grade {

// A reply body in a few words: "status written", "status conflict with 2
// siblings", "an error (code 12: missing field 'clock')", "kv_get_ok with 2
// values".
std::string summarize(const nlohmann::json& body);

// Why a write's reply is what the rules call for: the case of `s`.
std::string explain_write(const Situation& s);
// What a read should return: the siblings the key holds.
std::string explain_read(const Situation& s, const nlohmann::json& expected_values,
                         const nlohmann::json& got_values);
// Why a request cannot be served (an error reply is expected).
std::string explain_unservable(const Situation& s, const nlohmann::json& expected_body);
// Which of kvsim's choices applies to `s`.
std::string explain_choice(const Situation& s, Choice choice);

// Clocks and values as in a request line: [1,0], "v1".
std::string clock_text(const Clock& clock);
std::string value_text(const std::string& json_text);

}  // namespace kv::grade
