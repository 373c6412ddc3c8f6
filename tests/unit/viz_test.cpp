// Tests for viz/: the history reader, the causal graph, the space-time
// diagram, the story, the report and rendering.
//
// The two histories in tests/data/ were written by hand; what the graph must
// contain was worked out from reading them (tests/data/viz_README.md), and
// the expectations below are those notes, not the program's output.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/natural_less.h"
#include "history/history.h"
#include "tests/unit/run_helpers.h"
#include "viz/causal_graph.h"
#include "viz/render.h"
#include "viz/report.h"
#include "viz/spacetime.h"
#include "viz/story.h"
#include "viz/text.h"
#include "viz/write_fates.h"

namespace {

using namespace kv::viz;

std::string data_dir() {
#ifdef KVSIM_TEST_DATA
  return KVSIM_TEST_DATA;
#else
  return (std::filesystem::path(__FILE__).parent_path() / "data").string();
#endif
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

kv::history::History load(const std::string& name) {
  const kv::history::ReadResult r = kv::history::read_history_file(data_dir() + "/" + name);
  REQUIRE_MESSAGE(r.ok(), r.error());
  return *r;
}

// The error for a history made of `lines` (each gets a '\n').
std::string error_of(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "H");
  return r.ok() ? std::string("(accepted)") : r.error();
}

// A start line listing n1..n3, for fragments of histories.
const std::string kStart =
    R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1", "n2", "n3"], "description": ""})";
using kv::history::testing::kPartial;

// The error for kStart then `lines`, read partially (no `end` needed);
// "(accepted)" if none. Line numbers count kStart as line 1.
std::string partial_error_of(const std::vector<std::string>& lines) {
  std::string text = kStart + "\n";
  for (const std::string& l : lines) text += l + "\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "H", kPartial);
  return r.ok() ? std::string("(accepted)") : r.error();
}

const std::string kSend1 =
    R"({"t": 1, "kind": "send", "id": 1, "src": "c1", "dest": "n1", "body": {"type": "kv_put", "msg_id": 1, "key": "x", "value": "v", "clock": [1]}})";

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const KeyGraph& key_graph(const CausalGraph& g, const std::string& key) {
  auto it =
      std::find_if(g.keys.begin(), g.keys.end(), [&](const KeyGraph& k) { return k.key == key; });
  REQUIRE(it != g.keys.end());
  return *it;
}

bool has_edge(const KeyGraph& k, size_t from, size_t to, GraphEdge::Kind kind) {
  return std::any_of(k.edges.begin(), k.edges.end(), [&](const GraphEdge& e) {
    return e.from == from && e.to == to && e.kind == kind;
  });
}

}  // namespace

// ---- text helpers ----

// (Times as text are base/time_text.h's: tests/unit/base_test.cpp.)

TEST_CASE("plain string values lose their quotes, others keep their JSON text") {
  CHECK(value_text("\"v1\"") == "v1");
  CHECK(value_text("\"v1+v2\"") == "v1+v2");
  CHECK(value_text("1") == "1");
  CHECK(value_text("\"1\"") == "\"1\"");
  CHECK(value_text("\"true\"") == "\"true\"");
  CHECK(value_text("\"a b\"") == "\"a b\"");
  CHECK(value_text("\"\"") == "\"\"");
  CHECK(value_text("{\"n\": 1}") == "{\"n\": 1}");
  CHECK(value_text("\"abcdefghijklmnopqrstuvwxyz0123456789\"", 10) == "abcdefg...");
}

TEST_CASE("arrays of ascending integers show their runs of three or more as first..last") {
  CHECK(value_text("[0, 1, 2, 3, 5]") == "[0..3, 5]");
  CHECK(value_text("[0, 1, 2, 4, 5, 7, 8, 9]") == "[0..2, 4, 5, 7..9]");
  CHECK(value_text("[-2, -1, 0, 9]") == "[-2..0, 9]");
  // Riak's union values: all of 0..95 and 97, then all of 0..96 and 98.
  std::string a = "[0", b = "[0";
  for (int i = 1; i <= 95; ++i) a += ", " + std::to_string(i);
  for (int i = 1; i <= 96; ++i) b += ", " + std::to_string(i);
  CHECK(value_text(a + ", 97]") == "[0..95, 97]");
  CHECK(value_text(b + ", 98]") == "[0..96, 98]");
  // Nothing to shorten, not ascending, repeated, or not all integers: as before.
  CHECK(value_text("[0, 1, 3]") == "[0, 1, 3]");
  CHECK(value_text("[3, 2, 1, 0]") == "[3, 2, 1, 0]");
  CHECK(value_text("[0, 1, 1, 2, 3]") == "[0, 1, 1, 2, 3]");
  CHECK(value_text("[0, 1, 2, 3.5]") == "[0, 1, 2, 3.5]");
  CHECK(value_text("[0, 1, 2, \"x\"]") == "[0, 1, 2, \"x\"]");
  CHECK(value_text("[]") == "[]");
}

TEST_CASE("DOT strings escape quotes and backslashes and show control characters") {
  CHECK(dot_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(dot_quote("two\nlines") == "\"two\\nlines\"");
  CHECK(dot_quote(std::string("bell\x07", 5)) == "\"bell\\\\x07\"");
}

TEST_CASE("names sort the way people count") {
  std::vector<std::string> names = {"c10", "n2", "c2", "c1", "n10", "n1", "c01"};
  std::sort(names.begin(), names.end(), kv::NaturalLess());
  CHECK(names == std::vector<std::string>{"c01", "c1", "c2", "c10", "n1", "n2", "n10"});
}

// ---- the reader ----

TEST_CASE("the hand-made histories read completely") {
  const kv::history::History a = load("viz_partition_heal.jsonl");
  CHECK(a.events.size() == 71);
  REQUIRE(a.start);
  CHECK(a.start->scenario == "partition-heal");
  CHECK(a.start->seed == 7u);
  CHECK(a.nodes() == std::vector<std::string>{"n1", "n2", "n3"});
  CHECK(a.clients() == std::vector<std::string>{"c1", "c2"});
  CHECK(a.warnings.empty());
  REQUIRE(a.find_send(21) != nullptr);
  CHECK(a.find_send(21)->body.type == kv::MsgType::kPut);
  CHECK(*a.find_send(21)->body.value == "\"late\"");
  CHECK(a.find_send(23) == nullptr);
  const kv::history::History b = load("viz_crash_loss.jsonl");
  CHECK(b.events.size() == 48);
  const auto& apply = std::get<kv::history::ApplyEvent>(b.events[24].data);  // line 25
  CHECK(apply.status == "conflict");
  CHECK(apply.client == "c2");
  CHECK(apply.siblings == 2);
}

TEST_CASE("every malformed line is an error naming the file and line") {
  CHECK(error_of({"{not json"}).rfind("H:1: not JSON: ", 0) == 0);
  CHECK(error_of({"[1, 2]"}) == "H:1: a line must be a JSON object");
  CHECK(error_of({R"({"kind": "end", "events": 1, "messages": 0})"}) ==
        "H:1: field \"t\" is missing");
  // A number that does not fit says what it is (not "not an integer").
  CHECK(error_of({R"({"t": -5, "kind": "heal"})"}) ==
        "H:1: field \"t\" must be a non-negative integer, not -5");
  CHECK(error_of({R"({"t": 1.5, "kind": "heal"})"}) ==
        "H:1: field \"t\" must be a non-negative integer, not 1.5");
  CHECK(error_of({R"({"t": 1})"}) == "H:1: field \"kind\" is missing");
  CHECK(error_of({R"({"t": 5, "kind": "fault", "fault": "heal"})",
                  R"({"t": 4, "kind": "fault", "fault": "heal"})"}) ==
        "H:2: t goes backwards: 4 after 5");
  CHECK(error_of({R"({"t": 0, "kind": "fault", "fault": "heal"})", kStart}) ==
        "H:2: \"start\" may only be the first line");
  CHECK(
      error_of(
          {R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": "n1", "description": ""})"}) ==
      "H:1: field \"nodes\" must be a list of names, not a string");
  CHECK(error_of({R"({"t": 0, "kind": "end", "events": 1, "messages": 0})",
                  R"({"t": 0, "kind": "fault", "fault": "heal"})"}) == "H:2: a line after \"end\"");
  CHECK(error_of({R"({"t": 0, "kind": "end", "events": 1})"}) ==
        "H:1: field \"messages\" is missing");
}

TEST_CASE("message lines must name messages that were sent, with the same ends") {
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "send", "id": 0, "src": "c1", "dest": "n1", "body": {"type": "x"}})"}) ==
      "H:1: field \"id\" must be at least 1");
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "send", "id": 1, "src": "", "dest": "n1", "body": {"type": "x"}})"}) ==
      "H:1: field \"src\" is an empty name");
  CHECK(error_of({R"({"t": 1, "kind": "send", "id": 1, "src": "c1", "dest": "n1", "body": 3})"}) ==
        "H:1: field \"body\" must be an object");
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "send", "id": 1, "src": "c1", "dest": "n1", "body": {"msg_id": 1}})"}) ==
      "H:1: field \"body\" needs a string \"type\"");
  CHECK(error_of({kSend1, kSend1}) == "H:2: message 1 was already sent (line 1)");
  CHECK(error_of({R"({"t": 1, "kind": "deliver", "id": 9, "src": "c1", "dest": "n1"})"}) ==
        "H:1: message 9 was never sent");
  CHECK(error_of({kSend1, R"({"t": 2, "kind": "deliver", "id": 1, "src": "c1", "dest": "n2"})"}) ==
        "H:2: message 1 was sent from c1 to n1, not from c1 to n2");
  CHECK(error_of({kSend1, R"({"t": 2, "kind": "drop", "id": 1, "src": "c1", "dest": "n1"})"}) ==
        "H:2: field \"reason\" is missing");
  CHECK(error_of({R"({"t": 1, "kind": "duplicate", "id": 4})"}) == "H:1: message 4 was never sent");
}

TEST_CASE("apply lines are checked field by field") {
  const std::string head = R"({"t": 1, "kind": "apply", "node": "n1", "key": "x", "value": "v", )";
  CHECK(
      error_of({head +
                R"("clock": [1], "op": "merge", "msg": 0, "result": "applied", "siblings": 1})"}) ==
      "H:1: field \"op\" must be put, resolve, replicate or anti_entropy, not \"merge\"");
  CHECK(
      error_of({head +
                R"("clock": [1], "op": "replicate", "msg": 0, "result": "ok", "siblings": 1})"}) ==
      "H:1: field \"result\" must be applied, duplicate, stale or refused, not \"ok\"");
  CHECK(
      error_of(
          {head +
           R"("clock": [1], "op": "put", "msg": 0, "result": "applied", "siblings": 1, "status": "written"})"}) ==
      "H:1: field \"client\" is missing");
  CHECK(
      error_of(
          {head +
           R"("clock": [1], "op": "put", "msg": 0, "result": "applied", "siblings": 1, "status": "fine", "client": "c1"})"}) ==
      "H:1: field \"status\" must be written, conflict, resolved, rejected or too_many_siblings, "
      "not \"fine\"");
  CHECK(
      error_of(
          {head +
           R"("clock": [1], "op": "replicate", "msg": 5, "result": "applied", "siblings": 1})"}) ==
      "H:1: message 5 was never sent");
  CHECK(
      error_of(
          {head +
           R"("clock": "[1]", "op": "replicate", "msg": 0, "result": "applied", "siblings": 1})"}) ==
      "H:1: field \"clock\" must be an array of non-negative integers, not a string");
  CHECK(
      error_of(
          {head +
           R"("clock": [1, -2], "op": "replicate", "msg": 0, "result": "applied", "siblings": 1})"}) ==
      "H:1: field \"clock\" must hold non-negative integers that fit in 64 bits");
  CHECK(
      error_of(
          {head +
           R"("clock": [18446744073709551616], "op": "replicate", "msg": 0, "result": "applied", "siblings": 1})"}) ==
      "H:1: field \"clock\" must hold non-negative integers that fit in 64 bits");
  std::string long_clock = "[0";
  for (size_t i = 0; i < kv::kMaxClockSlots; ++i) long_clock += ", 0";
  CHECK(error_of({head + "\"clock\": " + long_clock +
                  R"(], "op": "replicate", "msg": 0, "result": "applied", "siblings": 1})"}) ==
        "H:1: field \"clock\" has 4097 slots, more than 4096");
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "apply", "node": "n1", "key": "x", "clock": [1], "op": "put"})"}) ==
      "H:1: field \"value\" is missing");
  // A big value is fine: it is kept as its JSON text.
  CHECK(
      partial_error_of(
          {head +
           R"("clock": [18446744073709551615], "op": "replicate", "msg": 0, "result": "applied", "siblings": 1})"}) ==
      "(accepted)");
}

TEST_CASE("versions, faults, timeouts and final stores are checked") {
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "siblings", "node": "n1", "key": "x", "siblings": [{"value": 1}]})"}) ==
      "H:1: field \"siblings\" holds a version without \"value\" or \"clock\"");
  CHECK(error_of({R"({"t": 1, "kind": "siblings", "node": "n1", "key": "x", "siblings": [7]})"}) ==
        "H:1: field \"siblings\" must hold versions {\"value\": .., \"clock\": [..]}");
  CHECK(error_of({R"({"t": 1, "kind": "fault", "fault": "partition", "shape": "groups"})"}) ==
        "H:1: a partition needs \"groups\", \"ring\", or \"from\" and \"to\"");
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "fault", "fault": "partition", "shape": "groups", "groups": [["n1"], "n2"]})"}) ==
      "H:1: field \"groups\" must be a list of names, not a string");
  CHECK(error_of({R"({"t": 1, "kind": "fault", "fault": "crash"})"}) ==
        "H:1: field \"node\" is missing");
  CHECK(error_of(
            {R"({"t": 1, "kind": "fault", "fault": "crash", "node": "n1", "amnesia": "yes"})"}) ==
        "H:1: field \"amnesia\" must be true or false, not a string");
  CHECK(error_of({R"({"t": 1, "kind": "timeout", "client": "c1", "msg_id": 1, "node": "n2"})"}) ==
        "H:1: field \"attempt\" is missing");
  CHECK(error_of({R"({"t": 1, "kind": "give_up", "client": "c1"})"}) ==
        "H:1: field \"msg_id\" is missing");
  CHECK(error_of({R"({"t": 1, "kind": "final", "node": "n1", "live": true, "store": []})"}) ==
        "H:1: field \"store\" must be an object {key: [versions]}");
  CHECK(error_of({R"({"t": 1, "kind": "final", "node": "n1", "live": 1, "store": {}})"}) ==
        "H:1: field \"live\" must be true or false, not 1");
  CHECK(
      error_of(
          {R"({"t": 1, "kind": "final", "node": "n1", "live": true, "store": {"x": [{"value": 1, "clock": [-1]}]}})"}) ==
      "H:1: field \"store\" holds a version whose clock must hold non-negative integers that fit "
      "in 64 bits");
}

TEST_CASE("unknown kinds and faults are skipped with a warning") {
  const kv::history::ReadResult r = kv::history::read_history_text(
      kStart +
          "\n{\"t\": 0, \"kind\": \"checkpoint\"}\n{\"t\": 1, \"kind\": \"fault\", \"fault\": "
          "\"solar-flare\"}\n",
      "H", kPartial);
  REQUIRE(r.ok());
  CHECK(r->events.size() == 1);  // the start
  CHECK(r->warnings ==
        std::vector<std::string>{"H:2: unknown kind \"checkpoint\", line skipped",
                                 "H:3: unknown fault \"solar-flare\", line skipped"});
}

TEST_CASE("the number of warnings is bounded, and the rest are counted") {
  std::string text = kStart + "\n";
  for (int i = 0; i < 30; ++i) text += "{\"t\": 0, \"kind\": \"x\"}\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "H", kPartial);
  REQUIRE(r.ok());
  CHECK(r->warnings.size() == kv::history::kMaxWarnings + 1);
  CHECK(r->warnings.back() == "H: 10 more lines skipped");
}

TEST_CASE("blank lines, CRLF and a missing last newline are fine") {
  const kv::history::ReadResult r = kv::history::read_history_text(
      "\n" + kStart + "\r\n   \n{\"t\": 1, \"kind\": \"fault\", \"fault\": \"heal\"}\n" +
          R"({"t": 2, "kind": "final", "node": "n1", "live": true, "store": {}})"
          "\n" +
          R"({"t": 2, "kind": "final", "node": "n2", "live": true, "store": {}})"
          "\n" +
          R"({"t": 2, "kind": "final", "node": "n3", "live": true, "store": {}})"
          "\n" +
          R"({"t": 2, "kind": "end", "events": 1, "messages": 0})",
      "H");
  REQUIRE_MESSAGE(r.ok(), r.error());
  REQUIRE(r->events.size() == 6);
  CHECK(r->events[1].line == 4);
  CHECK(r->complete);
}

TEST_CASE("deep nesting and long lines are refused before parsing") {
  std::string deep = R"({"t": 0, "kind": "x", "v": )" + std::string(kv::kMaxNestingDepth, '[') +
                     std::string(kv::kMaxNestingDepth, ']') + "}";
  CHECK(error_of({deep}) ==
        "H:1: nested deeper than " + std::to_string(kv::kMaxNestingDepth) + " levels");
  // Brackets inside strings do not count.
  CHECK(partial_error_of({R"({"t": 0, "kind": "x", "v": ")" + std::string(100, '[') + "\"}"}) ==
        "(accepted)");
  const std::string long_line = "\"" + std::string(kv::kMaxLineBytes, 'a') + "\"";
  CHECK(error_of({long_line}) == "H:1: line longer than 16777216 bytes");
}

// base/status.h: the file system saying no is an I/O error (exit 4), the
// content being refused is bad input (exit 2).
TEST_CASE("a file that cannot be opened or read is an I/O error") {
  const kv::history::ReadResult missing =
      kv::history::read_history_file("/nonexistent/history.jsonl");
  CHECK(missing.status().is_io_error());
  CHECK(missing.error().rfind("/nonexistent/history.jsonl: cannot open: ", 0) == 0);
  const kv::history::ReadResult folder = kv::history::read_history_file(data_dir());
  CHECK(folder.status().is_io_error());
  CHECK(kv::history::read_history_text("not json\n", "H").status().is_bad_input());
}

namespace {

// Reads `text`; when accepted, makes every picture, the story and the report
// from it. Counts what happened.
void exercise(const std::string& text, size_t& accepted, size_t& refused) {
  // Partially: a prefix without its end is drawn too (`kvsim render --partial`).
  const kv::history::ReadResult r = kv::history::read_history_text(text, "H", kPartial);
  if (!r.ok()) {
    CHECK(r.error().rfind("H:", 0) == 0);
    ++refused;
    return;
  }
  ++accepted;
  const kv::history::History& h = *r;
  const std::string dot = causal_graph_dot(build_causal_graph(h));
  CHECK(dot.rfind("digraph siblings {", 0) == 0);
  const SpacetimeResult st = spacetime_dot(h, SpacetimeOptions{});
  CHECK(st.ok);
  SpacetimeOptions window;
  window.window = Window{Window::Kind::kLines, 10, 30};
  CHECK(spacetime_dot(h, window).ok);
  ReportInput in;
  in.history = &h;
  in.story = tell_story(h);
  CHECK(report_html(in).find("</html>") != std::string::npos);
}

}  // namespace

TEST_CASE("mangled histories never crash any consumer") {
  // Every prefix, every history with one line left out, every truncation
  // point and a few thousand byte flips of the hand-made histories: the
  // reader answers a history or an error; whatever it accepts, every picture,
  // the story and the report can be made from (inconsistent as it may be).
  size_t accepted = 0, refused = 0;
  for (const char* name : {"viz_crash_loss.jsonl", "viz_partition_heal.jsonl"}) {
    const std::string text = slurp(data_dir() + "/" + name);
    REQUIRE(!text.empty());
    std::vector<std::string> lines;
    for (size_t at = 0; at < text.size();) {
      const size_t end = text.find('\n', at);
      lines.push_back(text.substr(at, end - at + 1));
      at = end + 1;
    }
    for (size_t k = 0; k <= lines.size(); ++k) {
      std::string prefix, without;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (i < k) prefix += lines[i];
        if (i != k) without += lines[i];
      }
      exercise(prefix, accepted, refused);
      exercise(without, accepted, refused);
    }
    for (size_t cut = 0; cut < text.size(); cut += 5) {
      exercise(text.substr(0, cut), accepted, refused);
    }
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&]() {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return state;
    };
    const char kBytes[] = "{}[]\",:0123456789-.eE \\nxtf\x01\xff";
    for (size_t i = 0; i < 1500; ++i) {
      std::string mangled = text;
      for (int flips = 0; flips < 2; ++flips) {
        mangled[next() % mangled.size()] = kBytes[next() % (sizeof kBytes - 1)];
      }
      exercise(mangled, accepted, refused);
    }
  }
  CHECK(accepted > 150);
  CHECK(refused > 1000);
}

// ---- the causal graph ----

TEST_CASE("partition-heal: two siblings, a resolve that merges both, a rejected stale write") {
  const CausalGraph g = build_causal_graph(load("viz_partition_heal.jsonl"));
  REQUIRE(g.keys.size() == 1);
  const KeyGraph& x = key_graph(g, "x");
  CHECK_FALSE(x.diverged);
  REQUIRE(x.vertices.size() == 4);
  using Fate = GraphVertex::Fate;
  // v0 v1@[1,0,0]: put by c1 at n1, 3ms; reached n2 (ae) 108ms and n3 (ae) 115ms.
  CHECK(x.vertices[0].version.value == "\"v1\"");
  CHECK(x.vertices[0].fate == Fate::kAccepted);
  CHECK(x.vertices[0].node == "n1");
  CHECK(x.vertices[0].client == "c1");
  CHECK(x.vertices[0].t_us == 3000);
  REQUIRE(x.vertices[0].arrivals.size() == 3);
  CHECK(x.vertices[0].arrivals[1].node == "n2");
  CHECK(x.vertices[0].arrivals[1].t_us == 108000);
  CHECK(x.vertices[0].arrivals[1].op == kv::WriteOp::kAntiEntropy);
  CHECK(x.vertices[0].ever_sibling);
  CHECK(x.vertices[0].final_on.empty());
  // v1 v2@[0,1,0]: put by c2 at n2, 4ms; n3 by replication at 8ms.
  CHECK(x.vertices[1].version.value == "\"v2\"");
  CHECK(x.vertices[1].arrivals[1].node == "n3");
  CHECK(x.vertices[1].arrivals[1].op == kv::WriteOp::kReplicate);
  // v2 v1+v2@[1,1,1]: resolve by c1 at n3, final on every node.
  CHECK(x.vertices[2].op == kv::WriteOp::kResolve);
  CHECK(x.vertices[2].node == "n3");
  CHECK(x.vertices[2].final_on == std::vector<std::string>{"n1", "n2", "n3"});
  CHECK_FALSE(x.vertices[2].ever_sibling);
  // v3 late@[1,1,0]: rejected at n2.
  CHECK(x.vertices[3].fate == Fate::kRejected);
  CHECK(x.vertices[3].t_us == 502000);
  // Edges: both siblings merged into the resolve; late rejected by it.
  REQUIRE(x.edges.size() == 3);
  CHECK(has_edge(x, 0, 2, GraphEdge::Kind::kMerged));
  CHECK(has_edge(x, 1, 2, GraphEdge::Kind::kMerged));
  CHECK(has_edge(x, 3, 2, GraphEdge::Kind::kRejected));
  // One conflict: first detected at n1, 106ms.
  REQUIRE(x.links.size() == 1);
  CHECK(x.links[0].a == 0);
  CHECK(x.links[0].b == 1);
  CHECK(x.links[0].node == "n1");
  CHECK(x.links[0].t_us == 106000);
  CHECK(x.same_rank == std::vector<std::vector<size_t>>{{0, 1}});
}

TEST_CASE("crash-and-loss: a diverged key with two conflicts, and a key only n1 has") {
  const CausalGraph g = build_causal_graph(load("viz_crash_loss.jsonl"));
  REQUIRE(g.keys.size() == 2);
  const KeyGraph& a = key_graph(g, "a");
  CHECK(a.diverged);
  REQUIRE(a.vertices.size() == 3);
  CHECK(a.vertices[0].version.value == "1");
  CHECK(a.vertices[0].final_on == std::vector<std::string>{"n2"});
  CHECK(a.vertices[1].version.value == "2");
  CHECK(a.vertices[1].arrivals.size() == 1);  // its replicate was lost
  CHECK(a.vertices[1].final_on == std::vector<std::string>{"n1"});
  CHECK(a.vertices[2].version.value == "\"x\"");
  CHECK(a.vertices[2].final_on == std::vector<std::string>{"n1", "n2"});
  REQUIRE(a.edges.size() == 1);
  CHECK(has_edge(a, 0, 1, GraphEdge::Kind::kSupersedes));
  REQUIRE(a.links.size() == 2);
  CHECK((a.links[0].a == 0 && a.links[0].b == 2 && a.links[0].node == "n2" &&
         a.links[0].t_us == 21000));
  CHECK((a.links[1].a == 1 && a.links[1].b == 2 && a.links[1].node == "n1" &&
         a.links[1].t_us == 23000));
  CHECK(a.same_rank == std::vector<std::vector<size_t>>{{0, 2}});
  const KeyGraph& b = key_graph(g, "b");
  CHECK(b.diverged);
  REQUIRE(b.vertices.size() == 1);
  CHECK(b.vertices[0].version.value == "{\"n\": 1}");
  CHECK(b.vertices[0].node == "n1");  // the retry's node, after n2 crashed
  CHECK(b.vertices[0].t_us == 232000);
  CHECK(b.edges.empty());
}

TEST_CASE("the DOT of both hand-made histories matches the hand-checked golden files") {
  for (const std::string name : {"viz_partition_heal", "viz_crash_loss"}) {
    CAPTURE(name);
    const std::string dot = causal_graph_dot(build_causal_graph(load(name + ".jsonl")));
    CHECK(dot == slurp(data_dir() + "/" + name + ".siblings.dot"));
  }
}

namespace {

std::string put_line(int64_t t, const std::string& node, const std::string& value,
                     const std::string& clock, const std::string& result = "applied",
                     const std::string& op = "put") {
  return "{\"t\": " + std::to_string(t) + ", \"kind\": \"apply\", \"node\": \"" + node +
         "\", \"key\": \"k\", \"value\": \"" + value + "\", \"clock\": " + clock + ", \"op\": \"" +
         op + "\", \"msg\": 0, \"result\": \"" + result + "\", \"siblings\": 1, \"status\": \"" +
         (result == "stale" ? "rejected" : "written") + "\", \"client\": \"c1\"}";
}

std::string siblings_line(int64_t t, const std::string& node,
                          const std::vector<std::pair<std::string, std::string>>& versions) {
  std::string out = "{\"t\": " + std::to_string(t) + ", \"kind\": \"siblings\", \"node\": \"" +
                    node + "\", \"key\": \"k\", \"siblings\": [";
  for (size_t i = 0; i < versions.size(); ++i) {
    out += (i ? ", " : "") + std::string("{\"value\": \"") + versions[i].first +
           "\", \"clock\": " + versions[i].second + "}";
  }
  return out + "]}";
}

// A fragment of a history, read partially (no `end` needed), after kStart
// unless it brings its own start line.
kv::history::History parse(const std::vector<std::string>& lines) {
  std::string text;
  if (lines.empty() || lines[0].find("\"kind\": \"start\"") == std::string::npos) {
    text += kStart + "\n";
  }
  for (const std::string& l : lines) text += l + "\n";
  const kv::history::ReadResult r = kv::history::read_history_text(text, "H", kPartial);
  REQUIRE_MESSAGE(r.ok(), r.error());
  return *r;
}

}  // namespace

TEST_CASE("edges are the transitive reduction of dominance") {
  // a[1,0] < b[2,0] < d[2,1]; c[1,1] is above a and below d, concurrent with b.
  const kv::history::History h =
      parse({put_line(1, "n1", "a", "[1, 0]"), put_line(2, "n1", "b", "[2, 0]"),
             put_line(3, "n2", "c", "[1, 1]"), put_line(4, "n1", "d", "[2, 1]")});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.edges.size() == 4);
  CHECK(has_edge(k, 0, 1, GraphEdge::Kind::kSupersedes));
  CHECK(has_edge(k, 0, 2, GraphEdge::Kind::kSupersedes));
  CHECK(has_edge(k, 1, 3, GraphEdge::Kind::kSupersedes));
  CHECK(has_edge(k, 2, 3, GraphEdge::Kind::kSupersedes));
}

TEST_CASE(
    "clocks equal under zero padding are one version; equal clocks with other values are two") {
  const kv::history::History h = parse(
      {put_line(1, "n1", "a", "[1]"), put_line(2, "n2", "a", "[1, 0]"),
       put_line(3, "n2", "b", "[1, 0]"), siblings_line(3, "n2", {{"a", "[1]"}, {"b", "[1, 0]"}})});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 2);
  CHECK(k.edges.empty());
  REQUIRE(k.links.size() == 1);
  CHECK(k.links[0].node == "n2");
}

TEST_CASE("growing sibling sets share one box; each version says where it first conflicted") {
  const kv::history::History h =
      parse({put_line(1, "n1", "a", "[1]"), siblings_line(1, "n1", {{"a", "[1]"}}),
             put_line(2, "n1", "b", "[1]"), siblings_line(2, "n1", {{"a", "[1]"}, {"b", "[1]"}}),
             put_line(3, "n2", "c", "[1]"),
             siblings_line(3, "n2", {{"c", "[1]"}, {"a", "[1]"}, {"b", "[1]"}})});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  CHECK(k.same_rank == std::vector<std::vector<size_t>>{{0, 1, 2}});
  CHECK(k.links.size() == 3);
  CHECK((k.vertices[0].conflict_node == "n1" && k.vertices[0].conflict_t_us == 2));
  CHECK((k.vertices[1].conflict_node == "n1" && k.vertices[1].conflict_t_us == 2));
  CHECK((k.vertices[2].conflict_node == "n2" && k.vertices[2].conflict_t_us == 3));
  // Every link is inside the box: none is drawn as an edge.
  CHECK(causal_graph_dot(g).find("xlabel") == std::string::npos);
}

TEST_CASE("a write only a down node keeps is unavailable, not lost (issue 10, 3)") {
  // a is held only by the crashed n3 (kept on its disk): unavailable; b is
  // superseded by c, which n2 holds; c is final. Before issue 10 the picture
  // called a LOST ("no live node holds it") while the story said n3 held it.
  const kv::history::History h = parse(
      {put_line(1, "n1", "a", "[1, 0]"), put_line(2, "n2", "b", "[0, 1]"),
       put_line(3, "n2", "c", "[0, 2]"),
       R"({"t": 9, "kind": "final", "node": "n1", "live": true, "store": {}})",
       R"({"t": 9, "kind": "final", "node": "n2", "live": true, "store": {"k": [{"value": "c", "clock": [0, 2]}]}})",
       R"({"t": 9, "kind": "final", "node": "n3", "live": false, "store": {"k": [{"value": "a", "clock": [1, 0]}]}})"});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 3);
  CHECK_FALSE(k.vertices[0].lost);
  CHECK(k.vertices[0].unavailable);
  CHECK(k.vertices[0].kept_on == std::vector<std::string>{"n3"});
  CHECK_FALSE(k.vertices[1].lost);
  CHECK_FALSE(k.vertices[1].unavailable);
  CHECK_FALSE(k.vertices[2].lost);
  CHECK(k.diverged);  // n1 holds nothing, n2 holds c
  const std::string dot = causal_graph_dot(g);
  CHECK(count(dot, "LOST:") == 0);
  CHECK(count(dot, "UNAVAILABLE: only n3, down, holds it") == 1);
  const std::string story = tell_story(h);
  CHECK(story.find("n3 (down) holds a@[1,0]") != std::string::npos);
  CHECK(story.find("    UNAVAILABLE: a@[1,0], accepted by n1 at t=1us (c1's write): only n3, "
                   "down, holds it\n") != std::string::npos);
  CHECK(story.find("Writes lost: 0 (no node holds them, live or down); unavailable: 1 (only "
                   "nodes that are down hold them).\n") != std::string::npos);
}

TEST_CASE("lost and unavailable are the maximal accepted writes no live node holds") {
  // Two nodes, both down at the end. Worked out by hand: accepted a[1,0],
  // b[2,0] (above a) and c[0,1]; the maximal ones are b and c. n1 kept its
  // store {b}: b is unavailable (only n1, down, holds it); n2 crashed with
  // amnesia and holds nothing: c is lost. a is below b: neither lost nor
  // unavailable (superseded). A rejected (stale) write counts for nothing.
  const kv::history::History h = parse({
      put_line(1000, "n1", "a", "[1, 0]"),
      siblings_line(1000, "n1", {{"a", "[1, 0]"}}),
      put_line(2000, "n1", "b", "[2, 0]"),
      siblings_line(2000, "n1", {{"b", "[2, 0]"}}),
      put_line(2500, "n1", "old", "[1, 0]", "stale"),
      put_line(3000, "n2", "c", "[0, 1]"),
      siblings_line(3000, "n2", {{"c", "[0, 1]"}}),
      R"({"t": 4000, "kind": "fault", "fault": "crash", "node": "n1", "amnesia": false})",
      R"({"t": 4000, "kind": "fault", "fault": "crash", "node": "n2", "amnesia": true})",
      siblings_line(4000, "n2", {}),
      R"({"t": 9000, "kind": "final", "node": "n1", "live": false, "store": {"k": [{"value": "b", "clock": [2, 0]}]}})",
      R"({"t": 9000, "kind": "final", "node": "n2", "live": false, "store": {}})",
  });
  const WriteFates fates = find_write_fates(h);
  CHECK(fates.lost == 1);
  CHECK(fates.unavailable == 1);
  REQUIRE(fates.writes.size() == 2);
  CHECK(fates.writes[0].version.value == "\"b\"");
  CHECK(fates.writes[0].kind == WriteFate::Kind::kUnavailable);
  CHECK(fates.writes[0].down_holders == std::vector<std::string>{"n1"});
  CHECK(fates.writes[1].version.value == "\"c\"");
  CHECK(fates.writes[1].kind == WriteFate::Kind::kLost);
  CHECK(fates.writes[1].node == "n2");
  CHECK(fates.writes[1].t_us == 3000);

  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 4);  // a, b, old, c
  CHECK_FALSE(k.vertices[0].lost);
  CHECK_FALSE(k.vertices[0].unavailable);
  CHECK(k.vertices[1].unavailable);
  CHECK_FALSE(k.vertices[2].lost);
  CHECK(k.vertices[3].lost);
  CHECK(k.vertices[3].fate_reason == "no node holds it or a newer version, live or down");
  const std::string story = tell_story(h);
  CHECK(story.find("    LOST: c@[0,1], accepted by n2 at t=3ms (c1's write): no node holds it "
                   "or a newer version, live or down\n") != std::string::npos);
  CHECK(story.find("Writes lost: 1 ") != std::string::npos);

  // The same history cut before its `final` lines: the last sibling sets and
  // the crash lines stand for the end, with the same answer.
  const kv::history::History cut = parse({
      put_line(1000, "n1", "a", "[1, 0]"),
      siblings_line(1000, "n1", {{"a", "[1, 0]"}}),
      put_line(2000, "n1", "b", "[2, 0]"),
      siblings_line(2000, "n1", {{"b", "[2, 0]"}}),
      put_line(3000, "n2", "c", "[0, 1]"),
      siblings_line(3000, "n2", {{"c", "[0, 1]"}}),
      R"({"t": 4000, "kind": "fault", "fault": "crash", "node": "n1", "amnesia": false})",
      R"({"t": 4000, "kind": "fault", "fault": "crash", "node": "n2", "amnesia": true})",
      siblings_line(4000, "n2", {}),
  });
  const WriteFates cut_fates = find_write_fates(cut);
  CHECK(cut_fates.lost == 1);
  CHECK(cut_fates.unavailable == 1);
}

TEST_CASE("with every node down and nothing kept, an accepted write is lost (issue 10, 2)") {
  // A write replicated to all three nodes, then all crash with amnesia and
  // none restarts: every final store is empty, so it is lost.
  const kv::history::History h = parse({
      put_line(1000, "n1", "v", "[1, 0, 0]"),
      siblings_line(1000, "n1", {{"v", "[1, 0, 0]"}}),
      R"({"t": 9000, "kind": "final", "node": "n1", "live": false, "store": {}})",
      R"({"t": 9000, "kind": "final", "node": "n2", "live": false, "store": {}})",
      R"({"t": 9000, "kind": "final", "node": "n3", "live": false, "store": {}})",
  });
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 1);
  CHECK(k.vertices[0].lost);
  CHECK(find_write_fates(h).lost == 1);
  CHECK(tell_story(h).find("  k: no node holds anything (no node is live)\n    LOST: v@[1,0,0]") !=
        std::string::npos);
}

TEST_CASE("a version a node holds but no client wrote is drawn and marked") {
  const kv::history::History h = parse({siblings_line(5, "n1", {{"ghost", "[0, 3]"}})});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 1);
  CHECK(k.vertices[0].fate == GraphVertex::Fate::kUnwritten);
  // No final lines: the last sibling sets stand for the end.
  CHECK(k.vertices[0].final_on == std::vector<std::string>{"n1"});
  CHECK(causal_graph_dot(g).find("no client wrote this!") != std::string::npos);
}

TEST_CASE("a stale write later accepted elsewhere is an accepted version") {
  const kv::history::History h =
      parse({put_line(1, "n1", "new", "[2]"), siblings_line(1, "n1", {{"new", "[2]"}}),
             put_line(2, "n1", "old", "[1]", "stale"), put_line(3, "n2", "old", "[1]")});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 2);
  CHECK(k.vertices[1].fate == GraphVertex::Fate::kAccepted);
  CHECK(k.vertices[1].node == "n2");
  REQUIRE(k.edges.size() == 1);
  CHECK(has_edge(k, 1, 0, GraphEdge::Kind::kSupersedes));
}

TEST_CASE("keys past the picture's bound are left out with a note, never silently") {
  std::vector<std::string> lines;
  for (size_t i = 0; i <= kMaxGraphItems; ++i) {
    const std::string value = std::string("v").append(std::to_string(i));
    const std::string clock = std::string("[").append(std::to_string(i + 1)).append("]");
    lines.push_back(put_line(static_cast<int64_t>(i), "n1", value, clock));
  }
  const CausalGraph g = build_causal_graph(parse(lines));
  CHECK(g.keys.empty());
  CHECK(g.omitted_keys == std::vector<std::string>{"k"});
  CHECK(g.omitted_items == kMaxGraphItems + 1);
  CHECK(causal_graph_dot(g).find("Not drawn: 1 key(s) (k)") != std::string::npos);
}

// A chain of n puts by c1 at n1, each clock one above the last: v0@[1] ...
std::vector<std::string> chain(size_t n) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; ++i) {
    lines.push_back(put_line(static_cast<int64_t>(i), "n1", "v" + std::to_string(i),
                             "[" + std::to_string(i + 1) + "]"));
  }
  return lines;
}

TEST_CASE("a chain of 30 puts keeps the first and last 2 of its alike run and folds 25") {
  const CausalGraph g = build_causal_graph(parse(chain(30)));
  const KeyGraph& k = key_graph(g, "k");
  // Rows are lone versions. This fragment has no `siblings` or `final`
  // line, so no node holds v29, the maximal write: it is lost and not like
  // the others. v0..v28, each superseded, are alike: a run of 29 keeps
  // v0, v1, v27, v28 and folds v2..v26 (25).
  CHECK(k.vertices[29].lost);
  REQUIRE(k.folds.size() == 1);
  const Fold& f = k.folds[0];
  REQUIRE(f.members.size() == 25);
  CHECK(f.members.front() == 2);
  CHECK(f.members.back() == 26);
  CHECK(f.rows == 25);
  CHECK(f.row_size == 1);
  CHECK(f.false_siblings == 0);
  CHECK(f.lost_updates == 0);
  CHECK(f.lost == 0);
  for (size_t v = 0; v < 30; ++v) CHECK((k.fold_of[v] == 0) == (v >= 2 && v < 27));
  const std::string dot = causal_graph_dot(g);
  CHECK(dot.find("... 25 more versions like these, folded ...") != std::string::npos);
  CHECK(dot.find("(runs of 10 or more alike versions are folded)") != std::string::npos);
  CHECK(dot.find("versions folded, alike the ones drawn either side") != std::string::npos);
  // The chain's edges run into and out of the fold's box, once each.
  CHECK(dot.find("k0_v1 -> k0_f0;") != std::string::npos);
  CHECK(dot.find("k0_f0 -> k0_v27;") != std::string::npos);
  CHECK(dot.find("k0_v5") == std::string::npos);
  CHECK(dot.find("k0_f0 -> k0_f0") == std::string::npos);
}

TEST_CASE("runs shorter than kFoldMinRun, or broken by a mark, are drawn whole") {
  const CausalGraph short_chain = build_causal_graph(parse(chain(kFoldMinRun - 1)));
  CHECK(key_graph(short_chain, "k").folds.empty());
  CHECK(causal_graph_dot(short_chain).find("folded") == std::string::npos);
  // A stale write in the middle of 18 puts: two runs of 9, neither folded.
  std::vector<std::string> lines = chain(18);
  lines.insert(lines.begin() + 9, put_line(8, "n1", "old", "[1]", "stale"));
  CHECK(key_graph(build_causal_graph(parse(lines)), "k").folds.empty());
}

TEST_CASE("a sibling box of 20 concurrent puts folds its middle 16 inside the box") {
  // 20 puts, each on its own node's slot: pairwise concurrent; n1 holds all.
  std::vector<std::string> lines;
  std::vector<std::pair<std::string, std::string>> held;
  for (size_t i = 0; i < 20; ++i) {
    std::string clock = "[";
    for (size_t j = 0; j < 20; ++j) clock += (j ? ", " : "") + std::string(i == j ? "1" : "0");
    clock += "]";
    const std::string value = "v" + std::to_string(i);
    std::string put = put_line(static_cast<int64_t>(2 * i), "n1", value, clock);
    const std::string one = "\"siblings\": 1,";
    put.replace(put.find(one), one.size(), "\"siblings\": " + std::to_string(i + 1) + ",");
    lines.push_back(put);
    held.emplace_back(value, clock);
    if (held.size() >= 2) lines.push_back(siblings_line(static_cast<int64_t>(2 * i), "n1", held));
  }
  const CausalGraph g = build_causal_graph(parse(lines));
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.same_rank.size() == 1);
  CHECK(k.same_rank[0].size() == 20);
  REQUIRE(k.folds.size() == 1);
  CHECK(k.folds[0].box == 0);
  CHECK(k.folds[0].rows == 0);
  CHECK(k.folds[0].members.size() == 16);
  // Its box says how the siblings piled up: v2 left 3, v17 left 18.
  CHECK(k.folds[0].siblings_min == 3);
  CHECK(k.folds[0].siblings_max == 18);
  const std::string dot = causal_graph_dot(g);
  CHECK(dot.find("... 16 more siblings like these, folded ...") != std::string::npos);
  CHECK(dot.find("each left 3 to 18 siblings where it was written") != std::string::npos);
  // 190 sibling links, all implied by the box: the picture's budget counts none.
  CHECK(k.links.size() == 190);
  CHECK(dot.find("xlabel") == std::string::npos);
}

TEST_CASE("the graph depends only on the history") {
  const kv::history::History h = load("viz_partition_heal.jsonl");
  CHECK(causal_graph_dot(build_causal_graph(h)) == causal_graph_dot(build_causal_graph(h)));
  CHECK(spacetime_dot(h, {}).dot == spacetime_dot(h, {}).dot);
  CHECK(tell_story(h) == tell_story(h));
}

// ---- the space-time diagram ----

TEST_CASE("windows are times with units or history line numbers") {
  kv::Result<Window> w = parse_window("", "");
  REQUIRE(w.ok());
  CHECK(w->kind == Window::Kind::kAll);
  w = parse_window("10ms", "1.5s");
  REQUIRE(w.ok());
  CHECK((w->kind == Window::Kind::kTime && w->from == 10000 && w->to == 1500000));
  w = parse_window("#12", "40");
  REQUIRE(w.ok());
  CHECK((w->kind == Window::Kind::kLines && w->from == 12 && w->to == 40));
  w = parse_window("", "40");
  REQUIRE(w.ok());
  CHECK((w->kind == Window::Kind::kLines && w->from == 1));
  CHECK(parse_window("10ms", "40").error() ==
        "--from and --to must both be times or both be history line numbers");
  CHECK(parse_window("20ms", "10ms").error() == "--from \"20ms\" is after --to \"10ms\"");
  CHECK(parse_window("soon", "").error() ==
        "--from: \"soon\" is neither a time (150ms, 1.5s, 300us) nor a history line number (120 "
        "or #120)");
  CHECK(parse_window("soon", "").status().is_bad_input());
  CHECK_FALSE(parse_window("0", "").ok());
  CHECK_FALSE(parse_window("#5ms", "").ok());
}

TEST_CASE(
    "partition-heal: every message is an arrow or ends in an X, the partition shows who is cut "
    "from whom") {
  const SpacetimeResult r = spacetime_dot(load("viz_partition_heal.jsonl"), {});
  REQUIRE(r.ok);
  CHECK(r.note.empty());
  CHECK_FALSE(r.cut);
  const std::string& dot = r.dot;
  CHECK(dot.find("layout=nop") != std::string::npos);
  // 22 messages: 19 delivered arrows + 3 to an X (the partition drops).
  CHECK(count(dot, "label=\"X\"") == 3);
  CHECK(count(dot, "label=\"partition\"") == 3);
  CHECK(count(dot, "\"#2ca02c\", fontcolor=\"#2ca02c\"") == 6);  // replicate arrows
  CHECK(count(dot, "color=\"#ff7f0e\", fontcolor") == 6);        // ae arrows: messages 9 to 14
  // Line 2 cuts {n1} from {n2, n3}: a strip down each node, n1's in one
  // colour, n2's and n3's in another, each saying whom it is cut from.
  CHECK(count(dot, " [shape=box, style=filled, color=\"#e8a0a6\"") == 1);  // side 1: n1
  CHECK(count(dot, " [shape=box, style=filled, color=\"#9dbbe0\"") == 2);  // side 2: n2, n3
  CHECK(count(dot, "label=\"cut from n2 n3\"") == 1);
  CHECK(count(dot, "label=\"cut from n1\"") == 2);
  CHECK(dot.find("label=\"partition n1 | n2 n3\"") != std::string::npos);
  CHECK(dot.find("label=\"heal\"") != std::string::npos);
  CHECK(dot.find("label=\"put x=v1@[1,0,0]\"") != std::string::npos);
  CHECK(dot.find("label=\"resolve x=v1+v2@[1,1,1]\"") != std::string::npos);
  CHECK(dot.find("label=\"2 siblings\"") != std::string::npos);
  CHECK(dot.find("label=\"rejected\"") != std::string::npos);
  // Lifelines for 2 clients and 3 nodes, clients first.
  CHECK(dot.find("h0 [id=\"st_lane0\", shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", "
                 "fontsize=10, "
                 "label=\"c1\"") != std::string::npos);
  CHECK(dot.find("label=\"n3\", pos=\"570,0\"") != std::string::npos);
}

TEST_CASE("crash-and-loss: a duplicate delivery, a loss, a crashed lifeline and a timeout") {
  const SpacetimeResult r = spacetime_dot(load("viz_crash_loss.jsonl"), {});
  REQUIRE(r.ok);
  const std::string& dot = r.dot;
  CHECK(count(dot, "label=\"dup\"") == 1);
  CHECK(count(dot, "label=\"loss\"") == 1);
  CHECK(count(dot, "label=\"crashed\"") == 2);
  CHECK(count(dot, "style=dashed, penwidth=2, color=\"#d62728\"") >= 1);  // n2 down
  CHECK(dot.find("label=\"crash\"") != std::string::npos);
  CHECK(dot.find("label=\"restart\"") != std::string::npos);
  CHECK(dot.find("label=\"timeout: retry 1 to n1\"") != std::string::npos);
  CHECK(dot.find("label=\"conflict (2)\"") != std::string::npos);
}

TEST_CASE("a window draws what crosses its edges dotted, and says what it shows") {
  const kv::history::History h = load("viz_partition_heal.jsonl");
  SpacetimeOptions o;
  {
    const kv::Result<Window> parsed = parse_window("100ms", "110ms");
    REQUIRE(parsed.ok());
    o.window = *parsed;
  }
  const SpacetimeResult r = spacetime_dot(h, o);
  REQUIRE(r.ok);
  // In the window: sends 9 (100ms), 10 (103ms), 11 (106ms), 12 (110ms); 12
  // is delivered after it (112ms), so its arrow is dotted to the bottom.
  CHECK(r.dot.find("window 100ms to 110ms") != std::string::npos);
  CHECK(r.dot.find("label=\"digest r1\"") != std::string::npos);
  // It carried one version (line 32: x = "v1" at [1, 0, 0]): the label says which.
  CHECK(r.dot.find("label=\"push r1: x=v1@[1,0,0]\"") != std::string::npos);
  // Lanes: c1 c2 n1 n2 n3, so n1 is lane 2; its lifeline and message 12 end
  // at its bottom.
  CHECK(count(r.dot, "-> p2_bottom [") == 2);
  CHECK(r.dot.find("-> p2_bottom [color=\"#ff7f0e\", fontcolor=\"#ff7f0e\", style=dotted, "
                   "id=\"st_msg12\", label=\"digest r1\"]") != std::string::npos);
  CHECK(r.dot.find("put x=v1") == std::string::npos);
  CHECK(r.dot.find("resolve") == std::string::npos);
}

TEST_CASE("too many messages: the window's first messages are drawn, and the note says which") {
  // Message i (1..2010) is sent on line 2i and delivered on line 2i+1, both
  // at t = 10i us; line 1 is the start. A picture holds 2000: messages
  // 1..2000 are lines 1..4001 (t=0..20ms); the next part starts at the send
  // of message 2001, line 4002.
  std::string text =
      "{\"t\": 0, \"kind\": \"start\", \"scenario\": \"s\", \"seed\": 1, \"nodes\": [\"n1\", "
      "\"n2\"], \"description\": \"\"}\n";
  const size_t n = kMaxSpacetimeMessages + 10;
  for (size_t i = 1; i <= n; ++i) {
    const std::string id = std::to_string(i), t = std::to_string(i * 10);
    text += "{\"t\": " + t + ", \"kind\": \"send\", \"id\": " + id +
            ", \"src\": \"n1\", \"dest\": \"n2\", \"body\": {\"type\": \"replicate\", \"key\": "
            "\"k\", \"value\": " +
            id + ", \"clock\": [" + id + "]}}\n";
    text += "{\"t\": " + t + ", \"kind\": \"deliver\", \"id\": " + id +
            ", \"src\": \"n1\", \"dest\": \"n2\"}\n";
  }
  const kv::history::ReadResult read = kv::history::read_history_text(text, "H", kPartial);
  REQUIRE(read.ok());
  // The whole run (what `kvsim run` and a plain `kvsim render` ask for).
  const SpacetimeResult whole = spacetime_dot(*read, {});
  REQUIRE(whole.ok);
  CHECK(whole.cut);
  CHECK(whole.note.rfind("Drew messages 1..2000 of the 2,010 in the run (history lines #1..#4001, "
                         "t=0us..20ms): a picture holds at most 2000.\nThe next ones: kvsim "
                         "render H --from #4002 (or any --from/--to window).",
                         0) == 0);
  CHECK(count(whole.dot, "\"#2ca02c\", fontcolor") == 2000);
  CHECK(whole.dot.find("arrows carry no text") != std::string::npos);
  // A window asked for that is too full is drawn in part too, never refused,
  // and the title names the window asked for.
  SpacetimeOptions asked;
  {
    const kv::Result<Window> parsed = parse_window("10us", "20.1ms");
    REQUIRE(parsed.ok());
    asked.window = *parsed;
  }
  const SpacetimeResult part = spacetime_dot(*read, asked);
  REQUIRE(part.ok);
  CHECK(part.cut);
  CHECK(part.note.rfind("Drew messages 1..2000 of the 2,010 in the window 10us to 20.1ms "
                        "(history lines #2..#4001, t=10us..20ms)",
                        0) == 0);
  CHECK(part.dot.find("window 10us to 20.1ms") != std::string::npos);
  // The window the note suggests is drawn whole.
  {
    const kv::Result<Window> parsed = parse_window("#4002", "");
    REQUIRE(parsed.ok());
    asked.window = *parsed;
  }
  const SpacetimeResult next = spacetime_dot(*read, asked);
  CHECK_FALSE(next.cut);
  CHECK(count(next.dot, "\"#2ca02c\", fontcolor") == 10);
  // window_to_draw says the same as the picture.
  std::string note;
  const Window w = window_to_draw(*read, {}, note);
  CHECK(whole.note.rfind(note, 0) == 0);  // the picture's note adds the labels' note
  CHECK(w.kind == Window::Kind::kLines);
  CHECK(w.from == 1);
  CHECK(w.to == 4001);
}

TEST_CASE("one-way and ring partitions say, node by node, whom each is cut from") {
  // One way n1 -/-> n3: n1 cannot send to n3, n3 no longer hears n1; n2 is
  // not cut. Ring n1 n2 n3 n4 n5 (reach (5/2+1)/2 = 1): each node keeps its
  // two ring neighbours and is cut from the other two, e.g. n1 (ring
  // position 0) from n3 and n4 (positions 2 and 3).
  const std::string start =
      R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1", "n2", "n3", "n4", "n5"], "description": ""})";
  const kv::history::History one_way = parse(
      {start,
       R"({"t": 1, "kind": "fault", "fault": "partition", "shape": "one-way", "from": ["n1"], "to": ["n3"]})"});
  const std::string a = spacetime_dot(one_way, {}).dot;
  CHECK(count(a, "label=\"cannot send to n3\"") == 1);
  CHECK(count(a, "label=\"deaf to n1\"") == 1);
  CHECK(count(a, "_cut [") == 2);
  CHECK(a.find("label=\"partition n1 -/-> n3 (one way) (no heal)\"") != std::string::npos);
  const kv::history::History ring = parse(
      {start,
       R"({"t": 1, "kind": "fault", "fault": "partition", "shape": "majorities-ring", "ring": ["n1", "n2", "n3", "n4", "n5"]})"});
  const std::string b = spacetime_dot(ring, {}).dot;
  CHECK(count(b, "label=\"cut from n3 n4\"") == 1);  // n1
  CHECK(count(b, "label=\"cut from n4 n5\"") == 1);  // n2
  CHECK(count(b, "label=\"cut from n1 n5\"") == 1);  // n3
  CHECK(count(b, "label=\"cut from n1 n2\"") == 1);  // n4
  CHECK(count(b, "label=\"cut from n2 n3\"") == 1);  // n5
}

TEST_CASE("anti-entropy arrows say which keys and versions they carry") {
  const kv::history::History h = parse({
      R"({"t": 10, "kind": "send", "id": 1, "src": "n1", "dest": "n2", "body": {"type": "ae_diff", "round": 4, "buckets": [1], "versions": [{"key": "a", "value": "x", "clock": [1]}, {"key": "a", "value": "y", "clock": [0, 1]}, {"key": "b", "value": 3, "clock": [2]}]}})",
      R"({"t": 20, "kind": "deliver", "id": 1, "src": "n1", "dest": "n2"})",
      R"({"t": 20, "kind": "send", "id": 2, "src": "n2", "dest": "n1", "body": {"type": "ae_push", "round": 4, "versions": [{"key": "k1", "value": 1, "clock": [1]}, {"key": "k2", "value": 1, "clock": [1]}, {"key": "k3", "value": 1, "clock": [1]}, {"key": "k4", "value": 1, "clock": [1]}]}})",
      R"({"t": 30, "kind": "deliver", "id": 2, "src": "n2", "dest": "n1"})",
  });
  const std::string dot = spacetime_dot(h, {}).dot;
  CHECK(dot.find("label=\"diff r4: 3 versions of a, b\"") != std::string::npos);
  CHECK(dot.find("label=\"push r4: 4 versions of 4 keys (k1, k2, k3, ...)\"") != std::string::npos);
}

TEST_CASE("a picture too tall for a readable PNG gets a PNG of its first rows, saying so") {
  // Message i (1..600) from n1 to n2, sent at t = 10i us and delivered at
  // 10i + 5: two rows each, 1200 rows. Two lanes: the drawing is 90 + 2*120
  // + 600 = 930 pt wide, 1240 px at 96 dpi; 12 M pixels leave 9677 px of
  // height, 7258 pt, less 200 for the title and names: 7058 / 30 = 235 rows.
  std::string text =
      "{\"t\": 0, \"kind\": \"start\", \"scenario\": \"s\", \"seed\": 1, \"nodes\": [\"n1\", "
      "\"n2\"], \"description\": \"\"}\n";
  for (size_t i = 1; i <= 600; ++i) {
    const std::string id = std::to_string(i);
    text += "{\"t\": " + std::to_string(i * 10) + ", \"kind\": \"send\", \"id\": " + id +
            ", \"src\": \"n1\", \"dest\": \"n2\", \"body\": {\"type\": \"ae_digest\", \"round\": " +
            id + ", \"digest\": [0]}}\n";
    text += "{\"t\": " + std::to_string(i * 10 + 5) + ", \"kind\": \"deliver\", \"id\": " + id +
            ", \"src\": \"n1\", \"dest\": \"n2\"}\n";
  }
  const kv::history::ReadResult read = kv::history::read_history_text(text, "H", kPartial);
  REQUIRE(read.ok());
  SpacetimeOptions all;
  all.fold_quiet_anti_entropy = false;
  const SpacetimeResult r = spacetime_dot(*read, all);
  REQUIRE(r.ok);
  CHECK_FALSE(r.cut);  // the SVG has every message
  CHECK(count(r.dot, "color=\"#ff7f0e\", fontcolor") == 600);
  // Rows 1..235 are messages 1..117 and the send of 118 (line 236, t=1.18ms);
  // 118 arrows (the last one dotted: delivered past the part), labelled.
  CHECK(r.png_note ==
        "This PNG shows rows 1..235 of the 1200 drawn (history lines #2..#236, t=10us..1.18ms): "
        "all of them would be too small to read. spacetime.svg (and index.html) has every row; "
        "--from/--to draws other parts.");
  CHECK(r.png_dot.find("This PNG shows rows 1..235") != std::string::npos);
  CHECK(count(r.png_dot, "label=\"digest r") == 118);
  // A short picture has no PNG of its own.
  CHECK(spacetime_dot(load("viz_partition_heal.jsonl"), {}).png_dot.empty());
}

TEST_CASE("quiet anti-entropy digests are counted, not drawn; answered ones are drawn") {
  // Round 1 finds nothing (no ae_diff), round 2 is answered, round 3 is lost.
  const kv::history::History h = parse({
      R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1", "n2"], "description": ""})",
      R"({"t": 10, "kind": "send", "id": 1, "src": "n1", "dest": "n2", "body": {"type": "ae_digest", "round": 1, "digest": [0]}})",
      R"({"t": 20, "kind": "deliver", "id": 1, "src": "n1", "dest": "n2"})",
      R"({"t": 30, "kind": "send", "id": 2, "src": "n2", "dest": "n1", "body": {"type": "ae_digest", "round": 2, "digest": [0]}})",
      R"({"t": 40, "kind": "deliver", "id": 2, "src": "n2", "dest": "n1"})",
      R"({"t": 40, "kind": "send", "id": 3, "src": "n1", "dest": "n2", "body": {"type": "ae_diff", "round": 2, "buckets": [0], "versions": []}})",
      R"({"t": 50, "kind": "deliver", "id": 3, "src": "n1", "dest": "n2"})",
      R"({"t": 60, "kind": "send", "id": 4, "src": "n1", "dest": "n2", "body": {"type": "ae_digest", "round": 3, "digest": [0]}})",
      R"({"t": 70, "kind": "drop", "id": 4, "src": "n1", "dest": "n2", "reason": "partition"})",
  });
  const SpacetimeResult r = spacetime_dot(h, {});
  REQUIRE(r.ok);
  CHECK(r.note == "1 anti-entropy digest that found nothing to repair is not drawn, only counted.");
  CHECK(count(r.dot, "label=\"... 1 quiet anti-entropy digest ...\"") == 1);
  CHECK(count(r.dot, "label=\"digest r2\"") == 1);
  CHECK(count(r.dot, "label=\"diff r2: no versions\"") == 1);
  CHECK(count(r.dot, "label=\"digest r3\"") == 1);
  CHECK(count(r.dot, "label=\"digest r1\"") == 0);
  SpacetimeOptions all;
  all.fold_quiet_anti_entropy = false;
  const SpacetimeResult unfolded = spacetime_dot(h, all);
  CHECK(count(unfolded.dot, "label=\"digest r1\"") == 1);
  CHECK(unfolded.note.empty());
}

// ---- the story ----

TEST_CASE("the story tells each key's life in sentences") {
  const std::string a = tell_story(load("viz_partition_heal.jsonl"));
  CHECK(a.rfind("Run \"partition-heal\" (seed 7): two clients write x on opposite sides of a "
                "partition\n",
                0) == 0);
  CHECK(a.find("Messages: 22 sent, 19 deliveries, 3 lost (partition 3), 0 duplicated.\n") !=
        std::string::npos);
  CHECK(a.find("  t=0us partition: n1 | n2 n3\n") != std::string::npos);
  CHECK(a.find("  t=106ms n1 received v2@[0,1,0] from n2 by anti-entropy: concurrent with "
               "v1@[1,0,0] -> 2 siblings\n") != std::string::npos);
  CHECK(a.find("  t=304ms c1 read x from n3: v2@[0,1,0], v1@[1,0,0] (2 siblings)\n") !=
        std::string::npos);
  CHECK(a.find("  t=402ms n3 accepted resolve v1+v2@[1,1,1] from c1: merges v2@[0,1,0], "
               "v1@[1,0,0] -> 1 sibling (reply: resolved)\n") != std::string::npos);
  CHECK(a.find("  t=502ms n2 rejected put late@[1,1,0] from c2: stale, dominated by "
               "v1+v2@[1,1,1], nothing changes (reply: rejected)\n") != std::string::npos);
  CHECK(a.find("  x: n1 n2 n3 hold v1+v2@[1,1,1] (converged)\n") != std::string::npos);

  const std::string b = tell_story(load("viz_crash_loss.jsonl"));
  CHECK(b.find("Messages: 13 sent, 11 deliveries, 3 lost (crashed 2, loss 1), 1 duplicated.\n") !=
        std::string::npos);
  CHECK(b.find("  t=4.2ms n2 received 1@[1,0] from n1: a duplicate, nothing changes\n") !=
        std::string::npos);
  CHECK(b.find("  t=11ms n1 accepted put 2@[2,0] from c1: supersedes 1@[1,0] -> 1 sibling "
               "(reply: written)\n") != std::string::npos);
  CHECK(b.find("  t=11ms n1's replicate of 2@[2,0] to n2 is lost (loss)\n") != std::string::npos);
  CHECK(b.find("  t=21ms n2 accepted put x@[0,1] from c2: concurrent with 1@[1,0] -> 2 siblings "
               "(reply: conflict)\n") != std::string::npos);
  CHECK(b.find("  t=231ms c2's put of {\"n\": 1}@[0,1] (msg_id 2) got no reply in time; retry 1 "
               "goes to n1\n") != std::string::npos);
  CHECK(b.find("  t=32ms c2's put of {\"n\": 1}@[0,1] to n2 is lost (crashed)\n") !=
        std::string::npos);
  CHECK(b.find("  a: n1 holds 2@[2,0], x@[0,1]; n2 holds 1@[1,0], x@[0,1] (not converged)\n") !=
        std::string::npos);
  CHECK(b.find("  b: n1 holds {\"n\": 1}@[0,1]; n2 holds nothing (not converged)\n") !=
        std::string::npos);
}

TEST_CASE("replicas holding the same siblings in another order have converged") {
  const kv::history::History h = parse(
      {R"({"t": 9, "kind": "final", "node": "n1", "live": true, "store": {"k": [{"value": "a", "clock": [1, 0]}, {"value": "b", "clock": [0, 1]}]}})",
       R"({"t": 9, "kind": "final", "node": "n2", "live": true, "store": {"k": [{"value": "b", "clock": [0, 1]}, {"value": "a", "clock": [1, 0]}]}})",
       R"({"t": 9, "kind": "final", "node": "n3", "live": false, "store": {}})"});
  CHECK(tell_story(h).find("  k: n1 n2 hold a@[1,0], b@[0,1] (converged)\n") != std::string::npos);
}

// ---- the report ----

TEST_CASE("the report is self-contained, escapes everything and shows the summary in words") {
  const kv::history::History h = load("viz_crash_loss.jsonl");
  ReportInput in;
  in.history = &h;
  in.history_name = "history.jsonl";
  in.summary_json =
      R"({"checks": {"converged": {"ok": false, "holds": false, "expected": true, "detail": "n1 <> n2 on a & b", "node": "n2", "key": "a", "time": "5ms"}, "no lost write": {"ok": true, "detail": ""}, "odd": 3}, "figures": {"dropped_crashed": 13, "p99 delay us": 4800.5, "history_bytes": 130202}, "seed": 3, "swarm": {"loss": 0.1, "anti_entropy_us": 68980}, "run_end": {"early": true, "sentence": "the run ended with 2 requests in flight: the workload outlasts run_until = 10s"}})";
  in.siblings.title = "Causal graph";
  in.siblings.svg =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"x\" \"http://www.w3.org/x\">\n"
      "<svg width=\"1pt\"><g/></svg>\n";
  in.spacetime.title = "Space-time";
  in.spacetime.dot_file = "spacetime.dot";
  in.story = "t=1ms <story>\n";
  const std::string html = report_html(in);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<h1>crash-and-loss<") != std::string::npos);
  CHECK(html.find("a lost replicate leaves key a diverged") != std::string::npos);
  // A check: what it asks, its verdict in words (a symbol and words, not a
  // colour alone), what it found and where.
  CHECK(html.find("<td>converged: every live replica holds the same siblings for every key</td>"
                  "<td class=\"verdict-bad\">\u2718 FAILS (expected to hold)</td>"
                  "<td>n1 &lt;&gt; n2 on a &amp; b (node n2, key &#39;a&#39;, time 5ms)</td>") !=
        std::string::npos);
  CHECK(html.find("\u2718 1 of 3 checks did not come out as the scenario expects.") !=
        std::string::npos);
  CHECK(html.find("<td>odd</td><td></td><td>3</td>") != std::string::npos);
  // Figures by label, sizes and times for people; no raw field names, no JSON.
  CHECK(html.find("<td>dropped because the receiver was down</td><td class=\"num\">13</td>") !=
        std::string::npos);
  CHECK(html.find("<td>p99 delay us</td><td class=\"num\">4800.5</td>") != std::string::npos);
  CHECK(html.find("<td>history size</td><td class=\"num\">130 kB</td>") != std::string::npos);
  CHECK(html.find("<td>swarm draw</td><td>loss 0.1; anti entropy 68.98ms</td>") !=
        std::string::npos);
  CHECK(html.find("<td>seed</td><td>3</td>") != std::string::npos);
  CHECK(html.find("The run ended with 2 requests in flight: the workload outlasts run_until = "
                  "10s.") != std::string::npos);
  CHECK(html.find("dropped_crashed</td>") == std::string::npos);
  CHECK(html.find("{&quot;") == std::string::npos);
  CHECK(html.find("<svg width=\"1pt\"><g/></svg>") != std::string::npos);
  CHECK(html.find("DOCTYPE svg") == std::string::npos);
  CHECK(html.find("<code>spacetime.dot</code>") != std::string::npos);
  CHECK(html.find("t=1ms &lt;story&gt;") != std::string::npos);
  // The explorer's data and script are inside the page, and nothing is
  // fetched: no external script, style, font or image.
  CHECK(html.find("<script type=\"application/json\" id=\"kvsim-data\">{\"format\":1,") !=
        std::string::npos);
  for (const char* external :
       {"<script src", "<link", "src=", "@import", "url(", "fetch(", "XMLHttpRequest", "import("}) {
    CAPTURE(external);
    CHECK(html.find(external) == std::string::npos);
  }
  // The only address is SVG's namespace name, which is never fetched.
  for (size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1)) {
    CHECK(html.compare(at, 26, "http://www.w3.org/2000/svg") == 0);
  }
  // The data never closes its own element, whatever the run's text holds.
  const size_t data = html.find("id=\"kvsim-data\">");
  CHECK(html.find("</", data) == html.find("</script>", data));
}

TEST_CASE("a check expected to fail says so in words") {
  const kv::history::History h = load("viz_crash_loss.jsonl");
  ReportInput in;
  in.history = &h;
  in.summary_json =
      R"({"checks": {"no_lost_write": {"ok": true, "holds": false, "expected": false, "detail": "1 lost"}}})";
  CHECK(report_html(in).find("<td class=\"verdict-ok\">\u2714 fails, as the scenario expects</td>"
                             "<td>1 lost</td>") != std::string::npos);
}

TEST_CASE("a long story is cut in the report, which says where the rest is") {
  const kv::history::History h = load("viz_crash_loss.jsonl");
  ReportInput in;
  in.history = &h;
  for (size_t i = 0; i < kMaxReportStoryLines + 5; ++i)
    in.story += "line " + std::to_string(i) + "\n";
  const std::string html = report_html(in);
  CHECK(html.find("line 4999\n") != std::string::npos);
  CHECK(html.find("line 5000\n") == std::string::npos);
  CHECK(html.find("The first 5000 lines of the story") != std::string::npos);
}

TEST_CASE("a summary that is not a JSON object is reported, not fatal") {
  const kv::history::History h = load("viz_crash_loss.jsonl");
  ReportInput in;
  in.history = &h;
  in.summary_name = "summary.json";
  for (const std::string& bad : std::vector<std::string>{"[1]", "{oops", std::string(100, '[')}) {
    in.summary_json = bad;
    CHECK(report_html(in).find("summary.json could not be read: ") != std::string::npos);
  }
}

// ---- rendering ----

TEST_CASE("pictures are written as DOT, and drawn when Graphviz is built in") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "kvsim_viz_test_render";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const kv::history::History h = load("viz_partition_heal.jsonl");
  const std::string base = (dir / "siblings").string();
  const RenderResult r = write_picture(causal_graph_dot(build_causal_graph(h)), base, "dot", true);
  REQUIRE_MESSAGE(r.status.ok(), r.status.message());
  CHECK(r.dot_written);
  CHECK(std::filesystem::exists(base + ".dot"));
  CHECK(r.rendered == rendering_available());
  if (rendering_available()) {
    CHECK(inline_svg(slurp(base + ".svg")).rfind("<svg", 0) == 0);
    CHECK(std::filesystem::file_size(base + ".png") > 1000);
    // A DOT Graphviz refuses is an error for that picture, with the .dot kept.
    const RenderResult bad = write_picture("digraph { a -> }", (dir / "bad").string(), "dot", true);
    CHECK_FALSE(bad.status.ok());
    CHECK(bad.dot_written);
    CHECK_FALSE(std::filesystem::exists(dir / "bad.svg"));
  }
  const RenderResult unwritable = write_picture("digraph {}", "/nonexistent/x", "dot", true);
  CHECK_FALSE(unwritable.status.ok());
  CHECK_FALSE(unwritable.dot_written);
  std::filesystem::remove_all(dir);
}

// ---- sequential clients: the `op` line ----

namespace {

// Worked by hand: c1 reads x from n3 (reply [1,0,1] at 110 ms); its put was
// due at 102 ms, waited for the read, and was built from it: [1,0,1], n3's
// slot + 1 = [1,0,2]. c2 puts blind at 111 ms: [0,0,0] + n1's slot = [1,0,0].
const std::vector<std::string> kOpLines = {
    R"({"t": 0, "kind": "start", "scenario": "ops", "seed": 1, "nodes": ["n1", "n2", "n3"], "description": ""})",
    R"({"t": 100000, "kind": "op", "client": "c1", "msg_id": 1, "op": "get", "key": "x", "node": "n3", "due": 100000})",
    R"({"t": 100000, "kind": "send", "id": 1, "src": "c1", "dest": "n3", "body": {"type": "kv_get", "msg_id": 1, "key": "x"}})",
    R"({"t": 105000, "kind": "deliver", "id": 1, "src": "c1", "dest": "n3"})",
    R"({"t": 105000, "kind": "send", "id": 2, "src": "n3", "dest": "c1", "body": {"type": "kv_get_ok", "in_reply_to": 1, "values": [{"value": "a", "clock": [1, 0, 1]}], "msg_id": 0}})",
    R"({"t": 110000, "kind": "deliver", "id": 2, "src": "n3", "dest": "c1"})",
    R"({"t": 110000, "kind": "op", "client": "c1", "msg_id": 2, "op": "put", "key": "x", "node": "n3", "due": 102000, "auto_read": 1, "auto_context": [1, 0, 1]})",
    R"({"t": 110000, "kind": "send", "id": 3, "src": "c1", "dest": "n3", "body": {"type": "kv_put", "msg_id": 2, "key": "x", "value": "b", "clock": [1, 0, 2]}})",
    R"({"t": 111000, "kind": "op", "client": "c2", "msg_id": 1, "op": "put", "key": "x", "node": "n1", "due": 111000, "auto_read": 0, "auto_context": []})",
    R"({"t": 111000, "kind": "send", "id": 4, "src": "c2", "dest": "n1", "body": {"type": "kv_put", "msg_id": 1, "key": "x", "value": "c", "clock": [1, 0, 0]}})",
};

}  // namespace

TEST_CASE("op lines are read: when an operation was due, and what clock: auto was built from") {
  const kv::history::History h = parse(kOpLines);
  CHECK(h.warnings.empty());
  const auto& get = std::get<kv::history::OpEvent>(h.events[1].data);
  CHECK(get.client == "c1");
  CHECK(get.op == "get");
  CHECK(get.due_us == 100000);
  CHECK_FALSE(get.auto_read);
  const auto& put = std::get<kv::history::OpEvent>(h.events[6].data);
  CHECK(put.due_us == 102000);
  CHECK(put.auto_read == 1u);
  REQUIRE(put.auto_context);
  CHECK(clock_text(*put.auto_context) == "[1,0,1]");
  const auto& blind = std::get<kv::history::OpEvent>(h.events[8].data);
  CHECK(blind.auto_read == 0u);
  CHECK(blind.auto_context->slots().empty());
  CHECK(h.clients() == std::vector<std::string>{"c1", "c2"});
}

TEST_CASE("malformed op lines are refused, naming the line") {
  const std::string op = R"({"t": 5, "kind": "op", "client": "c1", "msg_id": 1, "key": "x", )";
  CHECK(error_of({op + R"("op": "get", "node": "n1", "due": 6})"}) ==
        "H:1: an op sent (t 5) before it was due (6)");
  CHECK(error_of({op + R"("op": "delete", "node": "n1", "due": 5})"}) ==
        "H:1: field \"op\" must be put, get or resolve, not \"delete\"");
  CHECK(error_of({op + R"("op": "put", "node": "n1", "due": 5, "auto_read": 0})"}) ==
        "H:1: fields \"auto_read\" and \"auto_context\" go together");
  CHECK(error_of({op + R"("op": "get", "node": "n1", "due": 5, "auto_read": 0, )" +
                  R"("auto_context": []})"}) == "H:1: a get has no clock: no \"auto_read\"");
  CHECK(error_of({op + R"("op": "put", "node": "n1", "due": 5, "auto_read": 1, )" +
                  R"("auto_context": [-1]})"}) ==
        "H:1: field \"auto_context\" must hold non-negative integers that fit in 64 bits");
  CHECK(error_of({op + R"("op": "put", "node": "", "due": 5})"}) ==
        "H:1: field \"node\" is an empty name");
}

TEST_CASE("the story says how each clock: auto was built, and which operations waited") {
  const std::string s = tell_story(parse(kOpLines));
  CHECK(s.find("  t=110ms c1 sends put of b@[1,0,2] to n3 (due at 102ms, it waited for its "
               "previous request); clock: auto from c1's read of x at 110ms: [1,0,1] -> n3's "
               "slot +1 -> [1,0,2]\n") != std::string::npos);
  CHECK(s.find("  t=111ms c2 sends put of c@[1,0,0] to n1; clock: auto from nothing (c2 had not "
               "read x): [0,0,0] -> n1's slot +1 -> [1,0,0]\n") != std::string::npos);
  // The read was sent when due and carries no clock: no sentence.
  CHECK(s.find("c1 sends get") == std::string::npos);
  // The read comes first in the key's story.
  CHECK(s.find("c1 read x from n3") < s.find("c1 sends put"));
}

// ---- the causal graph: what a resolve merged ----

namespace {

std::string version_json(const std::string& value, const std::string& clock) {
  return "{\"value\": \"" + value + "\", \"clock\": " + clock + "}";
}

// An apply line on key k; client writes (put, resolve) name their client.
std::string apply_line(int64_t t, const std::string& node, const std::string& value,
                       const std::string& clock, const std::string& op, uint64_t msg,
                       const std::string& result, int siblings, const std::string& status = "",
                       const std::string& client = "") {
  std::string line = "{\"t\": " + std::to_string(t) + ", \"kind\": \"apply\", \"node\": \"" + node +
                     "\", \"key\": \"k\", \"value\": \"" + value + "\", \"clock\": " + clock +
                     ", \"op\": \"" + op + "\", \"msg\": " + std::to_string(msg) +
                     ", \"result\": \"" + result + "\", \"siblings\": " + std::to_string(siblings);
  if (!status.empty()) line += ", \"status\": \"" + status + "\", \"client\": \"" + client + "\"";
  return line + "}";
}

std::string send_line(int64_t t, uint64_t id, const std::string& src, const std::string& dest,
                      const std::string& body) {
  return "{\"t\": " + std::to_string(t) + ", \"kind\": \"send\", \"id\": " + std::to_string(id) +
         ", \"src\": \"" + src + "\", \"dest\": \"" + dest + "\", \"body\": " + body + "}";
}

std::string deliver_line(int64_t t, uint64_t id, const std::string& src, const std::string& dest) {
  return "{\"t\": " + std::to_string(t) + ", \"kind\": \"deliver\", \"id\": " + std::to_string(id) +
         ", \"src\": \"" + src + "\", \"dest\": \"" + dest + "\"}";
}

// c3 reads k from n3 (ids 1, 2) and gets `values`, then sends a resolve
// (id 3) of R@clock to n3; lines from t on.
std::vector<std::string> read_then_resolve(int64_t t, const std::string& values,
                                           const std::string& clock) {
  return {send_line(t, 1, "c3", "n3", R"({"type": "kv_get", "msg_id": 1, "key": "k"})"),
          deliver_line(t + 1, 1, "c3", "n3"),
          send_line(t + 1, 2, "n3", "c3",
                    R"({"type": "kv_get_ok", "in_reply_to": 1, "values": )" + values +
                        R"(, "msg_id": 0})"),
          deliver_line(t + 2, 2, "n3", "c3"),
          send_line(t + 3, 3, "c3", "n3",
                    R"({"type": "kv_resolve", "msg_id": 2, "key": "k", "value": "R", "clock": )" +
                        clock + "}"),
          deliver_line(t + 4, 3, "c3", "n3")};
}

const char* const kGreenEdge = " [color=\"#2ca02c\", penwidth=2];";

}  // namespace

TEST_CASE("a version the resolving client never read gets no merge edge, even if dominated") {
  // Worked by hand. a@[1,0,0] (c1 at n1) and b@[0,1,0] (c2 at n2) reach n3,
  // which holds {a, b}. c1 then writes z@[2,0,0] at n1 (superseding a there).
  // c3 reads {a, b} at n3 and resolves R@[2,1,1] there. z reaches n3 by
  // anti-entropy afterwards and is stale. Vertices: a 0, b 1, z 2, R 3.
  // Dominance reduced: a->z, z->R, b->R. R merged what c3 read, a and b:
  // b->R and a->R are merged edges (a->R added: z lies between them); z->R
  // stays an ordinary supersedes edge: c3 never saw z.
  std::vector<std::string> lines = {
      apply_line(1, "n1", "a", "[1, 0, 0]", "put", 0, "applied", 1, "written", "c1"),
      siblings_line(1, "n1", {{"a", "[1, 0, 0]"}}),
      apply_line(2, "n3", "a", "[1, 0, 0]", "replicate", 0, "applied", 1),
      siblings_line(2, "n3", {{"a", "[1, 0, 0]"}}),
      apply_line(3, "n2", "b", "[0, 1, 0]", "put", 0, "applied", 1, "written", "c2"),
      siblings_line(3, "n2", {{"b", "[0, 1, 0]"}}),
      apply_line(4, "n3", "b", "[0, 1, 0]", "replicate", 0, "applied", 2),
      siblings_line(4, "n3", {{"a", "[1, 0, 0]"}, {"b", "[0, 1, 0]"}}),
      apply_line(5, "n1", "z", "[2, 0, 0]", "put", 0, "applied", 1, "written", "c1"),
      siblings_line(5, "n1", {{"z", "[2, 0, 0]"}})};
  for (const std::string& l : read_then_resolve(
           10, "[" + version_json("a", "[1, 0, 0]") + ", " + version_json("b", "[0, 1, 0]") + "]",
           "[2, 1, 1]")) {
    lines.push_back(l);
  }
  lines.push_back(
      apply_line(14, "n3", "R", "[2, 1, 1]", "resolve", 3, "applied", 1, "resolved", "c3"));
  lines.push_back(siblings_line(14, "n3", {{"R", "[2, 1, 1]"}}));
  lines.push_back(apply_line(20, "n3", "z", "[2, 0, 0]", "anti_entropy", 0, "stale", 1));
  const CausalGraph g = build_causal_graph(parse(lines));
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 4);
  CHECK(k.vertices[2].version.value == "\"z\"");
  CHECK(k.vertices[3].version.value == "\"R\"");
  CHECK(k.edges.size() == 4);
  CHECK(has_edge(k, 0, 2, GraphEdge::Kind::kSupersedes));
  CHECK(has_edge(k, 2, 3, GraphEdge::Kind::kSupersedes));
  CHECK_FALSE(has_edge(k, 2, 3, GraphEdge::Kind::kMerged));
  CHECK(has_edge(k, 1, 3, GraphEdge::Kind::kMerged));
  CHECK(has_edge(k, 0, 3, GraphEdge::Kind::kMerged));
  CHECK(k.vertices[3].faced == 2);
  CHECK(k.vertices[3].merged == 2);
  const std::string dot = causal_graph_dot(g);
  CHECK(dot.find(std::string("k0_v2 -> k0_v3;")) != std::string::npos);  // black
  CHECK(dot.find(std::string("k0_v2 -> k0_v3") + kGreenEdge) == std::string::npos);
  CHECK(count(dot, kGreenEdge) == 2);
  CHECK(dot.find("siblings c3 read") == std::string::npos);  // it merged all it read
}

TEST_CASE("a resolve that merges some of the siblings it read, answered conflict, says both") {
  // Worked by hand. n3 holds c@[0,0,2] (c3's own put), a@[1,0,0] and
  // b@[0,1,0] (put at n1 and n2, replicated). c3 reads the three and
  // resolves R@[1,1,1], which dominates a and b but not c: n3 keeps {c, R},
  // the reply is conflict with 2 siblings. Vertices: c 0, a 1, b 2, R 3.
  std::vector<std::string> lines = {
      apply_line(1, "n3", "c", "[0, 0, 2]", "put", 0, "applied", 1, "written", "c3"),
      siblings_line(1, "n3", {{"c", "[0, 0, 2]"}}),
      apply_line(2, "n1", "a", "[1, 0, 0]", "put", 0, "applied", 1, "written", "c1"),
      apply_line(2, "n2", "b", "[0, 1, 0]", "put", 0, "applied", 1, "written", "c2"),
      apply_line(3, "n3", "a", "[1, 0, 0]", "replicate", 0, "applied", 2),
      siblings_line(3, "n3", {{"c", "[0, 0, 2]"}, {"a", "[1, 0, 0]"}}),
      apply_line(4, "n3", "b", "[0, 1, 0]", "replicate", 0, "applied", 3),
      siblings_line(4, "n3", {{"c", "[0, 0, 2]"}, {"a", "[1, 0, 0]"}, {"b", "[0, 1, 0]"}})};
  for (const std::string& l : read_then_resolve(10,
                                                "[" + version_json("c", "[0, 0, 2]") + ", " +
                                                    version_json("a", "[1, 0, 0]") + ", " +
                                                    version_json("b", "[0, 1, 0]") + "]",
                                                "[1, 1, 1]")) {
    lines.push_back(l);
  }
  lines.push_back(
      apply_line(14, "n3", "R", "[1, 1, 1]", "resolve", 3, "applied", 2, "conflict", "c3"));
  lines.push_back(siblings_line(14, "n3", {{"c", "[0, 0, 2]"}, {"R", "[1, 1, 1]"}}));
  const CausalGraph g = build_causal_graph(parse(lines));
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 4);
  CHECK(k.edges.size() == 2);
  CHECK(has_edge(k, 1, 3, GraphEdge::Kind::kMerged));
  CHECK(has_edge(k, 2, 3, GraphEdge::Kind::kMerged));
  CHECK(k.vertices[3].faced == 3);
  CHECK(k.vertices[3].merged == 2);
  CHECK(k.vertices[3].faced_from_read);
  CHECK(k.vertices[3].reply_status == "conflict");
  const std::string dot = causal_graph_dot(g);
  CHECK(count(dot, "merged 2 of the 3 siblings c3 read") == 1);
  CHECK(count(dot, "reply: conflict, 2 siblings remain at n3") == 1);
  // Not the green of a resolve that collapsed its siblings.
  CHECK(dot.find("fillcolor=\"#dff0d8\"") == std::string::npos);
}

TEST_CASE("a resolve with no read merges what its node held that it dominates, even one of two") {
  // Worked by hand. n1 holds a@[1,0] (c1's put) and b@[0,1] (c2's, put at n2
  // and replicated). c3 resolves R@[2,0] at n1 without reading: it faced
  // n1's {a, b}, dominates a only, and n1 keeps {b, R}: conflict. Vertices:
  // a 0, b 1, R 2. a->R is a merge of 1 of 2, drawn green.
  const kv::history::History h = parse(
      {apply_line(1, "n1", "a", "[1, 0]", "put", 0, "applied", 1, "written", "c1"),
       siblings_line(1, "n1", {{"a", "[1, 0]"}}),
       apply_line(2, "n2", "b", "[0, 1]", "put", 0, "applied", 1, "written", "c2"),
       apply_line(3, "n1", "b", "[0, 1]", "replicate", 0, "applied", 2),
       siblings_line(3, "n1", {{"a", "[1, 0]"}, {"b", "[0, 1]"}}),
       send_line(
           5, 1, "c3", "n1",
           R"({"type": "kv_resolve", "msg_id": 1, "key": "k", "value": "R", "clock": [2, 0]})"),
       deliver_line(6, 1, "c3", "n1"),
       apply_line(6, "n1", "R", "[2, 0]", "resolve", 1, "applied", 2, "conflict", "c3"),
       siblings_line(6, "n1", {{"b", "[0, 1]"}, {"R", "[2, 0]"}})});
  const CausalGraph g = build_causal_graph(h);
  const KeyGraph& k = key_graph(g, "k");
  REQUIRE(k.vertices.size() == 3);
  REQUIRE(k.edges.size() == 1);
  CHECK(has_edge(k, 0, 2, GraphEdge::Kind::kMerged));
  const std::string dot = causal_graph_dot(g);
  CHECK(count(dot, std::string("k0_v0 -> k0_v2") + kGreenEdge) == 1);
  CHECK(count(dot, "merged 1 of the 2 siblings n1 held") == 1);
  CHECK(count(dot, "reply: conflict, 2 siblings remain at n1") == 1);
}

TEST_CASE("a colocated put on a down node reads as not made, in the story and the diagram") {
  // Issue 10, item 1: the simulator writes a give_up with the node and the
  // reason when a colocated client's node is down.
  const kv::history::History h = parse({
      R"({"t": 0, "kind": "fault", "fault": "crash", "node": "n2", "amnesia": false})",
      R"({"t": 2000, "kind": "give_up", "client": "c1", "msg_id": 0, "node": "n2", "reason": "crashed"})",
  });
  // parse() puts a start line first.
  const auto* g = std::get_if<kv::history::GiveUpEvent>(&h.events[2].data);
  REQUIRE(g != nullptr);
  CHECK(g->node == "n2");
  CHECK(g->reason == "crashed");
  CHECK(tell_story(h).find("t=2ms c1's colocated put on n2 is not made: n2 is down\n") !=
        std::string::npos);
}
