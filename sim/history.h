// The run's history: one JSON line per event (docs/HISTORY.md), streamed to a
// file as the run goes; only a buffer of it is ever held in memory.
//
// Lines are written as Python's json.dumps writes them, keys in the order
// docs/HISTORY.md gives. A disabled History writes nothing and costs one
// branch per event (the benchmarks run that way).
//
// The writer appends to a plain byte buffer: fields that are numbers, plain
// ASCII names and keys, clocks and JSON values already in text form go
// straight in; composite values are built in a scratch string (value())
// and copied in when the next field or the end of the line comes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "node/clock.h"
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
  uint64_t bytes_written() const { return bytes_written_ + len_; }

  // A line is begin(t, kind), fields in order, end(). `kind` and field
  // names are plain ASCII words.
  void begin(SimTime t, std::string_view kind);
  void end();

  void field_string(std::string_view name, std::string_view value);  // escaped as JSON
  void field_uint(std::string_view name, uint64_t value);
  void field_bool(std::string_view name, bool value);
  void field_raw(std::string_view name, std::string_view json_text);  // already JSON
  void field_clock(std::string_view name, const Clock& clock);
  // `, "name": ` and a scratch string for the caller to append the value to
  // (with the json:: writers); valid until the next call on this History.
  std::string& value(std::string_view name);

 private:
  void commit_scratch();
  void put(const char* data, size_t n) {
    if (n > cap_ - len_) make_room(n);
    char* out = buf_.get() + len_;
    if (n <= 16) {  // names, keys, short values: no call into memcpy
      for (size_t i = 0; i < n; ++i) out[i] = data[i];
    } else {
      std::memcpy(out, data, n);
    }
    len_ += n;
  }
  void put(std::string_view s) { put(s.data(), s.size()); }
  void put_name(std::string_view name);
  void put_uint(uint64_t value);
  void make_room(size_t n);
  void flush();

  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0, cap_ = 0;
  std::string scratch_;
  bool scratch_pending_ = false;
  uint64_t bytes_written_ = 0;
  bool failed_ = false;
};

}  // namespace kv::sim
