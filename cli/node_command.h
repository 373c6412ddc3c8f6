// `kvsim node`: one node speaking the line protocol on stdin/stdout.
#pragma once

namespace kv::cli {

// Reads requests from stdin until end of input, answers on stdout.
// Replies are flushed whenever the node has no more input at hand, so an
// interactive client never waits for a reply. A line longer than
// kv::kMaxLineBytes (16 MiB) is skipped with one line on stderr, never held
// whole. Returns the exit status.
int run_node();

}  // namespace kv::cli
