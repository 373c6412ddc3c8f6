// What `kvsim node --replicate` keeps on disk so that a restart finds it
// again: the node's identity, the number its next reply takes, and its store.
//
// Under `kvsim run --node-cmd` a crash kills the node's process and a restart
// starts a new one; the simulator names a folder per node (the environment
// variable KVSIM_NODE_DIR, or `kvsim node --disk DIR`) that outlives the
// process and that an amnesia crash empties. The node saves its state there
// as `store.jsonl` each time it answers the harness's `sync`, so the state is
// on disk before the harness sees the answer (and a crash comes only between
// reactions). Lines: {"node_id", "node_ids", "next_msg_id"}, then one
// {"key", "versions": [{"value", "clock"}]} per key in the order the keys
// were first written; versions in the order they were added, so replaying
// them rebuilds the same store.
#pragma once

#include <string>

#include "base/status.h"
#include "node/protocol.h"

namespace kv::cli {

class NodeDisk {
 public:
  explicit NodeDisk(std::string folder) : path_(std::move(folder) + "/store.jsonl") {}

  // Rebuilds `server` from the saved state, if there is one. A file that
  // cannot be read back is an error (bad input: it is not a node's save).
  Status load(LineServer& server);
  // Saves the server's state if it changed since the last save (its store's
  // digest or its reply numbering; a node's identity is set once).
  Status save(const LineServer& server);

 private:
  std::string path_;
  // What was last saved or loaded: a save is skipped (the store not even
  // written out to compare) while these have not changed.
  bool saved_ = false;
  Store::Digest digest_{};
  uint64_t next_msg_id_ = 0;
};

}  // namespace kv::cli
