// A fast reader for the common shapes of request lines.
//
// Parsing every line into an nlohmann tree and writing its value back out
// took most of `kvsim node`'s time. RequestScanner reads a line in one pass
// and builds only the Request: the value's JSON text is written as it is
// read. It accepts a strict subset of what the full path (node/request.h)
// serves and declines everything else, so the full path keeps the final say
// on every error and on every value whose text needs rewriting.
//
// A line is accepted only if it is well-formed JSON made of:
//   - an envelope object with a string `src`, an optional string `dest` and
//     an object `body`; the body with a string `type` naming a known request,
//     an integer `msg_id` and the fields that type needs, well-typed
//     (`key`/`node_id` strings, `clock` an array of at most kMaxClockSlots
//     integers in [0, 2^64-1], `node_ids` an array of strings); other members
//     are read (checked) and ignored, as the full path ignores them;
//   - no member of the envelope or body given twice (the full path keeps the
//     last one), no two equal keys in one object of a value;
//   - strings of printable ASCII; inside a value, the escapes \" \\ \b \f \n
//     \r \t too, which json::dump writes back as they are; keys of the
//     envelope and body without escapes;
//   - numbers that are integers in [-2^63, 2^64-1], not "-0";
//   - containers nested at most kMaxNestingDepth deep.
// On that subset the value's text as read, with json.dumps' separators, is
// exactly json::dump's text of the parsed value; so the two paths agree.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/request.h"

namespace kv {

class RequestScanner {
 public:
  // Reads `line` into `request` and returns true if the line is in the
  // subset above; returns false otherwise (`request` is then unspecified).
  bool scan(std::string_view line, Request& request);

 private:
  bool skip(char c);
  void skip_space();
  bool plain_string(std::string_view& text);
  bool value_string(std::string& out);
  bool integer(std::string_view& text, bool& negative);
  bool literal(std::string_view word, std::string& out);
  bool value(std::string& out, size_t depth);
  bool object(std::string& out, size_t depth);
  bool array(std::string& out, size_t depth);
  bool clock(std::vector<uint64_t>& slots);
  bool node_ids(std::vector<std::string>& names);
  bool body(Request& request);

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  // Where each key of the objects being read sits in their output text, for
  // finding a repeated key; one object's keys are contiguous.
  std::vector<std::pair<size_t, size_t>> keys_;
  std::string ignored_;  // the text of members read only to be checked
};

}  // namespace kv
