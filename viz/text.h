// Small text helpers shared by the pictures, the story and the report: how a
// time, a clock, a value and a version read to people, and quoting for DOT
// and HTML.
//
// Everything here is a pure function of its arguments (no locale, no
// floating point), so output depends only on the history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/escape.h"
#include "base/time_text.h"

#include "base/json_text.h"

#include "node/clock.h"
#include "node/version.h"

namespace kv::viz {

// "[1,0,0]" (no spaces: labels stay narrow).
std::string clock_text(const Clock& clock);

// A value for people: a JSON string of plain characters ([A-Za-z0-9_+-.:/])
// that would not read as a number or a literal is shown without quotes
// (v1, v1+v2); an array of ascending integers with runs in it as its runs
// ([0, 1, 2, 3, 5] as [0..3, 5]); anything else as its JSON text. Longer
// than `max_chars`, it is cut and ends with "...".
std::string value_text(std::string_view value_json, size_t max_chars = 32);

// "v1@[1,0,0]"
std::string version_text(std::string_view value_json, const Clock& clock);
// lww's timestamp for people: "n1:15ms", the node that stamped the write and
// its clock's reading then.
std::string timestamp_text(const Dot& dot);
// The same as version_text, but under lww "v1@n1:15ms": the timestamp, which
// decides the version's fate, in place of the context its client sent,
// which decides nothing.
std::string version_text(std::string_view value_json, const Clock& clock, const Dot& dot);

// JSON text as people read it: each \uXXXX escape (or surrogate pair) of a
// printable non-ASCII character becomes that character in UTF-8, so
// "caf\u00e9" reads "café"; every other escape stays as it is (controls,
// invisible and direction-changing characters stay escaped). The history
// keeps the escapes (Python's json.dumps writes them). The story and the
// explorer write values through this.
std::string readable(std::string_view json_text);

// A key as the story writes it: its JSON text, readable(), cut at 64
// characters ("x" with its quotes).
std::string key_text(const std::string& key);

// A DOT double-quoted string: `"` and `\` escaped, control characters shown
// as \xNN text, newlines in `text` kept as DOT's "\n" line breaks.
std::string dot_quote(std::string_view text);

}  // namespace kv::viz
