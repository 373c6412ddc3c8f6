// `kvsim node`: one node speaking the line protocol on stdin/stdout.
#pragma once

#include <cstdint>
#include <string>

namespace kv::cli {

struct NodeOptions {
  // Take part in a cluster: write replication and anti-entropy messages for
  // the peers named in init's node_ids, and read theirs (docs/PROTOCOL.md).
  bool replicate = false;
  // With replicate: open an anti-entropy round with a random peer this often
  // (wall-clock time); 0: never.
  int64_t anti_entropy_interval_us = 0;
  uint64_t seed = 1;  // picks the anti-entropy peers
  // With replicate: the folder the node keeps its state in (cli/node_disk.h),
  // saved at every harness sync and read back at start; empty: none.
  std::string disk;
};

// Reads requests from stdin until end of input, answers on stdout.
// Replies are flushed whenever the node has no more input at hand, so an
// interactive client never waits for a reply. A line longer than
// kv::kMaxLineBytes (16 MiB) is skipped with one line on stderr, never held
// whole. Returns the exit status: 0, or 4 when stdin or stdout fails
// (cli/exit_status.h); a bad line is answered, not an exit.
int run_node(const NodeOptions& options);

}  // namespace kv::cli
