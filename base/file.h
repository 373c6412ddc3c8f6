// Whole-file reads with a bound, and whole-file writes. Every message starts
// with the path: "PATH: cannot open: REASON", "PATH: cannot read: REASON",
// "PATH: larger than N bytes[, the limit for WHAT]", "PATH: cannot write:
// REASON".
//
// A read stops once more than `max_bytes` have come, so an endless stream (a
// FIFO, /dev/zero) is refused rather than read forever.
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

// Writes `text` to `path` (binary, whole, replacing it); false with `error`
// on failure.
bool write_file(const std::string& path, std::string_view text, std::string& error);
// The same, as a Status: an I/O error saying why on failure.
inline Status write_file(const std::string& path, std::string_view text) {
  std::string error;
  return write_file(path, text, error) ? Status() : Status::io_error(error);
}

}  // namespace kv
