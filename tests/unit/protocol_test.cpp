// The line protocol, byte for byte. Expected lines are written by hand from
// docs/PROTOCOL.md and its three sessions ("Three sessions, byte for byte").
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/protocol.h"

namespace {

struct Session {
  kv::LineServer server;
  uint64_t line_no = 0;
  std::string err;

  std::string send(const std::string& line) {
    std::string out;
    server.handle_line(line, ++line_no, out, err);
    return out;
  }
};

const char* kInit =
    R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}})";

}  // namespace

TEST_CASE("the protocol's first session: a simple write to an empty key, then a get") {
  Session s;
  CHECK(s.send(kInit) ==
        "{\"src\": \"n1\", \"dest\": \"c0\", \"body\": {\"type\": \"init_ok\", \"in_reply_to\": 1, "
        "\"msg_id\": 0}}\n");
  CHECK(
      s.send(
          R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"hello","clock":[1,0]}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_put_ok\", \"in_reply_to\": 2, "
      "\"status\": \"written\", \"msg_id\": 1}}\n");
  CHECK(
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"x"}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_get_ok\", \"in_reply_to\": 3, "
      "\"values\": [{\"value\": \"hello\", \"clock\": [1, 0]}], \"msg_id\": 2}}\n");
  CHECK(s.err.empty());
}

TEST_CASE("the protocol's second session: concurrent writes create siblings") {
  Session s;
  s.send(kInit);
  s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v1","clock":[1,0]}})");
  CHECK(
      s.send(
          R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":3,"key":"x","value":"v2","clock":[0,1]}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_put_ok\", \"in_reply_to\": 3, "
      "\"status\": \"conflict\", \"siblings\": 2, \"msg_id\": 2}}\n");
  CHECK(
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":4,"key":"x"}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_get_ok\", \"in_reply_to\": 4, "
      "\"values\": [{\"value\": \"v1\", \"clock\": [1, 0]}, {\"value\": \"v2\", \"clock\": [0, "
      "1]}], \"msg_id\": 3}}\n");
}

TEST_CASE("the protocol's third session, gets left out: resolve collapses, stale is rejected") {
  Session s;
  s.send(kInit);
  s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":1,"key":"user:1","value":"Alice","clock":[1,0]}})");
  s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"user:1","value":"Bob","clock":[0,1]}})");
  CHECK(
      s.send(
          R"({"src":"c1","dest":"n1","body":{"type":"kv_resolve","msg_id":4,"key":"user:1","value":"Alice+Bob","clock":[1,1]}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_resolve_ok\", "
      "\"in_reply_to\": "
      "4, \"status\": \"resolved\", \"msg_id\": 3}}\n");
  CHECK(
      s.send(
          R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":5,"key":"user:1","value":"Old","clock":[1,0]}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_put_ok\", \"in_reply_to\": 5, "
      "\"status\": \"rejected\", \"msg_id\": 4}}\n");
}

TEST_CASE("a value of any JSON type is echoed back unchanged, clock length kept") {
  Session s;
  s.send(kInit);
  s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"k","value":{"b":[1,2.5,null,true],"a":"\u00e9"},"clock":[0,0,1,0]}})");
  CHECK(
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"k"}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_get_ok\", \"in_reply_to\": 3, "
      "\"values\": [{\"value\": {\"b\": [1, 2.5, null, true], \"a\": \"\\u00e9\"}, \"clock\": [0, "
      "0, 1, 0]}], \"msg_id\": 2}}\n");
}

TEST_CASE("a get of a key never written returns an empty list") {
  Session s;
  s.send(kInit);
  CHECK(
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":9,"key":"none"}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_get_ok\", \"in_reply_to\": 9, "
      "\"values\": [], \"msg_id\": 1}}\n");
}

TEST_CASE("a request before init gets error 11 and counts as a sent message") {
  Session s;
  CHECK(
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":5,"key":"x"}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"error\", \"in_reply_to\": 5, "
      "\"code\": 11, \"text\": \"node not initialised yet: send 'init' first\", \"msg_id\": 0}}\n");
  CHECK(s.send(kInit).find("\"msg_id\": 1}}") != std::string::npos);
}

TEST_CASE("an unknown type gets error 10") {
  Session s;
  s.send(kInit);
  const std::string reply =
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_delete","msg_id":7,"key":"x"}})");
  CHECK(reply ==
        "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"error\", \"in_reply_to\": 7, "
        "\"code\": 10, \"text\": \"unknown message type 'kv_delete'\", \"msg_id\": 1}}\n");
}

TEST_CASE("missing or ill-typed fields get error 12 and change nothing") {
  const std::vector<std::string> bad = {
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"value":"v","clock":[1]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":5,"value":"v","clock":[1]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","clock":[1]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v"}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v","clock":"1"}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v","clock":[-1]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v","clock":[1.5]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"v","clock":[18446744073709551616]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_resolve","msg_id":2,"key":"x","value":"v","clock":[true]}})",
      R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":2}})",
      R"({"src":"c1","dest":"n1","body":{"msg_id":2,"key":"x"}})",
  };
  for (const std::string& line : bad) {
    Session s;
    s.send(kInit);
    const std::string reply = s.send(line);
    INFO(line);
    CHECK(reply.find("\"type\": \"error\", \"in_reply_to\": 2, \"code\": 12, \"text\": \"") !=
          std::string::npos);
    CHECK(s.server.node().store().empty());
  }
}

TEST_CASE("a clock entry of 2^64-1 is accepted and written back exactly") {
  Session s;
  s.send(kInit);
  s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":1,"clock":[18446744073709551615]}})");
  CHECK(s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":3,"key":"x"}})")
            .find("\"clock\": [18446744073709551615]") != std::string::npos);
}

TEST_CASE("an init whose node_id is not among node_ids is malformed") {
  Session s;
  const std::string reply = s.send(
      R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n9","node_ids":["n1"]}})");
  CHECK(reply.find("\"code\": 12") != std::string::npos);
  CHECK_FALSE(s.server.node().initialized());
}

TEST_CASE("lines that cannot be answered get a diagnostic naming the line and no reply") {
  Session s;
  CHECK(s.send("this is not json") == "");
  CHECK(s.err.find("line 1: not JSON") != std::string::npos);
  CHECK(s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_get","key":"x"}})") == "");
  CHECK(s.err.find("line 2: no integer body.msg_id") != std::string::npos);
  CHECK(s.send(R"({"src":"c1","dest":"n1"})") == "");
  CHECK(s.err.find("line 3: no 'body'") != std::string::npos);
  CHECK(s.send(R"([1,2,3])") == "");
  CHECK(s.err.find("line 4: not a JSON object") != std::string::npos);
  CHECK(s.send(R"({"dest":"n1","body":{"type":"init","msg_id":1}})") == "");
  CHECK(s.err.find("line 5: no string 'src'") != std::string::npos);
  // The node still works, and numbers its messages from 0.
  CHECK(s.send(kInit).find("\"msg_id\": 0}}") != std::string::npos);
}

TEST_CASE("blank lines are skipped and CRLF endings accepted") {
  Session s;
  CHECK(s.send("") == "");
  CHECK(s.send("   ") == "");
  CHECK(s.send(std::string(kInit) + "\r") ==
        "{\"src\": \"n1\", \"dest\": \"c0\", \"body\": {\"type\": \"init_ok\", \"in_reply_to\": 1, "
        "\"msg_id\": 0}}\n");
  CHECK(s.err.empty());
}

TEST_CASE("a value nested too deeply is refused with error 12") {
  Session s;
  s.send(kInit);
  std::string deep = std::string(200, '[') + std::string(200, ']');
  const std::string reply =
      s.send(R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":)" +
             deep + R"(,"clock":[1]}})");
  CHECK(reply.find("\"code\": 12") != std::string::npos);
  CHECK(s.server.node().store().empty());
}

TEST_CASE("a put past the sibling bound gets error 14 and leaves the siblings as they were") {
  Session s;
  s.send(kInit);
  for (size_t i = 0; i < kv::kMaxSiblings; ++i) {
    const std::string reply = s.send(
        R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":)" + std::to_string(i + 2) +
        R"(,"key":"k","value":)" + std::to_string(i) + R"(,"clock":[1]}})");
    REQUIRE(reply.find("\"type\": \"kv_put_ok\"") != std::string::npos);
  }
  const std::string reply = s.send(
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":900,"key":"k","value":"x","clock":[1]}})");
  CHECK(reply ==
        "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"error\", \"in_reply_to\": 900, "
        "\"code\": 14, \"text\": \"a write to key 'k' would leave more than 100 siblings: read "
        "them and resolve first\", \"msg_id\": 101}}\n");
  CHECK(s.server.node().get("k").size() == kv::kMaxSiblings);
}

// --replicate: node-to-node messages out and in. Expected lines by hand from
// docs/PROTOCOL.md.
TEST_CASE("a replicating node writes each accepted write to its peers and takes theirs") {
  kv::LineServer server(/*replicate=*/true);
  std::string out, err;
  server.handle_line(
      R"({"src":"c0","dest":"n2","body":{"type":"init","msg_id":1,"node_id":"n2","node_ids":["n1","n2","n3"]}})",
      1, out, err);
  out.clear();
  server.handle_line(
      R"({"src":"c1","dest":"n2","body":{"type":"kv_put","msg_id":2,"key":"x","value":[1],"clock":[0,1]}})",
      2, out, err);
  CHECK(
      out ==
      "{\"src\": \"n2\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_put_ok\", \"in_reply_to\": 2, "
      "\"status\": \"written\", \"msg_id\": 1}}\n"
      "{\"src\": \"n2\", \"dest\": \"n1\", \"body\": {\"type\": \"replicate\", \"key\": \"x\", "
      "\"value\": [1], \"clock\": [0, 1]}}\n"
      "{\"src\": \"n2\", \"dest\": \"n3\", \"body\": {\"type\": \"replicate\", \"key\": \"x\", "
      "\"value\": [1], \"clock\": [0, 1]}}\n");
  out.clear();
  // A peer's concurrent write: applied, no reply, not passed on.
  server.handle_line(
      R"({"src":"n3","dest":"n2","body":{"type":"replicate","key":"x","value":"z","clock":[0,0,1]}})",
      3, out, err);
  CHECK(out.empty());
  CHECK(err.empty());
  CHECK(server.node().get("x").size() == 2);
  // Malformed, or from a stranger: ignored with a diagnostic, store unchanged.
  server.handle_line(R"({"src":"n3","dest":"n2","body":{"type":"replicate","key":"x"}})", 4, out,
                     err);
  server.handle_line(
      R"({"src":"n9","dest":"n2","body":{"type":"replicate","key":"y","value":1,"clock":[1]}})", 5,
      out, err);
  CHECK(out.empty());
  CHECK(err.find("line 4: replicate message: missing field 'value'") != std::string::npos);
  CHECK(err.find("line 5: replicate message: 'n9' is not a peer of n2") != std::string::npos);
  CHECK(server.node().get("y").empty());
  // The anti-entropy timer: a digest of 64 bucket sums to the picked peer.
  server.tick(1, out);  // picks 0 and 1 are n1 and n3
  CHECK(out.rfind("{\"src\": \"n2\", \"dest\": \"n3\", \"body\": {\"type\": \"ae_digest\", "
                  "\"round\": 1, \"digest\": [",
                  0) == 0);
}

TEST_CASE("without --replicate, a node writes no peer messages and refuses peer types") {
  Session s;
  s.send(
      R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}})");
  CHECK(
      s.send(
          R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":1,"clock":[1]}})") ==
      "{\"src\": \"n1\", \"dest\": \"c1\", \"body\": {\"type\": \"kv_put_ok\", \"in_reply_to\": 2, "
      "\"status\": \"written\", \"msg_id\": 1}}\n");
  CHECK(
      s.send(
          R"({"src":"n2","dest":"n1","body":{"type":"replicate","msg_id":3,"key":"x","value":2,"clock":[0,1]}})") ==
      "{\"src\": \"n1\", \"dest\": \"n2\", \"body\": {\"type\": \"error\", \"in_reply_to\": 3, "
      "\"code\": 10, \"text\": \"unknown message type 'replicate'\", \"msg_id\": 2}}\n");
}
