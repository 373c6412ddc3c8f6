// kvsim grade's parts: the shipped samples against the reference, the
// generator's determinism, the judge's rules and sentences on hand-written
// exchanges, and the process runner on real processes (sh, sleep).
// End to end, on the example programs: tests/e2e/grade_test.py.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "grade/judge.h"
#include "grade/process.h"
#include "grade/session.h"
#include "node/protocol.h"

namespace {

using namespace kv;
using namespace kv::grade;

// Feeds `lines` to a fresh reference; returns its replies (one per line, ""
// for none).
std::vector<std::string> reference_replies(const std::vector<std::string>& lines) {
  LineServer server;
  std::vector<std::string> replies;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string out, err;
    server.handle_line(lines[i], i + 1, out, err);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    replies.push_back(out);
  }
  return replies;
}

// Judges `got` as the reply to the last of `lines`, the others answered as
// the reference answers them.
std::vector<Difference> judge_last(const std::vector<std::string>& lines, const std::string& got,
                                   SessionJudging* judging_out = nullptr) {
  LineServer server;
  SessionJudging judging;
  std::vector<Difference> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    Situation s = situation_before(lines[i], i, server.node());
    std::string reply, err;
    server.handle_line(lines[i], i + 1, reply, err);
    settle(s, reply);
    if (i + 1 < lines.size()) continue;
    judge_reply(s, got, judging, out);
  }
  if (judging_out) *judging_out = judging;
  return out;
}

const std::string kInit =
    R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2"]}})";

std::string put(int msg_id, const std::string& value, const std::string& clock,
                const char* type = "kv_put") {
  return std::string(R"({"src":"c1","dest":"n1","body":{"type":")") + type + R"(","msg_id":)" +
         std::to_string(msg_id) + R"(,"key":"x","value":")" + value + R"(","clock":)" + clock +
         "}}";
}

std::string reply(int in_reply_to, const std::string& fields, int msg_id,
                  const char* type = "kv_put_ok") {
  return std::string(R"({"src": "n1", "dest": "c1", "body": {"type": ")") + type +
         R"(", "in_reply_to": )" + std::to_string(in_reply_to) + ", " + fields +
         ", \"msg_id\": " + std::to_string(msg_id) + "}}";
}

}  // namespace

TEST_CASE("the shipped samples' expected lines are what the reference answers, byte for byte") {
  REQUIRE(samples().size() == 3);
  for (const Session& sample : samples()) {
    CAPTURE(sample.name);
    REQUIRE(sample.expected.size() == sample.lines.size());
    CHECK(reference_replies(sample.lines) == sample.expected);
  }
}

TEST_CASE("a generated session is the same for a seed and index, whatever ran before") {
  const Session a = generate_session(7, 12);
  generate_session(7, 11);
  const Session b = generate_session(7, 12);
  CHECK(a.lines == b.lines);
  CHECK(a.name == "session 12");
  CHECK(generate_session(7, 13).lines != a.lines);
  CHECK(generate_session(8, 12).lines != a.lines);
  // It ends with reads, so that what the program stored is looked at.
  CHECK(a.lines.back().find("\"kv_get\"") != std::string::npos);
}

TEST_CASE("a concurrent write answered 'written' is a conflicts difference, in the task's words") {
  const std::vector<Difference> d = judge_last({kInit, put(2, "a", "[0,1]"), put(3, "b", "[1,0]")},
                                               reply(3, R"("status": "written")", 2));
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == Rule::kConflicts);
  CHECK(d[0].what == "status");
  CHECK(d[0].why ==
        "stored [0,1] and incoming [1,0]: neither dominates, so both are kept: expected status "
        "conflict with 2 siblings; got written");
  CHECK(failing(d[0], false));
}

TEST_CASE("the rule of a write follows its clock against the siblings held") {
  struct Case {
    std::vector<std::string> lines;
    Rule rule;
  };
  const std::vector<Case> cases = {
      {{kInit, put(2, "a", "[1,0]")}, Rule::kWrites},
      {{kInit, put(2, "a", "[1,0]"), put(3, "b", "[2,0]")}, Rule::kWrites},
      {{kInit, put(2, "a", "[2,0]"), put(3, "b", "[1,0]")}, Rule::kStaleWrites},
      {{kInit, put(2, "a", "[1,0]"), put(3, "b", "[0,1]")}, Rule::kConflicts},
      {{kInit, put(2, "a", "[1,0]"), put(3, "b", "[1]")}, Rule::kEqualClocks},
      {{kInit, put(2, "a", "[1,0]"), put(3, "b", "[1,1]", "kv_resolve")}, Rule::kResolves},
      {{kInit, put(2, "a", "[2,0]"), put(3, "b", "[1,1]", "kv_resolve")}, Rule::kResolves},
      {{kInit, put(2, "a", "[2,0]"), put(3, "b", "[1,0]", "kv_resolve")}, Rule::kStaleWrites},
  };
  for (const Case& c : cases) {
    CAPTURE(c.lines.back());
    // A reply that is not JSON fails the protocol, whatever the rule: use a
    // wrong status instead, which fails the content's rule.
    const std::vector<Difference> d = judge_last(
        c.lines, reply(static_cast<int>(c.lines.size()), R"("status": "nonsense")", 9,
                       c.lines.back().find("kv_resolve") != std::string::npos ? "kv_resolve_ok"
                                                                              : "kv_put_ok"));
    REQUIRE(d.size() == 1);
    CHECK(d[0].rule == c.rule);
  }
}

TEST_CASE("a duplicate is kvsim's choice; a padding-sensitive comparison is marked") {
  // ("a", [1,0]) then ("a", [1]): the same version under padding.
  std::vector<Difference> d = judge_last({kInit, put(2, "a", "[1,0]"), put(3, "a", "[1]")},
                                         reply(3, R"("status": "conflict", "siblings": 2)", 2));
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == Rule::kChoices);
  CHECK(d[0].choice == Choice::kDuplicate);
  CHECK_FALSE(failing(d[0], false));
  CHECK(failing(d[0], true));
  // Stored [0,1], incoming [1]: concurrent only once [1] reads as [1,0].
  d = judge_last({kInit, put(2, "a", "[0,1]"), put(3, "b", "[1]")},
                 reply(3, R"("status": "written")", 2));
  REQUIRE(d.size() == 1);
  CHECK(d[0].padded);
  CHECK(d[0].why.find("[1] is [1,0]") != std::string::npos);
}

TEST_CASE("a read is judged as a set of {value, clock}; a clock's length is kvsim's choice") {
  const std::vector<std::string> lines = {
      kInit, put(2, "a", "[1,0]"), put(3, "b", "[0,1]"),
      R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":4,"key":"x"}})"};
  // Another order, other key order, other spacing, another msg_id: the same.
  CHECK(
      judge_last(
          lines,
          R"({"body":{"msg_id":77,"values":[{"clock":[0,1],"value":"b"},{"value":"a","clock":[1,0]}],"in_reply_to":4,"type":"kv_get_ok"},"src":"n1","dest":"c1"})")
          .empty());
  std::vector<Difference> d =
      judge_last(lines, reply(4, R"("values": [{"value": "b", "clock": [0, 1]}])", 3, "kv_get_ok"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == Rule::kReads);
  CHECK(d[0].why.find("missing \"a\" [1,0]") != std::string::npos);
  d = judge_last(
      lines,
      reply(4, R"("values": [{"value": "a", "clock": [1]}, {"value": "b", "clock": [0, 1]}])", 3,
            "kv_get_ok"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].choice == Choice::kClockLength);
}

TEST_CASE("the protocol: in_reply_to, type, a line that is not JSON; --exact compares bytes") {
  const std::vector<std::string> lines = {kInit, put(2, "a", "[1,0]")};
  std::vector<Difference> d = judge_last(lines, reply(1, R"("status": "written")", 1));
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == Rule::kProtocol);
  CHECK(d[0].what == "in_reply_to");
  d = judge_last(lines, reply(2, R"("status": "written")", 1, "kv_resolve_ok"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].what == "type");
  d = judge_last(lines, "written!");
  REQUIRE(d.size() == 1);
  CHECK(d[0].what == "not JSON");

  LineServer server;
  SessionJudging judging;
  judging.exact = true;
  std::vector<Difference> out;
  Situation s = situation_before(kInit, 0, server.node());
  std::string expected, err;
  server.handle_line(kInit, 1, expected, err);
  settle(s, expected);
  judge_reply(
      s,
      R"({"src": "n1", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 5}})",
      judging, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].rule == Rule::kExact);
}

TEST_CASE("errors: a request that cannot be served must get an error; its code is kvsim's choice") {
  const std::string no_clock =
      R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":2,"key":"x","value":"a"}})";
  std::vector<Difference> d = judge_last({kInit, no_clock}, reply(2, R"("status": "written")", 1));
  REQUIRE(d.size() == 1);
  CHECK(d[0].rule == Rule::kErrors);
  CHECK(d[0].why.find("missing field 'clock'") != std::string::npos);
  d = judge_last({kInit, no_clock}, reply(2, R"("code": 13, "text": "no")", 1, "error"));
  REQUIRE(d.size() == 1);
  CHECK(d[0].choice == Choice::kErrorCode);
  CHECK_FALSE(failing(d[0], false));
  // Before init kvsim refuses (11); a program that serves it differs by choice.
  d = judge_last({put(1, "a", "[1]")}, reply(1, R"("status": "written")", 0));
  REQUIRE(d.size() == 1);
  CHECK(d[0].choice == Choice::kBeforeInit);
}

TEST_CASE("a key set aside after a choice is not judged again in the session") {
  SessionJudging judging;
  // The program serves a write kvsim refused before init: key x is set aside.
  judge_last({put(1, "a", "[1]")}, reply(1, R"("status": "written")", 0), &judging);
  CHECK(judging.set_aside.count("x") == 1);
}

TEST_CASE("the process runner: a line out, a line back; silence, exits and missing programs") {
  Result<std::unique_ptr<Process>> cat = Process::start({"cat"});
  REQUIRE(cat.ok());
  REQUIRE((*cat)->send("hello", Process::now_us() + 5'000'000));
  std::string line;
  REQUIRE((*cat)->read_line(line, Process::now_us() + 5'000'000) == Process::Read::kLine);
  CHECK(line == "hello");
  (*cat)->stop();

  Result<std::unique_ptr<Process>> sleeper = Process::start({"sleep", "30"});
  REQUIRE(sleeper.ok());
  const int64_t start = Process::now_us();
  CHECK((*sleeper)->read_line(line, start + 200'000) == Process::Read::kTimeout);
  const int64_t waited = Process::now_us() - start;
  CHECK(waited >= 200'000);
  CHECK(waited < 2'000'000);
  (*sleeper)->stop();

  Result<std::unique_ptr<Process>> exits = Process::start({"sh", "-c", "echo 'dying' >&2; exit 3"});
  REQUIRE(exits.ok());
  CHECK((*exits)->read_line(line, Process::now_us() + 5'000'000) == Process::Read::kClosed);
  CHECK((*exits)->wait_exit(2'000'000) == "exited with status 3");
  CHECK((*exits)->stderr_tail() == "dying");

  Result<std::unique_ptr<Process>> missing = Process::start({"/no/such/program"});
  CHECK_FALSE(missing.ok());
  CHECK(missing.status().is_io_error());
}
