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

enum class FileStatus {
  kOk,
  kCannotOpen,  // includes a missing file
  kCannotRead,  // opened, then failed (a directory reads as EISDIR)
  kTooBig,
};

struct FileRead {
  FileStatus status = FileStatus::kOk;
  std::string text;      // the file, when status is kOk
  std::string error;     // the message, otherwise
  int error_number = 0;  // errno for kCannotOpen and kCannotRead
  bool ok() const { return status == FileStatus::kOk; }
};

// A failed read as a Status: a file too big is bad input, one the file
// system would not open or read an I/O error. REQUIRES: !read.ok().
inline Status to_status(const FileRead& read) {
  return read.status == FileStatus::kTooBig ? Status::bad_input(read.error)
                                            : Status::io_error(read.error);
}

// Reads all of `path`. `limit_for` ("a scenario") ends the too-big message.
FileRead read_file(const std::string& path, size_t max_bytes, std::string_view limit_for = "");

// Writes `text` to `path` (binary, whole, replacing it, through a temporary
// file); false with `error` on failure.
bool write_file(const std::string& path, std::string_view text, std::string& error);

// The temporary name write_file uses for `path` in process `pid` (-1: this
// one).
std::string temporary_path(const std::string& path, long pid = -1);
// Renames `temporary` over `path`; on failure removes `temporary` and says
// why in `error`.
bool replace_file(const std::string& temporary, const std::string& path, std::string& error);
// The same, as a Status: an I/O error saying why on failure.
inline Status write_file(const std::string& path, std::string_view text) {
  std::string error;
  return write_file(path, text, error) ? Status() : Status::io_error(error);
}

}  // namespace kv
