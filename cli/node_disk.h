// What `kvsim node --replicate` keeps on disk so that a restart finds it
// again: the node's identity, the number its next reply takes, and its store.
//
// Under `kvsim run --node-cmd` a crash kills the node's process and a restart
// starts a new one; the simulator names a folder per node (the environment
// variable KVSIM_NODE_DIR, or `kvsim node --disk DIR`) that outlives the
// process and that an amnesia crash empties. The node keeps `store.jsonl`
// there, a log written each time it answers the harness's `sync`, before the
// answer goes out (a crash comes only between reactions):
//
//   {"node_id": "n1", "node_ids": [...], "next_msg_id": N}   the first line
//   {"key": K, "versions": [{"value", "clock"}, ...]}          K's siblings now
//   {"next_msg_id": N}                                         the numbering now
//
// A key's line is appended when a sync names it and its siblings changed
// since they were last written; reading the log back, a key's last line
// wins, and keys keep the order of their first lines, so the store rebuilt
// (its versions replayed in order) is the one saved. When the appended lines
// outgrow the live state, the log is rewritten whole (through a temporary
// file and a rename). Appending costs one write per sync that changed
// something: rewriting the whole store each time cost ten times the
// simulation (BENCHMARKS.md).
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "base/status.h"
#include "node/protocol.h"

namespace kv::cli {

class NodeDisk {
 public:
  explicit NodeDisk(std::string folder) : path_(std::move(folder) + "/store.jsonl") {}
  ~NodeDisk();
  NodeDisk(const NodeDisk&) = delete;
  NodeDisk& operator=(const NodeDisk&) = delete;

  // Rebuilds `server` from the saved state, if there is one. A file that
  // cannot be read back is bad input (it is not a node's save).
  Status load(LineServer& server);
  // Saves what the last sync's keys and the reply numbering are now, where
  // they changed.
  Status save(const LineServer& server);

 private:
  // Writes the whole state as a new log.
  Status rewrite(const LineServer& server);

  std::string path_;
  std::FILE* log_ = nullptr;  // open for appending once the log is written whole
  std::map<std::string, std::string, std::less<>> saved_;  // key -> its versions' text
  size_t live_bytes_ = 0;                                  // of saved_'s lines
  size_t log_bytes_ = 0;                                   // of the log
  uint64_t next_msg_id_ = 0;
};

}  // namespace kv::cli
