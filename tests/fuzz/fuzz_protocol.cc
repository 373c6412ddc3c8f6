// Fuzz target: `kvsim node`'s line protocol (kv::LineServer::handle_line).
//
// The input is split into lines at '\n' and every line goes through one
// LineServer, so sequences of requests (init, then writes, then reads) are
// covered, not single lines. Besides "no crash, no leak, no UB", it checks
// cheaply what docs/PROTOCOL.md promises for every line:
//   - a line gives exactly one reply line, or exactly one stderr line naming
//     its line number, or (a blank line) nothing;
//   - a reply is JSON, already in json.dumps form (dumping it again gives the
//     same bytes), with the envelope and body keys in the protocol's order,
//     `dest` the request's `src`, `in_reply_to` its msg_id, and `msg_id`
//     counting from 0;
//   - where the fast request reader accepts a line, the full path (nlohmann's
//     tree) reads an equal Request from it;
//   - what the store answers matches a reference model of the store's rules
//     written from the definition (stale / duplicate / dominated siblings removed),
//     and at the end the node's whole store equals the model's.
// A failed check aborts with the line and what was expected.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_text.h"
#include "node/node.h"
#include "node/protocol.h"
#include "node/request.h"
#include "node/request_scan.h"

namespace {

using kv::json::Json;

[[noreturn]] void fail(std::string_view what, std::string_view line, std::string_view got) {
  std::fprintf(stderr, "fuzz_protocol: %.*s\n  line: %.*s\n  got:  %.*s\n",
               static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<size_t>(line.size(), 2000)), line.data(),
               static_cast<int>(std::min<size_t>(got.size(), 2000)), got.data());
  std::abort();
}

#define CHECK_OR_FAIL(cond, what)              \
  do {                                         \
    if (!(cond)) fail(what, line, reply_text); \
  } while (0)

// The store's rules (docs/PROTOCOL.md) from the definition: clocks compare
// with zero padding.
struct ModelVersion {
  std::string value;  // json::dump text
  std::vector<uint64_t> clock;
};

enum class Cmp { kEqual, kLeftDominates, kRightDominates, kConcurrent };

Cmp compare(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  bool a_greater = false, b_greater = false;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const uint64_t x = i < a.size() ? a[i] : 0;
    const uint64_t y = i < b.size() ? b[i] : 0;
    a_greater |= x > y;
    b_greater |= y > x;
  }
  if (a_greater && b_greater) return Cmp::kConcurrent;
  if (a_greater) return Cmp::kLeftDominates;
  if (b_greater) return Cmp::kRightDominates;
  return Cmp::kEqual;
}

struct ModelOutcome {
  enum Kind { kStale, kDuplicate, kApplied, kRefused } kind;
  size_t siblings;  // after the write
};

ModelOutcome model_apply(std::vector<ModelVersion>& siblings, ModelVersion write) {
  size_t dominated = 0;
  for (const ModelVersion& s : siblings) {
    const Cmp order = compare(s.clock, write.clock);
    if (order == Cmp::kLeftDominates) return {ModelOutcome::kStale, siblings.size()};
    if (order == Cmp::kEqual && s.value == write.value) {
      return {ModelOutcome::kDuplicate, siblings.size()};
    }
    if (order == Cmp::kRightDominates) ++dominated;
  }
  if (siblings.size() - dominated + 1 > kv::kMaxSiblings) {
    return {ModelOutcome::kRefused, siblings.size()};
  }
  std::erase_if(siblings, [&](const ModelVersion& s) {
    return compare(write.clock, s.clock) == Cmp::kLeftDominates;
  });
  siblings.push_back(std::move(write));
  return {ModelOutcome::kApplied, siblings.size()};
}

std::vector<std::string> keys_of(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

struct Checker {
  kv::LineServer server;
  kv::RequestScanner scanner;
  std::map<std::string, std::vector<ModelVersion>> model;
  uint64_t next_msg_id = 0;
  std::string self;  // the node's id once an init succeeded

  void check_line(std::string_view line, uint64_t line_no) {
    std::string out, err;
    server.handle_line(line, line_no, out, err);
    const std::string& reply_text = out;

    std::string_view content = line;
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    check_scan(content, line, reply_text);
    const bool blank = content.find_first_not_of(" \t\r") == std::string_view::npos;
    if (blank) {
      CHECK_OR_FAIL(out.empty() && err.empty(), "a blank line must give nothing");
      return;
    }
    CHECK_OR_FAIL(out.empty() != err.empty(), "a line gives exactly one reply or one diagnostic");
    if (!err.empty()) {
      const std::string prefix = "kvsim node: line " + std::to_string(line_no) + ": ";
      CHECK_OR_FAIL(err.compare(0, prefix.size(), prefix) == 0,
                    "a diagnostic starts with the line number");
      CHECK_OR_FAIL(err.back() == '\n' && err.find('\n') == err.size() - 1,
                    "a diagnostic is one line");
      return;
    }
    CHECK_OR_FAIL(out.back() == '\n' && out.find('\n') == out.size() - 1, "a reply is one line");
    const std::string_view reply_line(out.data(), out.size() - 1);
    Json reply;
    try {
      reply = Json::parse(reply_line);
    } catch (const Json::exception&) {
      CHECK_OR_FAIL(false, "a reply must be JSON");
    }
    CHECK_OR_FAIL(kv::json::dump(reply) == reply_line, "a reply must be in json.dumps form");
    CHECK_OR_FAIL(reply.is_object(), "a reply is an object");
    CHECK_OR_FAIL((keys_of(reply) == std::vector<std::string>{"src", "dest", "body"}),
                  "envelope keys are src, dest, body");
    const Json& body = reply["body"];
    CHECK_OR_FAIL(body.is_object() && body.size() >= 3, "body is an object");
    const std::vector<std::string> body_keys = keys_of(body);
    CHECK_OR_FAIL(
        body_keys[0] == "type" && body_keys[1] == "in_reply_to" && body_keys.back() == "msg_id",
        "body keys start type, in_reply_to and end msg_id");
    CHECK_OR_FAIL(
        body["msg_id"].is_number_unsigned() && body["msg_id"].get<uint64_t>() == next_msg_id,
        "msg_id counts from 0, one per reply");
    ++next_msg_id;

    // The request parsed, or there would be no reply.
    const Json request = Json::parse(content);
    CHECK_OR_FAIL(reply["dest"] == request["src"], "dest is the request's src");
    CHECK_OR_FAIL(body["in_reply_to"] == request["body"]["msg_id"],
                  "in_reply_to is the request's msg_id");
    CHECK_OR_FAIL(reply["src"].is_string(), "src is a string");
    const std::string type = body["type"].get<std::string>();
    // A repeated init may rename the node: init_ok comes from the new name.
    if (!self.empty() && type != "init_ok") {
      CHECK_OR_FAIL(reply["src"] == self, "after init the node answers as itself");
    }
    const Json& request_body = request["body"];
    if (type == "error") {
      CHECK_OR_FAIL(body_keys.size() == 5 && body_keys[2] == "code" && body_keys[3] == "text",
                    "error body is type, in_reply_to, code, text, msg_id");
      CHECK_OR_FAIL(body["text"].is_string(), "error text is a string");
      const Json& code = body["code"];
      CHECK_OR_FAIL(code == 10 || code == 11 || code == 12 || code == 14, "Maelstrom error code");
      if (code == 11) CHECK_OR_FAIL(self.empty(), "error 11 only before init");
      // A refused write (too many siblings) must be one the model refuses.
      if (code == 14) check_refused(request_body, line, reply_text);
      return;
    }
    if (type == "init_ok") {
      CHECK_OR_FAIL(body_keys.size() == 3, "init_ok has no fields");
      self = request_body["node_id"].get<std::string>();
      CHECK_OR_FAIL(reply["src"] == self, "init_ok comes from the new node id");
      return;
    }
    CHECK_OR_FAIL(!self.empty(), "only init is served before init");
    const std::string key = request_body["key"].get<std::string>();
    std::vector<ModelVersion>& siblings = model[key];
    if (type == "kv_get_ok") {
      CHECK_OR_FAIL(request_body["type"] == "kv_get", "kv_get_ok answers kv_get");
      CHECK_OR_FAIL(body_keys.size() == 4 && body_keys[2] == "values", "kv_get_ok has values");
      const Json& values = body["values"];
      CHECK_OR_FAIL(values.is_array() && values.size() == siblings.size(),
                    "kv_get_ok lists the model's siblings");
      for (size_t i = 0; i < siblings.size(); ++i) {
        const Json& v = values[i];
        CHECK_OR_FAIL((keys_of(v) == std::vector<std::string>{"value", "clock"}),
                      "a sibling is {value, clock}");
        CHECK_OR_FAIL(kv::json::dump(v["value"]) == siblings[i].value,
                      "sibling value as the model has it");
        CHECK_OR_FAIL(v["clock"].get<std::vector<uint64_t>>() == siblings[i].clock,
                      "sibling clock as written first");
      }
      return;
    }
    const bool resolving = type == "kv_resolve_ok";
    CHECK_OR_FAIL(resolving || type == "kv_put_ok", "a known reply type");
    CHECK_OR_FAIL(request_body["type"] == (resolving ? "kv_resolve" : "kv_put"),
                  "the reply matches the request type");
    ModelVersion write{kv::json::dump(request_body["value"]),
                       request_body["clock"].get<std::vector<uint64_t>>()};
    const ModelOutcome outcome = model_apply(siblings, std::move(write));
    CHECK_OR_FAIL(outcome.kind != ModelOutcome::kRefused,
                  "the model refuses this write (too many siblings)");
    const std::string status = body["status"].get<std::string>();
    if (outcome.kind == ModelOutcome::kStale) {
      CHECK_OR_FAIL(status == "rejected" && body_keys.size() == 4, "a stale write is rejected");
    } else if (outcome.siblings == 1) {
      CHECK_OR_FAIL(status == (resolving ? "resolved" : "written") && body_keys.size() == 4,
                    "one sibling after the write: written / resolved");
    } else {
      CHECK_OR_FAIL(status == "conflict" && body_keys.size() == 5 && body_keys[3] == "siblings" &&
                        body["siblings"] == outcome.siblings,
                    "several siblings after the write: conflict with their count");
    }
  }

  // Where the fast reader accepts a line, the full path reads the same
  // Request from it (as an initialised node would).
  void check_scan(std::string_view content, std::string_view line, const std::string& reply_text) {
    kv::Request fast;
    if (!scanner.scan(content, fast)) return;
    Json message;
    try {
      message = Json::parse(content);
    } catch (const Json::exception&) {
      CHECK_OR_FAIL(false, "the scanner accepted a line that is not JSON");
    }
    kv::Request full;
    std::string problem;
    const Json* body = kv::read_envelope(message, full, problem);
    CHECK_OR_FAIL(body != nullptr && kv::read_body(*body, true, full, problem) == 0,
                  "the scanner accepted a line the full path refuses");
    CHECK_OR_FAIL(full == fast, "the scanner and the full path read different requests");
  }

  void check_refused(const Json& request_body, std::string_view line,
                     const std::string& reply_text) {
    CHECK_OR_FAIL(request_body.contains("key") && request_body.contains("clock"),
                  "error 14 answers a write");
    std::vector<ModelVersion> copy = model[request_body["key"].get<std::string>()];
    const ModelOutcome outcome =
        model_apply(copy, {kv::json::dump(request_body["value"]),
                           request_body["clock"].get<std::vector<uint64_t>>()});
    CHECK_OR_FAIL(outcome.kind == ModelOutcome::kRefused,
                  "error 14 only for a write the model refuses");
  }

  // The node's whole store equals the model (keys never written aside).
  void check_store() {
    const std::string line = "(end of input)";
    std::string reply_text;
    size_t model_keys = 0;
    for (const auto& [key, siblings] : model) {
      if (siblings.empty()) continue;
      ++model_keys;
      const kv::Siblings& held = server.node().get(key);
      reply_text = key;
      CHECK_OR_FAIL(held.size() == siblings.size(), "store and model hold as many siblings");
      for (size_t i = 0; i < held.size(); ++i) {
        CHECK_OR_FAIL(held[i]->value == siblings[i].value &&
                          std::ranges::equal(held[i]->clock.slots(), siblings[i].clock),
                      "store and model hold the same siblings in the same order");
      }
    }
    CHECK_OR_FAIL(server.node().store().key_count() <= model.size(),
                  "the store holds no key the model never saw");
    (void)model_keys;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Checker checker;
  uint64_t line_no = 0;
  while (!input.empty()) {
    const size_t newline = input.find('\n');
    const std::string_view line = input.substr(0, newline);
    input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
    checker.check_line(line, ++line_no);
  }
  checker.check_store();
  return 0;
}
