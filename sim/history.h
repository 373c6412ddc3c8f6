// The run's history: one JSON line per event (docs/HISTORY.md), streamed to a
// file as the run goes; only a buffer of it is ever held in memory.
//
// Lines are written as Python's json.dumps writes them, keys in the order
// docs/HISTORY.md gives. A disabled History writes nothing and costs one
// branch per event (the benchmarks run that way).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "node/store.h"
#include "sim/time.h"

namespace kv::sim {

class History {
 public:
  History() = default;  // disabled
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Starts writing to `path`; false (with `error` set) if it cannot be opened.
  bool open(const std::string& path, std::string& error);
  bool enabled() const { return file_ != nullptr; }
  // Flushes and closes; false if a write failed (disk full...).
  bool close(std::string& error);
  uint64_t bytes_written() const { return bytes_written_ + buffer_.size(); }

  // Each line starts with begin(t, kind) and ends with end(). Between them
  // the caller adds fields in order with the helpers below.
  std::string& begin(SimTime t, std::string_view kind);
  void end();

  // `, "name": ` then the value.
  void field_string(std::string_view name, std::string_view value);
  void field_uint(std::string_view name, uint64_t value);
  void field_bool(std::string_view name, bool value);
  void field_raw(std::string_view name, std::string_view json_text);
  void field_clock(std::string_view name, const Clock& clock);
  // `, "name": ` and nothing else: the caller appends the value to buffer().
  std::string& field(std::string_view name);
  std::string& buffer() { return buffer_; }

 private:
  void flush();

  std::FILE* file_ = nullptr;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  bool failed_ = false;
};

}  // namespace kv::sim
