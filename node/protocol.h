// The line protocol of `kvsim node` (SPEC §2).
//
// LineServer turns one input line into at most one reply line, driving a Node.
// Replies are written byte for byte as Python's json.dumps writes them. Bad
// input never changes the store:
//   - a line that is not JSON, or has no `src`/`body`/`msg_id` to answer to,
//     gets no reply but one diagnostic naming the line number and the cause;
//   - a request that can be answered but not served gets a Maelstrom error
//     body: 10 not-supported, 11 temporarily-unavailable (before init),
//     12 malformed-request (missing or ill-typed field).
// The node numbers the messages it sends from 0, one more for every reply.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "node/node.h"

namespace kv {

// Limits on one request; past them the request is answered with error 12.
inline constexpr size_t kMaxNestingDepth = 128;
inline constexpr size_t kMaxClockSlots = 4096;

class LineServer {
 public:
  // Handles one line (no trailing newline; a trailing '\r' is ignored, and a
  // blank line is skipped). Appends a reply line, with its '\n', to `out`,
  // or a diagnostic line to `err`. `line_no` counts from 1.
  void handle_line(std::string_view line, uint64_t line_no, std::string& out, std::string& err);

  const Node& node() const { return node_; }

 private:
  Node node_;
  uint64_t next_msg_id_ = 0;
};

}  // namespace kv
