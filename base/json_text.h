// Python-compatible JSON text.
//
// kvsim's line protocol promises replies written byte for byte as Python's
// `json.dumps(obj)` writes them with default settings: ", " and ": " as
// separators, every non-ASCII code point escaped as \uXXXX (a surrogate pair
// above U+FFFF), control characters escaped as Python does (\n, \r, \t, \b,
// \f, \", \\ and \u00XX for the rest), integers exact (any int64 or uint64),
// and floats as Python's repr() writes them (shortest round-trip digits,
// "1.0", "1e+20", "1e-05", "Infinity", "NaN").
//
// Objects keep the key order they were parsed with (nlohmann::ordered_json),
// as a Python dict does; a key repeated in the input keeps its first position
// and its last value, also as json.loads + json.dumps would.
//
// Python escapes DEL (0x7f) as \u007f: only ' '..'~' are written raw, and "/"
// is not escaped.
//
// Where nlohmann's parser and Python's json.loads differ, the text follows
// what nlohmann parsed (accepted limitations):
// - an integer outside [-2^63, 2^64-1], e.g. 18446744073709551616, is parsed
//   as a double, so it is written as a float ("1.8446744073709552e+19")
//   where Python would keep the integer exact;
// - a number too large for a double, e.g. 1e400, makes nlohmann::json::parse
//   throw out_of_range (error 406) rather than parse_error, where Python
//   reads Infinity: callers catch nlohmann::json::exception, and the writer
//   never sees such a value;
// - "-0" is the integer 0 in both, so it is written "0"; "-0.0" is "-0.0".
//
// The writer is iterative, so deeply nested values cannot overflow the stack.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kv::json {

using Json = nlohmann::ordered_json;

// Appends `value` to `out` exactly as Python's json.dumps(value) would.
void dump(const Json& value, std::string& out);
std::string dump(const Json& value);

// Appends a JSON string literal for the UTF-8 text `utf8`, escaped as Python's
// json.dumps (ensure_ascii=True) escapes it.
// REQUIRES: `utf8` is valid UTF-8 (nlohmann's parser guarantees it for parsed
// strings). An ill-formed byte is written as \ufffd rather than crashing.
void dump_string(std::string_view utf8, std::string& out);

void dump_uint(uint64_t value, std::string& out);
void dump_int(int64_t value, std::string& out);
// Python's repr(float): shortest round-trip digits, positional for decimal
// exponents in [-4, 15] ("0.0001", "1000000000000000.0"), else exponent form
// ("1e-05", "1e+16"); json.dumps' "Infinity", "-Infinity" and "NaN".
void dump_double(double value, std::string& out);

// The deepest nesting of arrays and objects in the JSON text `text`, found
// with one scan and no recursion (strings skipped); the scan stops once the
// depth passes `limit`, returning that depth. Works on any bytes.
size_t nesting_depth(std::string_view text, size_t limit = SIZE_MAX);

}  // namespace kv::json
