// Status and Result<T>: the one way kvsim's loaders, readers and command-line
// helpers say how an operation ended, as a value (LevelDB's Status).
//
// A Status is ok, or one of two kinds of failure, each with a one-line
// message for a person ("FILE:LINE: what is wrong", "PATH: cannot open: No
// such file or directory"):
//
//   - bad input: what the user handed in is wrong (a scenario that does not
//     load, a history that is refused, a bad option value). Trying again
//     with the same input fails the same way.
//   - I/O error: what the machine did: a file that cannot be opened, read or
//     written (missing, a folder, no permission, a full disk), or a tool
//     kvsim calls failing (Graphviz). The input may be fine.
//
// The command line maps each kind to one exit status, the same in every
// subcommand (cli/exit_status.h). Nothing below cli/ knows exit statuses.
//
// Result<T> holds a T or a failed Status: a function that makes something
// returns Result<T>, one that only does something returns Status.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/assert.h"

namespace kv {

class Status {
 public:
  enum class Code { kOk, kBadInput, kIoError };

  // Ok.
  Status() = default;

  static Status bad_input(std::string message) {
    return Status(Code::kBadInput, std::move(message));
  }
  static Status io_error(std::string message) { return Status(Code::kIoError, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  bool is_bad_input() const { return code_ == Code::kBadInput; }
  bool is_io_error() const { return code_ == Code::kIoError; }
  Code code() const { return code_; }
  // "" when ok.
  const std::string& message() const { return message_; }

  // "ok", "bad input: MESSAGE" or "I/O error: MESSAGE" (for tests and logs;
  // users see message() alone).
  std::string to_string() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class Result {
 public:
  // A value: ok.
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok() (a Result that is ok holds a value).
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    KV_ASSERT(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // The status's message: "" when ok.
  const std::string& error() const { return status_.message(); }

  // REQUIRES: ok().
  const T& value() const& {
    KV_ASSERT(ok());
    return *value_;
  }
  T& value() & {
    KV_ASSERT(ok());
    return *value_;
  }
  T&& value() && {
    KV_ASSERT(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace kv
