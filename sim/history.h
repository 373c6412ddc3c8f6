// The run's history: one JSON line per event (docs/HISTORY.md), streamed to a
// file as the run goes; only a buffer of it is ever held in memory.
//
// Lines are written as Python's json.dumps writes them, keys in the order
// docs/HISTORY.md gives. A disabled History writes nothing and costs one
// branch per event (the benchmarks run that way).
//
// Everything goes straight into a plain byte buffer: a line is begin(),
// fields, end(). A field whose value is composite (a clock, a message body,
// sibling lists) is field(name) followed by its text, appended with `+=`,
// put_uint() and put_string() — or by the node's writers (write_clock,
// write_siblings), which take a History as they take a std::string. The
// small appends are inline, so a field name or a piece of punctuation known
// at the call site is a few stores, not a call.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "node/clock.h"
#include "sim/time.h"

namespace kv::sim {

// The appends below are small and called from everywhere; without this GCC
// keeps them out of line and a field name costs a call instead of two stores.
#define KV_HISTORY_INLINE [[gnu::always_inline]] inline

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
  KV_HISTORY_INLINE void begin(SimTime t, std::string_view kind) {
    put("{\"t\": ", 6);
    if (t.us < 0) {
      put("-", 1);
      put_uint(static_cast<uint64_t>(-(t.us + 1)) + 1);
    } else {
      put_uint(static_cast<uint64_t>(t.us));
    }
    put(", \"kind\": \"", 11);
    put(kind);
    put("\"", 1);
  }
  KV_HISTORY_INLINE void end() { put("}\n", 2); }

  // `, "name": `; the value follows, written by the caller.
  KV_HISTORY_INLINE History& field(std::string_view name) {
    put(", \"", 3);
    put(name);
    put("\": ", 3);
    return *this;
  }
  KV_HISTORY_INLINE void field_string(std::string_view name, std::string_view value) {
    field(name).put_string(value);
  }
  KV_HISTORY_INLINE void field_uint(std::string_view name, uint64_t value) { field(name).put_uint(value); }
  KV_HISTORY_INLINE void field_bool(std::string_view name, bool value) {
    field(name) += value ? std::string_view("true") : std::string_view("false");
  }
  KV_HISTORY_INLINE void field_raw(std::string_view name, std::string_view json_text) {
    field(name) += json_text;
  }
  void field_clock(std::string_view name, const Clock& clock);

  // Pieces of a value.
  KV_HISTORY_INLINE History& operator+=(std::string_view json_text) {
    put(json_text);
    return *this;
  }
  KV_HISTORY_INLINE History& operator+=(char c) {
    put(&c, 1);
    return *this;
  }
  KV_HISTORY_INLINE void put_uint(uint64_t value) {
    if (cap_ - len_ < 20) make_room(20);
    char* out = buf_.get() + len_;
    if (value < 10) {  // most clock slots, counts and flags
      *out = static_cast<char>('0' + value);
      ++len_;
      return;
    }
    len_ = static_cast<size_t>(std::to_chars(out, buf_.get() + cap_, value).ptr - buf_.get());
  }
  // A JSON string: plain ASCII goes in as it is, anything else is escaped.
  KV_HISTORY_INLINE void put_string(std::string_view s) {
    if (!plain_ascii(s)) return put_escaped(s);
    put("\"", 1);
    put(s);
    put("\"", 1);
  }
  friend void append_uint(History& h, uint64_t value) { h.put_uint(value); }

 private:
  static bool plain_ascii(std::string_view s) {
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }
  void put_escaped(std::string_view s);

  KV_HISTORY_INLINE void put(const char* data, size_t n) {
    if (n > cap_ - len_) make_room(n);
    char* out = buf_.get() + len_;
    // Short pieces (names, keys, punctuation) are copied as two overlapping
    // words, with no call into memcpy.
    if (n >= 8 && n <= 16) {
      std::memcpy(out, data, 8);
      std::memcpy(out + n - 8, data + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(out, data, 4);
      std::memcpy(out + n - 4, data + n - 4, 4);
    } else if (n > 0 && n < 4) {
      out[0] = data[0];
      out[n / 2] = data[n / 2];
      out[n - 1] = data[n - 1];
    } else if (n > 16) {
      std::memcpy(out, data, n);
    }
    len_ += n;
  }
  KV_HISTORY_INLINE void put(std::string_view s) { put(s.data(), s.size()); }
  void make_room(size_t n);
  void flush();

  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0, cap_ = 0;
  std::string scratch_;  // put_escaped's
  uint64_t bytes_written_ = 0;
  bool failed_ = false;
};

#undef KV_HISTORY_INLINE

}  // namespace kv::sim
