// What an output folder holds, so that one command's output never lands on
// another's: `kvsim run` (and `shrink`, which writes a run) refuses a folder
// holding a sweep's results, `kvsim sweep` and `sweep-merge` one holding a
// run's, and `sweep-merge` an --out that is one of the folders it merges.
//
// A folder holds a run when its history.jsonl starts as kvsim's histories
// do, or its summary.json is a run's (it has "fingerprint" and "checks"); a
// sweep when it has a sweep.jsonl, or its summary.json is a sweep's (it has
// "seeds" and "runs"). A missing folder holds nothing.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kv::cli {

enum class FolderHolds { kNothing, kRun, kSweep };

FolderHolds folder_holds(const std::string& dir);

// Bad input when `dir` holds the kind of output `command` does not write
// ("kvsim run" writes a run, "kvsim sweep" and "kvsim sweep-merge" a sweep).
Status check_output_folder(const std::string& dir, FolderHolds writes, const std::string& command);

// Bad input when `out` is the same folder as one of `inputs` (the same
// file system entry, whatever the path says).
Status check_not_an_input(const std::string& out, const std::vector<std::string>& inputs);

}  // namespace kv::cli
