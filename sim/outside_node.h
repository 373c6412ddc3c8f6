// Nodes that run outside the simulator (`kvsim run --node-cmd`): each node a
// process speaking docs/PROTOCOL.md's lines, every message to and from it
// carried by the simulated network.
//
// sim/ does no I/O: it writes the lines a node is handed and reads the lines
// it answers with, and NodeProcesses (implemented in cli/node_processes.h)
// moves them. One exchange per reaction, in simulated time order:
//
//   the message (or the harness's tick) as one line, then
//   {"src": "kvsim", "dest": "n1", "body": {"type": "sync", "keys": [..]}}
//   ...every line the node sends in reaction...
//   {"src": "n1", "dest": "kvsim", "body": {"type": "sync_ok", "store": {key: [versions]}}}
//
// The node answers `sync` after everything the message made it send, so
// the answer marks the end of its reaction; its `store` is the node's
// sibling sets of the keys the message concerned. Nothing depends on wall
// time: a node that reacts deterministically gives the same history every
// run. A process that exits, goes silent or writes what is not one of the
// protocol's messages ends the run with an error naming it.
//
// What the history records of a node's store (apply and siblings lines) is
// computed as the built-in replica computes it: a mirror replica (the same
// kv::Replica) is handed the same messages and its sends discarded. After
// each reaction the node's reported sets are compared with the mirror's;
// where they differ, the node did not follow the store's rules, and the
// history gets a `siblings` line with what the node reported, which the
// mirror takes on (counted in OutsideReport).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "node/message.h"

namespace kv::sim {

using NodeIndex = uint32_t;

class NodeProcesses {
 public:
  virtual ~NodeProcesses() = default;
  // Starts node `node`'s process (n(node+1)); its disk folder is as the
  // last process left it (or as an amnesia crash emptied it).
  virtual Status start(NodeIndex node) = 0;
  // Kills the node's process (a crash); `wipe_disk`: an amnesia crash, its
  // folder emptied too.
  virtual Status kill(NodeIndex node, bool wipe_disk) = 0;
  // Writes `lines` (each ending in '\n') to the node's stdin, then reads its
  // stdout into `out` (without the '\n's), line by line, until a line for
  // which is_sync_answer() holds, or one that does not start with '{' (it
  // cannot be a message: the simulator reports it), the last in `out`. An error when
  // the process exits, stops answering within its timeout, or cannot be
  // written to; its message names the node and ends with its stderr's tail.
  virtual Status exchange(NodeIndex node, std::string_view lines,
                          std::vector<std::string>& out) = 0;
};

// Whether `line` is a node's answer to the harness's sync: a body of type
// "sync_ok" addressed to "kvsim". A quick look at the text, confirmed by the
// simulator when it reads the line whole.
bool is_sync_answer(std::string_view line);

// What the outside nodes did beside the store's rules.
struct OutsideReport {
  uint64_t divergences = 0;  // reported sibling sets that differed from the rules'
  std::string first;         // the first, in a sentence
};

}  // namespace kv::sim
