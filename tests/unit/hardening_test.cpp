// Hardening: kvsim's three untrusted inputs (lines on stdin, scenario files,
// history files) at and past every limit, and each bug the fuzzers in
// tests/fuzz/ found, kept as a regression test (the inputs themselves are in
// tests/fuzz/regressions/, replayed by the fuzz build's tests).
//
// Each limit has a test at the limit (accepted) and just past it (refused
// with a clear error, or handled as documented). Tests stay fast: they run
// under AddressSanitizer too.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "history/history.h"
#include "history/writer.h"
#include "node/protocol.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "tests/unit/run_helpers.h"
#include "viz/causal_graph.h"
#include "viz/spacetime.h"
#include "viz/story.h"

namespace {

// A history's first line, for the fragments below (read partially: they
// have no `end`).
const std::string kStartLine =
    R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1"], "description": ""})"
    "\n";
using kv::history::testing::kPartial;

bool one_clean_line(const std::string& text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

const char* kInit =
    R"({"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}})";

// A request line `kvsim node` serves: a get, padded with spaces to `bytes`.
std::string padded_get(size_t bytes, int msg_id) {
  std::string line = R"({"src":"c1","dest":"n1","body":{"type":"kv_get","msg_id":)" +
                     std::to_string(msg_id) + R"(,"key":"x"}})";
  REQUIRE(line.size() <= bytes);
  line.resize(bytes, ' ');
  return line;
}

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string temp_path(const char* name) {
  return "/tmp/kvsim_hardening_" + std::to_string(::getpid()) + "_" + name;
}

// Runs `scenario` writing its history, and reads that back as `kvsim render`
// would.
kv::history::ReadResult run_and_read_back(const kv::sim::Scenario& scenario) {
  const std::string path = temp_path("history.jsonl");
  {
    kv::history::HistoryWriter history;
    REQUIRE(history.open(path).ok());
    kv::sim::Simulation sim(scenario, 1, history);
    sim.run();
    REQUIRE(history.close().ok());
  }
  kv::history::ReadResult read = kv::history::read_history_file(path);
  std::remove(path.c_str());
  return read;
}

}  // namespace

// ---- fuzz findings ---------------------------------------------------------

// fuzz_history: a name read from the file went into the error as it was, so a
// name holding a newline (or a terminal escape) split the one-line error.
TEST_CASE("a history error quoting a name with control characters is one clean line") {
  const std::string text =
      "{\"t\": 0, \"kind\": \"send\", \"id\": 1, \"src\": \"c1\", \"dest\": \"n1\", \"body\": "
      "{\"type\": \"kv_put\"}}\n"
      "{\"t\": 1, \"kind\": \"deliver\", \"id\": 1, \"src\": \"c1\", \"dest\": "
      "\"n\\nX\\u001b[31m\"}\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "h.jsonl");
  REQUIRE_FALSE(r.ok());
  CHECK(one_clean_line(r.error()));
  CHECK(r.error().find(
            "h.jsonl:2: message 1 was sent from c1 to n1, not from c1 to n\\x0aX\\x1b[31m") == 0);
}

TEST_CASE("a history warning quoting an unknown kind with a newline is one clean line") {
  const std::string text = kStartLine + "{\"t\": 0, \"kind\": \"new\\nkind\"}\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "h.jsonl", kPartial);
  REQUIRE(r.ok());
  REQUIRE(r->warnings.size() == 1);
  CHECK(one_clean_line(r->warnings[0]));
  CHECK(r->warnings[0] == "h.jsonl:2: unknown kind \"new\\x0akind\", line skipped");
}

// fuzz_scenario: a scenario may hold values nested kMaxValueDepth (100) deep,
// but the viz reader refused history lines nested deeper than 64, so
// `kvsim render` refused the history of a valid run. Such a value sits at
// most 4 levels down in a history line (final -> store -> key -> version).
TEST_CASE("the history of a run with a value nested kMaxValueDepth deep reads back and draws") {
  static_assert(kv::kMaxNestingDepth >= kv::sim::kMaxValueDepth + 4);
  const std::string deep =
      std::string(kv::sim::kMaxValueDepth, '[') + "1" + std::string(kv::sim::kMaxValueDepth, ']');
  const kv::sim::Scenario scenario = kv::sim::testing::loaded(
      "name: deep\nnodes: 2\nrun_until: 100ms\nanti_entropy: {interval: 10ms}\nevents:\n"
      "  - {at: 1ms, client: c1, node: n1, put: {key: x, value: " +
      deep +
      ", clock: auto}}\n"
      "  - {at: 50ms, client: c1, node: n2, get: {key: x}}\n");
  const kv::history::ReadResult read = run_and_read_back(scenario);
  INFO(read.error());
  REQUIRE(read.ok());
  CHECK(read->warnings.empty());
  CHECK_FALSE(kv::viz::causal_graph_dot(kv::viz::build_causal_graph(*read)).empty());
  CHECK_FALSE(kv::viz::tell_story(*read).empty());
}

// Found reading the simulator while fuzzing scenarios: client names took any
// number of digits, the simulator read them into 32 bits, so c4294967296 was
// counted as c0, and workload clients (numbered after the highest scripted
// one) could collide with a scripted one and be indexed past the end of the
// clients. Client numbers now stop at kMaxClients, as workload.clients does.
TEST_CASE("a scripted client numbered past kMaxClients is refused") {
  const auto with_client = [](const std::string& client) {
    return "name: t\nnodes: 2\nrun_until: 1s\nevents:\n  - {at: 1ms, client: " + client +
           ", node: n1, get: {key: x}}\n";
  };
  const kv::sim::Scenario s =
      kv::sim::testing::loaded(with_client("c" + std::to_string(kv::sim::kMaxClients)));
  CHECK(s.events[0].client == "c100000");
  const kv::sim::LoadResult r = kv::sim::load_scenario_text(with_client("c4294967296"), "s.yaml");
  CHECK_FALSE(r.ok());
  CHECK(r.error() == "s.yaml:5: client: client numbers go up to c100000, got 'c4294967296'");
  CHECK(kv::sim::load_scenario_text(with_client("c100001"), "s.yaml").error() ==
        "s.yaml:5: client: client numbers go up to c100000, got 'c100001'");
}

// ---- limits: `kvsim node` ----------------------------------------------------

TEST_CASE("a request line of exactly kMaxLineBytes is served; one byte longer is skipped") {
  kv::LineServer server;
  kv::LineStream stream(server);
  std::string out, err;
  stream.feed(std::string(kInit) + "\n", out, err);
  const std::string input = padded_get(kv::kMaxLineBytes, 2) + "\n" +
                            padded_get(kv::kMaxLineBytes + 1, 3) + "\n" + padded_get(80, 4) + "\n";
  size_t most_held = 0;
  for (size_t at = 0; at < input.size(); at += 65536) {  // as stdin is read
    stream.feed(std::string_view(input).substr(at, 65536), out, err);
    most_held = std::max(most_held, stream.buffered_bytes());
  }
  stream.finish(out, err);
  CHECK(most_held <= kv::kMaxLineBytes);
  CHECK(count_lines(out) == 3);  // init, line 2, line 4
  CHECK(out.find("\"in_reply_to\": 2,") != std::string::npos);
  CHECK(out.find("\"in_reply_to\": 3,") == std::string::npos);
  CHECK(out.find("\"in_reply_to\": 4,") != std::string::npos);
  CHECK(err == "kvsim node: line 3: longer than 16777216 bytes; skipped, no reply\n");
}

TEST_CASE("a long line is dropped as it streams in, however the input is chunked") {
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{100}, size_t{100000}}) {
    CAPTURE(chunk);
    kv::LineServer server;
    kv::LineStream stream(server, /*max_line_bytes=*/100);
    std::string out, err;
    const std::string input = padded_get(100, 1) + "\n" + std::string(5000, 'x') + "\n" +
                              padded_get(99, 2) + "\r\n" + std::string(101, '{') + "\n\n" +
                              padded_get(90, 3);
    size_t most_held = 0;
    for (size_t at = 0; at < input.size(); at += chunk) {
      stream.feed(std::string_view(input).substr(at, chunk), out, err);
      most_held = std::max(most_held, stream.buffered_bytes());
    }
    stream.finish(out, err);  // the last line has no newline
    CHECK(most_held <= 100);
    // Before init every request is answered with error 11: three answers.
    CHECK(count_lines(out) == 3);
    CHECK(err ==
          "kvsim node: line 2: longer than 100 bytes; skipped, no reply\n"
          "kvsim node: line 4: longer than 100 bytes; skipped, no reply\n");
    CHECK(out.find("\"in_reply_to\": 3,") != std::string::npos);
  }
}

TEST_CASE("a last line past the limit without a newline is reported once and not served") {
  kv::LineServer server;
  kv::LineStream stream(server, 50);
  std::string out, err;
  stream.feed(std::string(80, 'y'), out, err);
  stream.finish(out, err);
  CHECK(out.empty());
  CHECK(err == "kvsim node: line 1: longer than 50 bytes; skipped, no reply\n");
}

namespace {

// One request through a fresh, initialised LineServer: the reply or the
// diagnostic.
std::string serve(const std::string& line) {
  kv::LineServer server;
  std::string out, err;
  server.handle_line(kInit, 1, out, err);
  out.clear();
  server.handle_line(line, 2, out, err);
  return out + err;
}

std::string put_line(const std::string& value, const std::string& clock) {
  return R"({"src":"c1","dest":"n1","body":{"type":"kv_put","msg_id":7,"key":"k","value":)" +
         value + R"(,"clock":)" + clock + "}}";
}

std::string zeros_clock(size_t slots) {
  std::string clock = "[";
  for (size_t i = 0; i < slots; ++i) clock += i == 0 ? "1" : ",0";
  return clock + "]";
}

}  // namespace

TEST_CASE("a clock of kMaxClockSlots slots is served; one slot more is error 12") {
  CHECK(serve(put_line("1", zeros_clock(kv::kMaxClockSlots))).find("\"status\": \"written\"") !=
        std::string::npos);
  CHECK(serve(put_line("1", zeros_clock(kv::kMaxClockSlots + 1))) ==
        R"({"src": "n1", "dest": "c1", "body": {"type": "error", "in_reply_to": 7, "code": 12, )"
        R"("text": "field 'clock' has 4097 entries; at most 4096 are allowed", "msg_id": 1}})"
        "\n");
}

TEST_CASE("a message nested exactly kMaxNestingDepth deep is served; one level more is error 12") {
  // The message and its body are two levels; the value holds the rest.
  const size_t value_depth = kv::kMaxNestingDepth - 2;
  const std::string ok = std::string(value_depth, '[') + std::string(value_depth, ']');
  CHECK(serve(put_line(ok, "[1]")).find("\"status\": \"written\"") != std::string::npos);
  const std::string deep = "[" + ok + "]";
  CHECK(serve(put_line(deep, "[1]")) ==
        R"({"src": "n1", "dest": "c1", "body": {"type": "error", "in_reply_to": 7, "code": 12, )"
        R"("text": "message nested deeper than 128 levels", "msg_id": 1}})"
        "\n");
}

// A line of 16 MiB of '[' used to build nlohmann's tree of every level before
// the depth was checked: 1.2 GB for one request. The depth is now measured
// first and only the envelope is built.
TEST_CASE("a message nested 100000 levels deep is answered without building it") {
  const size_t levels = 100000;
  const std::string deep = std::string(levels, '[') + std::string(levels, ']');
  CHECK(serve(put_line(deep, "[1]")).find("\"code\": 12, \"text\": \"message nested deeper") !=
        std::string::npos);
  // Not JSON (never closed): a diagnostic, as for any line that is not JSON.
  CHECK(
      serve(put_line(std::string(levels, '['), "[1]")).rfind("kvsim node: line 2: not JSON: ", 0) ==
      0);
  // The envelope reads as a full parse would: the last of repeated keys wins.
  CHECK(serve(R"({"src":"c1","dest":"n1","body":{"msg_id":1,"v":)" + deep +
              R"(,"msg_id":9},"src":"c2"})")
            .find(R"("dest": "c2", "body": {"type": "error", "in_reply_to": 9, "code": 12)") !=
        std::string::npos);
  CHECK(serve(R"({"dest":"n1","body":{"msg_id":1,"v":)" + deep + "}}") ==
        "kvsim node: line 2: no string 'src' to reply to; no reply possible\n");
  CHECK(serve(R"({"src":"c1","body":{"msg_id":)" + deep + "}}") ==
        "kvsim node: line 2: no integer body.msg_id to answer to; no reply possible\n");
  CHECK(serve(deep) == "kvsim node: line 2: not a JSON object; no reply possible\n");
}

// ---- limits: history files ---------------------------------------------------

// The reader used to read a file up to kMaxHistoryBytes (1 GiB) into memory
// before finding it too big; a regular file's size is now checked first.
TEST_CASE("a history file larger than kv::history::kMaxHistoryBytes is refused before it is read") {
  const std::string path = temp_path("big.jsonl");
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(kv::history::kMaxHistoryBytes + 1)) == 0);  // sparse
  ::close(fd);
  const kv::history::ReadResult r = kv::history::read_history_file(path);
  std::remove(path.c_str());
  CHECK(r.status().is_bad_input());
  CHECK(r.error() == path + ": larger than 1073741824 bytes, the limit for a history");
}

TEST_CASE("a history clock of kMaxClockSlots slots is read; one slot more refuses the line") {
  const auto siblings_line = [](size_t slots) {
    return R"({"t": 0, "kind": "siblings", "node": "n1", "key": "x", "siblings": [{"value": 1, )"
           R"("clock": )" +
           zeros_clock(slots) + "}]}\n";
  };
  CHECK(
      kv::history::read_history_text(kStartLine + siblings_line(kv::kMaxClockSlots), "h", kPartial)
          .ok());
  CHECK(kv::history::read_history_text(kStartLine + siblings_line(kv::kMaxClockSlots + 1), "h",
                                       kPartial)
            .error() ==
        "h:2: field \"siblings\" holds a version whose clock has 4097 slots, more than 4096");
}

TEST_CASE("a history line nested exactly kMaxNestingDepth deep is read") {
  // The line's object is one level; the value the rest.
  const size_t depth = kv::kMaxNestingDepth - 1;
  const std::string line =
      R"({"t": 0, "kind": "x", "v": )" + std::string(depth, '[') + std::string(depth, ']') + "}\n";
  CHECK(kv::history::read_history_text(kStartLine + line, "h", kPartial).ok());
}

TEST_CASE("past kv::history::kMaxWarnings skipped lines, the rest are counted in one warning") {
  std::string text = kStartLine;
  for (size_t i = 0; i < kv::history::kMaxWarnings + 5; ++i) {
    text += R"({"t": 0, "kind": "future"})"
            "\n";
  }
  const kv::history::ReadResult r = kv::history::read_history_text(text, "h", kPartial);
  REQUIRE(r.ok());
  REQUIRE(r->warnings.size() == kv::history::kMaxWarnings + 1);
  CHECK(r->warnings.back() == "h: 5 more lines skipped");
}

// ---- limits: scenarios -------------------------------------------------------
// (scenario size, nodes, events, run_until, value depth and elements, clock
// slots and name length are tested at and past their limits in
// scenario_test.cpp.)

TEST_CASE("a workload at kMaxClients clients and kMaxWorkloadOps operations loads at once") {
  // Loading does not expand the operations: they are drawn as the run goes.
  const kv::sim::Scenario s = kv::sim::testing::loaded(
      "name: t\nnodes: 3\nrun_until: 1000s\nworkload: {ops: 1000000000, clients: 100000, "
      "interval: 1us}\n");
  REQUIRE(s.workload);
  CHECK(s.workload->ops == kv::sim::kMaxWorkloadOps);
  CHECK(s.workload->clients == kv::sim::kMaxClients);
  CHECK(kv::sim::load_scenario_text("name: t\nnodes: 3\nrun_until: 1000s\nworkload: {ops: "
                                    "1000000001, interval: 1us}\n",
                                    "s.yaml")
            .error() == "s.yaml:4: workload.ops: must be between 1 and 1000000000, got 1000000001");
}
