// The processes of `kvsim run --node-cmd CMD`: one per simulated node, each
// `/bin/sh -c CMD` in a process group of its own (grade/process.h), moved
// line by line for the simulator (sim/outside_node.h).
//
// Each process is started with KVSIM_NODE_ID (n1, n2, ...) and
// KVSIM_NODE_DIR (DISK/n1, ...: its disk, a folder that outlives the
// process; a crash kills the process and leaves it, an amnesia crash empties
// it) in its environment. Every exchange has a deadline (`timeout_us` from
// its start), so a node that never answers costs at most that; a node that
// exits, closes its output or stops reading is reported with how it ended
// and the tail of its stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grade/process.h"
#include "sim/outside_node.h"

namespace kv::cli {

class NodeProcessSet final : public sim::NodeProcesses {
 public:
  // `disk` is the folder the nodes' own folders go in; it is emptied first.
  NodeProcessSet(std::string command, std::string disk, uint32_t nodes, int64_t timeout_us);
  ~NodeProcessSet() override;

  // An I/O error when the folders cannot be made.
  Status prepare();

  Status start(sim::NodeIndex node) override;
  Status kill(sim::NodeIndex node, bool wipe_disk) override;
  Status exchange(sim::NodeIndex node, std::string_view lines,
                  std::vector<std::string>& out) override;

 private:
  std::string folder(sim::NodeIndex node) const;
  // "it exited with status 1; its stderr ends: ..." for a process that failed.
  std::string how_it_ended(grade::Process& p);

  std::string command_;
  std::string disk_;
  int64_t timeout_us_;
  std::vector<std::unique_ptr<grade::Process>> processes_;
};

}  // namespace kv::cli
