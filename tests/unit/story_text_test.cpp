// The story prints non-ASCII values and keys as text (issue 10, item 11):
// "caf\u00e9" in the history reads "café" in the story, while control
// characters and the like stay escaped. The history below was written by
// hand; the expected sentences are worked out from it, with UTF-8 spelled
// out byte by byte (é = c3 a9, 😀 U+1F600 = f0 9f 98 80).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "history/history.h"
#include "viz/story.h"

using namespace kv::viz;

namespace {

// One client put of `value` (JSON text) under `key` (JSON text) on n1,
// message `id`, at time `t`: the send, the delivery, the apply, the siblings.
std::string put_lines(int id, int t, const std::string& key, const std::string& value) {
  const std::string ids = std::to_string(id), ts = std::to_string(t);
  return "{\"t\": " + ts + ", \"kind\": \"send\", \"id\": " + ids +
         ", \"src\": \"c1\", \"dest\": \"n1\", \"body\": {\"type\": \"kv_put\", \"msg_id\": " +
         ids + ", \"key\": " + key + ", \"value\": " + value + ", \"clock\": [" + ids + "]}}\n" +
         "{\"t\": " + ts + ", \"kind\": \"deliver\", \"id\": " + ids +
         ", \"src\": \"c1\", \"dest\": \"n1\"}\n" + "{\"t\": " + ts +
         ", \"kind\": \"apply\", \"node\": \"n1\", \"key\": " + key + ", \"value\": " + value +
         ", \"clock\": [" + ids + "], \"op\": \"put\", \"msg\": " + ids +
         ", \"result\": \"applied\", \"siblings\": 1, \"status\": \"written\", \"client\": "
         "\"c1\"}\n" +
         "{\"t\": " + ts + ", \"kind\": \"siblings\", \"node\": \"n1\", \"key\": " + key +
         ", \"siblings\": [{\"value\": " + value + ", \"clock\": [" + ids + "]}]}\n";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the story shows non-ASCII text as text and keeps control characters escaped") {
  struct Put {
    std::string key, value;
  };
  const std::vector<Put> puts = {
      {R"("cl\u00e9")", R"("caf\u00e9")"},         // é
      {R"("e")", R"("\ud83d\ude00")"},             // a surrogate pair: U+1F600
      {R"("c")", R"("a\u0001b")"},                 // a control character
      {R"("r")", R"("\u202eab")"},                 // right-to-left override
      {R"("b")", R"("x\\u00e9")"},                 // a backslash, then "u00e9"
      {R"("m")", R"("\u0085\u00a0\u00ff\u4e2d")"}  // C1 NEL, then NBSP, ÿ, 中
  };
  std::string text =
      R"({"t": 0, "kind": "start", "scenario": "u", "seed": 1, "nodes": ["n1"], "description": ""})"
      "\n";
  std::string store;
  for (size_t i = 0; i < puts.size(); ++i) {
    text += put_lines(static_cast<int>(i + 1), static_cast<int>(i + 1), puts[i].key, puts[i].value);
  }
  text += R"({"t": 100, "kind": "final", "node": "n1", "live": true, "store": {}})"
          "\n"
          R"({"t": 100, "kind": "end", "events": 7, "messages": 7})"
          "\n";
  const kv::history::ReadResult read = kv::history::read_history_text(text, "u.jsonl");
  REQUIRE_MESSAGE(read.ok(), read.error());
  const std::string story = tell_story(*read);
  INFO(story);
  CHECK(contains(story, "Key \"cl\xc3\xa9\":"));
  CHECK(contains(story, "put \"caf\xc3\xa9\"@[1] from c1"));
  CHECK(contains(story, "put \"\xf0\x9f\x98\x80\"@[2] from c1"));
  CHECK(contains(story, "put \"a\\u0001b\"@[3] from c1"));
  CHECK(contains(story, "put \"\\u202eab\"@[4] from c1"));
  CHECK(contains(story, "put \"x\\\\u00e9\"@[5] from c1"));
  CHECK(contains(story, "put \"\\u0085\xc2\xa0\xc3\xbf\xe4\xb8\xad\"@[6] from c1"));
  CHECK_FALSE(contains(story, "caf\\u00e9"));
  CHECK_FALSE(contains(story, "cl\\u00e9"));
  CHECK_FALSE(contains(story, "\\ud83d"));
}
