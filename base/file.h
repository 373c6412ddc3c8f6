// Whole-file reads with a bound, and whole-file writes. Every message starts
// with the path: "PATH: cannot open: REASON", "PATH: cannot read: REASON",
// "PATH: larger than N bytes[, the limit for WHAT]", "PATH: cannot write:
// REASON".
//
// A read stops once more than `max_bytes` have come, so an endless stream (a
// FIFO, /dev/zero) is refused rather than read forever.
//
// A write is whole or nothing: the text goes to a temporary file beside the
// target (PATH.tmp-PID), which is renamed over PATH only once it is all
// written and closed; so a reader of PATH sees the old file or the whole new
// one, never a part, and a write that fails (a full disk) leaves PATH as it
// was and no temporary file behind. (Not a guarantee across a power cut:
// nothing is fsync'ed.) Writers that make their file themselves (Graphviz)
// write to temporary_path(PATH) and call replace_file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kv {

// Reads all of `path`: the text, or why not: an I/O error when the file
// system will not open or read it (a missing file, a folder), bad input when
// it is larger than `max_bytes` (`limit_for`, "a scenario", ends that
// message).
Result<std::string> read_file(const std::string& path, size_t max_bytes,
                              std::string_view limit_for = "");

// Writes `text` to `path` (binary, whole, replacing it, through a temporary
// file); an I/O error saying why on failure.
Status write_file(const std::string& path, std::string_view text);

// The temporary name write_file uses for `path` in process `pid` (-1: this
// one).
std::string temporary_path(const std::string& path, long pid = -1);
// Renames `temporary` over `path`; on failure removes `temporary` and
// returns an I/O error saying why.
Status replace_file(const std::string& temporary, const std::string& path);

}  // namespace kv
