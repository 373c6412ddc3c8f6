// Hardening: kvsim's three untrusted inputs (lines on stdin, scenario files,
// history files) at and past every limit, and each bug the fuzzers in
// tests/fuzz/ found, kept as a regression test (the inputs themselves are in
// tests/fuzz/regressions/, replayed by the fuzz build's tests).
//
// Each limit has a test at the limit (accepted) and just past it (refused
// with a clear error, or handled as documented). Tests stay fast: they run
// under AddressSanitizer too.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "viz/history.h"

namespace {

bool one_clean_line(const std::string& text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
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
  const kv::viz::ReadResult r = kv::viz::read_history_text(text, "h.jsonl");
  REQUIRE_FALSE(r.history);
  CHECK(one_clean_line(r.error));
  CHECK(r.error.find("h.jsonl:2: message 1 was sent from c1 to n1, not from c1 to n\\x0aX\\x1b[31m") ==
        0);
}

TEST_CASE("a history warning quoting an unknown kind with a newline is one clean line") {
  const std::string text = "{\"t\": 0, \"kind\": \"new\\nkind\"}\n";
  const kv::viz::ReadResult r = kv::viz::read_history_text(text, "h.jsonl");
  REQUIRE(r.history);
  REQUIRE(r.history->warnings.size() == 1);
  CHECK(one_clean_line(r.history->warnings[0]));
  CHECK(r.history->warnings[0] == "h.jsonl:1: unknown kind \"new\\x0akind\", line skipped");
}
