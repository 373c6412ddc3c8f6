// The fast request reader against the full path: where RequestScanner accepts
// a line, reading the line's nlohmann tree gives an equal Request; and the
// scanner declines what it must leave to the full path.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/json_text.h"
#include "node/request.h"
#include "node/request_scan.h"

namespace {

// The full path's Request for a line, or nullopt if it serves none (for an
// initialised node).
std::optional<kv::Request> read_full(const std::string& line) {
  kv::json::Json message;
  try {
    message = kv::json::Json::parse(line);
  } catch (const kv::json::Json::exception&) {
    return std::nullopt;
  }
  kv::Request request;
  std::string problem;
  const kv::json::Json* body = kv::read_envelope(message, request, problem);
  if (body == nullptr) return std::nullopt;
  if (kv::read_body(*body, /*initialized=*/true, request, problem) != 0) return std::nullopt;
  return request;
}

// Scans `line`; if accepted, checks the full path agrees. Returns whether the
// scanner accepted it.
bool scan_agrees(const std::string& line) {
  kv::RequestScanner scanner;
  kv::Request fast;
  const bool accepted = scanner.scan(line, fast);
  if (!accepted) return false;
  const std::optional<kv::Request> full = read_full(line);
  INFO(line);
  REQUIRE(full.has_value());
  CHECK(*full == fast);
  return true;
}

std::string put_with_value(const std::string& value) {
  return R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"k","value":)" +
         value + R"(,"clock":[1,0]}})";
}

}  // namespace

TEST_CASE("the scanner reads the common requests as the full path does") {
  const std::vector<std::string> lines = {
      R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"hello","clock":[1,0]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"x"}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_resolve","msg_id":4,"key":"x","value":"v","clock":[]}})",
      R"( { "src" : "c1" , "body" : { "msg_id" : -7 , "key" : "x" , "type" : "kv_get" } , "id" : [1, {}] } )",
      "{\"src\":\"c1\",\t\"body\":{\"type\":\"kv_get\",\"msg_id\":18446744073709551615,\"key\":"
      "\"\"}}",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":-9223372036854775808,"key":"x"},"dest":"n1"})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"key":"x","value":[1],"clock":[2]}})",
      R"({"src":"c1","body":{"type":"kv_put","msg_id":1,"key":"x","value":1,"clock":[18446744073709551615],"node_id":"n"}})",
      R"({"src":"c1","body":{"type":"init","msg_id":1,"node_id":"n9","node_ids":[],"key":"x"}})",
  };
  for (const std::string& line : lines) CHECK(scan_agrees(line));
}

TEST_CASE("values the scanner accepts are written as json::dump writes them") {
  const std::vector<std::string> values = {
      "null",
      "true",
      "false",
      "0",
      "-1",
      "123456789012345678",
      "-9223372036854775808",
      "18446744073709551615",
      R"("")",
      R"("a \"quoted\" \\ back\/slash")",
      R"("tab\t nl\n cr\r bs\b ff\f")",
      R"("~ !#$%&'()*+,-./:;<=>?@[]^_`{|}")",
      "[]",
      "{}",
      "[ 1 , [ 2 , [ ] ] , { } ]",
      R"({"b":[1,null,true],"a":{"c":"d","e\n":{}}})",
      R"({ "a" : 1 , "b" : { "a" : 2 } })",
      std::string(126, '[') + std::string(126, ']'),
  };
  for (const std::string& value : values) {
    const std::string line = put_with_value(value);
    kv::RequestScanner scanner;
    kv::Request fast;
    if (!scanner.scan(line, fast)) continue;  // a decline is always safe
    CHECK(scan_agrees(line));
    CHECK(fast.value == kv::json::dump(kv::json::Json::parse(value)));
  }
  // The common shapes must take the fast path.
  CHECK(scan_agrees(put_with_value(R"({"b":[1,null,true],"a":{"c":"d"}})")));
  CHECK(scan_agrees(put_with_value(R"("a \"quoted\" \\ string\n")")));
  CHECK(scan_agrees(put_with_value("[ 1 , [ 2 , [ ] ] , { } ]")));
  CHECK(scan_agrees(put_with_value(std::string(126, '[') + std::string(126, ']'))));
}

TEST_CASE("the scanner declines what only the full path can answer") {
  const std::vector<std::string> declined = {
      // Values whose text json::dump rewrites.
      put_with_value("1.0"),
      put_with_value("1e400"),
      put_with_value("-0"),
      put_with_value("18446744073709551616"),
      put_with_value("-9223372036854775809"),
      put_with_value(R"("\/")"),
      put_with_value(R"("\u00e9")"),
      put_with_value("\"\xc3\xa9\""),
      put_with_value("\"\x7f\""),
      put_with_value(R"({"a":1,"a":2})"),
      put_with_value(std::string(127, '[') + std::string(127, ']')),
      // Not JSON.
      put_with_value("01"),
      put_with_value("[1,]"),
      put_with_value("tru"),
      put_with_value("\"a\tb\""),
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"key":"x"}} x)",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"key":"x"})",
      // Nobody to reply to, or errors to answer.
      R"({"body":{"type":"kv_get","msg_id":1,"key":"x"}})",
      R"({"src":1,"body":{"type":"kv_get","msg_id":1,"key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1.0,"key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_get","key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_del","msg_id":1,"key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1}})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"key":5}})",
      R"({"src":"c1","body":{"type":"kv_put","msg_id":1,"key":"x","clock":[1]}})",
      R"({"src":"c1","body":{"type":"kv_put","msg_id":1,"key":"x","value":1,"clock":[-1]}})",
      R"({"src":"c1","body":{"type":"kv_put","msg_id":1,"key":"x","value":1,"clock":[1.5]}})",
      R"({"src":"c1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1",2]}})",
      // Members given twice: the full path keeps the last.
      R"({"src":"c1","src":"c2","body":{"type":"kv_get","msg_id":1,"key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"key":"x","key":"y"}})",
      // Escapes in strings whose decoded text matters.
      R"({"src":"c\n1","body":{"type":"kv_get","msg_id":1,"key":"x"}})",
      R"({"src":"c1","body":{"type":"kv_get","msg_id":1,"k\u0065y":"x"}})",
      R"({"src":"c1","dest":7,"body":{"type":"kv_get","msg_id":1,"key":"x"}})",
  };
  for (const std::string& line : declined) {
    kv::RequestScanner scanner;
    kv::Request request;
    INFO(line);
    CHECK_FALSE(scanner.scan(line, request));
  }
}

TEST_CASE("a clock of kMaxClockSlots slots is scanned; one slot more is declined") {
  auto clock_of = [](size_t slots) {
    std::string clock = "[";
    for (size_t i = 0; i < slots; ++i) clock += i ? ",1" : "1";
    return clock + "]";
  };
  const std::string head =
      R"({"src":"c1","body":{"type":"kv_put","msg_id":1,"key":"x","value":1,"clock":)";
  CHECK(scan_agrees(head + clock_of(kv::kMaxClockSlots) + "}}"));
  kv::RequestScanner scanner;
  kv::Request request;
  CHECK_FALSE(scanner.scan(head + clock_of(kv::kMaxClockSlots + 1) + "}}", request));
}
