// Tests for base/json_text: the writer must match Python's json.dumps byte
// for byte. Unless a comment says otherwise, every expected string below was
// produced by python3 (3.11) as json.dumps(json.loads(input)) or
// json.dumps(value) and pasted here as a literal.
#include "base/json_text.h"

#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

namespace {

using kv::json::Json;

// json.dumps(json.loads(text)), the way kvsim's replies are made.
std::string round_trip(const std::string& text) {
  return kv::json::dump(Json::parse(text));
}

std::string string_text(std::string_view utf8) {
  std::string out;
  kv::json::dump_string(utf8, out);
  return out;
}

std::string double_text(double value) {
  std::string out;
  kv::json::dump_double(value, out);
  return out;
}

}  // namespace

TEST_CASE("a protocol reply is written with Python's separators") {
  const std::string reply =
      R"({"src": "n1", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 3, )"
      R"("values": [{"value": "hello", "clock": [1, 0]}], "msg_id": 2}})";
  CHECK(round_trip(reply) == reply);
  CHECK(round_trip(R"({"a":[1,2],"b":{"c":"d"}})") == R"({"a": [1, 2], "b": {"c": "d"}})");
}

TEST_CASE("object keys keep the order they were parsed in") {
  CHECK(round_trip(R"({"zeta":1,"alpha":{"y":[],"x":{}},"mid":[1,[2,[3,{}]],"s"]})") ==
        R"({"zeta": 1, "alpha": {"y": [], "x": {}}, "mid": [1, [2, [3, {}]], "s"]})");
}

TEST_CASE("a repeated key keeps its first position and its last value") {
  CHECK(round_trip(R"({"a":1,"b":2,"a":3})") == R"({"a": 3, "b": 2})");
}

TEST_CASE("empty and nested containers are written as Python writes them") {
  CHECK(round_trip("[]") == "[]");
  CHECK(round_trip("{}") == "{}");
  CHECK(round_trip(R"([[],{},[[]],[{}],{"a":{}}])") == R"([[], {}, [[]], [{}], {"a": {}}])");
}

TEST_CASE("booleans and null are written as JSON literals") {
  CHECK(round_trip("[true,false,null]") == "[true, false, null]");
  CHECK(round_trip("null") == "null");
  CHECK(round_trip("true") == "true");
}

TEST_CASE("integers are exact across the whole int64 and uint64 range") {
  CHECK(round_trip("[18446744073709551615,-9223372036854775808,9223372036854775807,0,-0,-1]") ==
        "[18446744073709551615, -9223372036854775808, 9223372036854775807, 0, 0, -1]");
  std::string out;
  kv::json::dump_uint(std::numeric_limits<uint64_t>::max(), out);
  kv::json::dump_int(std::numeric_limits<int64_t>::min(), out);
  CHECK(out == "18446744073709551615-9223372036854775808");
}

TEST_CASE("an integer beyond 64 bits becomes a double, a documented limitation") {
  // Python writes 18446744073709551616 exactly; nlohmann parses it as a
  // double. The expected text is python3's json.dumps(18446744073709551616.0).
  CHECK(round_trip("18446744073709551616") == "1.8446744073709552e+19");
  CHECK(round_trip("-9223372036854775809") == "-9.223372036854776e+18");
}

TEST_CASE("a number too large for a double is refused by the parser") {
  // Python reads 1e400 as Infinity; nlohmann throws out_of_range (406).
  CHECK_THROWS_AS(Json::parse("1e400"), nlohmann::json::out_of_range);
  CHECK_THROWS_AS(Json::parse("[-1e400]"), nlohmann::json::exception);
}

TEST_CASE("floats are written as Python's repr writes them") {
  CHECK(double_text(1.0) == "1.0");
  CHECK(double_text(100.0) == "100.0");
  CHECK(double_text(-2.5) == "-2.5");
  CHECK(double_text(0.0) == "0.0");
  CHECK(double_text(-0.0) == "-0.0");
  CHECK(double_text(0.1) == "0.1");
  CHECK(double_text(1.0 / 3.0) == "0.3333333333333333");
  CHECK(double_text(0.1 + 0.2) == "0.30000000000000004");
  CHECK(double_text(12345.678) == "12345.678");
  CHECK(double_text(4.35) == "4.35");
  CHECK(double_text(0.00012345) == "0.00012345");
}

TEST_CASE("floats switch to exponent form below 1e-4 and from 1e16 on") {
  CHECK(double_text(0.0001) == "0.0001");
  CHECK(double_text(0.00001) == "1e-05");
  CHECK(double_text(1.2345e-5) == "1.2345e-05");
  CHECK(double_text(1.5e-7) == "1.5e-07");
  CHECK(double_text(1e15) == "1000000000000000.0");
  CHECK(double_text(9999999999999998.0) == "9999999999999998.0");
  CHECK(double_text(1234567890123456.7) == "1234567890123456.8");
  CHECK(double_text(1e16) == "1e+16");
  CHECK(double_text(1e20) == "1e+20");
  CHECK(double_text(1e22) == "1e+22");
  CHECK(double_text(1e100) == "1e+100");
  CHECK(double_text(123456789012345680000.0) == "1.2345678901234568e+20");
  CHECK(double_text(1.23e-18) == "1.23e-18");
  CHECK(double_text(-1e-300) == "-1e-300");
}

TEST_CASE("the extreme doubles are written with their shortest digits") {
  CHECK(double_text(5e-324) == "5e-324");
  CHECK(double_text(2.2250738585072014e-308) == "2.2250738585072014e-308");
  CHECK(double_text(1.7976931348623157e308) == "1.7976931348623157e+308");
}

TEST_CASE("parsed floats keep their float form") {
  CHECK(round_trip("[1.0,1e2,-0.0,1E-5,0.5]") == "[1.0, 100.0, -0.0, 1e-05, 0.5]");
}

TEST_CASE("infinities and NaN are written with JavaScript's names") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(double_text(inf) == "Infinity");
  CHECK(double_text(-inf) == "-Infinity");
  CHECK(double_text(std::nan("")) == "NaN");
  CHECK(double_text(-std::nan("")) == "NaN");
  CHECK(kv::json::dump(Json::array({inf, std::nan("")})) == "[Infinity, NaN]");
}

TEST_CASE("quotes, backslashes and whitespace controls get their short escapes") {
  CHECK(string_text("\"\\\b\f\n\r\t") == R"("\"\\\b\f\n\r\t")");
}

TEST_CASE("slash and tilde are written raw") {
  CHECK(string_text("plain ascii with / slash and ~ tilde") ==
        R"("plain ascii with / slash and ~ tilde")");
}

TEST_CASE("every other control character is escaped as lowercase \\u00XX") {
  std::string controls;
  for (char c = 0; c < 0x20; ++c) controls.push_back(c);
  CHECK(string_text(controls) ==
        R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
        R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c)"
        R"(\u001d\u001e\u001f")");
}

TEST_CASE("DEL is escaped, as Python's ensure_ascii escapes everything past tilde") {
  CHECK(string_text("a\x7fz") == R"("a\u007fz")");
}

TEST_CASE("non-ASCII text in the basic plane is escaped as lowercase \\uXXXX") {
  CHECK(string_text("caf\u00e9 \u20ac") == R"("caf\u00e9 \u20ac")");
  CHECK(string_text("\u4e2d\u6587") == R"("\u4e2d\u6587")");
  CHECK(string_text("\u0080\u07ff\u0800\uffff") == R"("\u0080\u07ff\u0800\uffff")");
}

TEST_CASE("combining characters are escaped one code point at a time") {
  CHECK(string_text("e\u0301 A\u030a") == R"("e\u0301 A\u030a")");
}

TEST_CASE("code points above U+FFFF are escaped as surrogate pairs") {
  CHECK(string_text("\U0001F600") == R"("\ud83d\ude00")");
  CHECK(string_text("\U0010FFFF") == R"("\udbff\udfff")");
}

TEST_CASE("escaped input strings come back escaped the same way") {
  CHECK(round_trip(R"("caf\u00e9 \u20ac \ud83d\ude00 e\u0301")") ==
        R"("caf\u00e9 \u20ac \ud83d\ude00 e\u0301")");
  CHECK(round_trip(R"("\u0000\u001f\u007f\"\\\/\b\f\n\r\t")") ==
        R"("\u0000\u001f\u007f\"\\/\b\f\n\r\t")");
}

TEST_CASE("object keys are escaped like any other string") {
  CHECK(round_trip(R"({"k\u00e9y\n":"\ud83d\ude00"})") == R"({"k\u00e9y\n": "\ud83d\ude00"})");
}

TEST_CASE("ill-formed UTF-8 is written as one replacement character per bad byte") {
  // kvsim's own choice (the contract requires valid UTF-8; Python has no
  // equivalent input): never crash, never write invalid JSON.
  CHECK(string_text("a\xffz") == R"("a\ufffdz")");
  CHECK(string_text("\xc0\xaf") == R"("\ufffd\ufffd")");            // overlong '/'
  CHECK(string_text("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // a UTF-8 surrogate
  CHECK(string_text("\xe2\x82") == R"("\ufffd\ufffd")");            // truncated at the end
}

TEST_CASE("dump appends to the text already in the buffer") {
  std::string out = "prefix ";
  kv::json::dump(Json::parse(R"({"a":[1]})"), out);
  kv::json::dump_string("x", out);
  CHECK(out == R"(prefix {"a": [1]}"x")");
}

TEST_CASE("a value nested far deeper than the call stack allows is still written") {
  // Not from Python (its json module stops at its recursion limit): the
  // expected text is built the same way as the input.
  constexpr int kDepth = 200000;
  const std::string text = std::string(kDepth, '[') + std::string(kDepth, ']');
  CHECK(round_trip(text) == text);
}
