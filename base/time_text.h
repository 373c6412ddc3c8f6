// Time text: how a span or point of time in microseconds is written for
// people and read back from them. One grammar each way, used by scenarios,
// `kvsim render --from/--to`, `kvsim node --anti-entropy-interval`, check
// messages, the story and the pictures.
//
// Written: "250us" below a millisecond, "12.4ms" below a second, else
// "1.5s", each with the fewest decimals that keep the value exact (so
// 999999us is "999.999ms"). Negative values get a leading "-".
//
// Read: DIGITS [ "." DIGITS ] UNIT, UNIT one of us, ms, s; no sign, no
// spaces. The fraction may have more digits than the unit needs as long as
// the extra ones are zero ("1.0us", "1.5000ms"): the value must be a whole
// number of microseconds. parse_time(format_time(t)) == t for every t >= 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

std::string format_time(int64_t us);

// Why a text is not a time, so that callers can word their own messages.
enum class TimeTextError {
  kNone,
  kNegative,     // starts with '-'
  kMalformed,    // no digits first, or "." with no digits after it
  kNoUnit,       // digits and nothing after them
  kUnknownUnit,  // `unit` names it
  kNotWholeUs,   // a nonzero digit past the microseconds
  kTooLarge,     // more than the caller's `max_us`
};

struct ParsedTime {
  int64_t us = 0;
  TimeTextError error = TimeTextError::kNone;
  std::string_view unit;  // the text after the number (for kUnknownUnit)
};

// Reads `text` by the grammar above; values above `max_us` are kTooLarge.
ParsedTime parse_time(std::string_view text, int64_t max_us = INT64_MAX);

// The time in `text`, or nullopt if parse_time reports any error.
std::optional<int64_t> parse_time_us(std::string_view text, int64_t max_us = INT64_MAX);

}  // namespace kv
