// The run's history: one JSON line per event (docs/HISTORY.md), streamed to a
// file as the run goes; only a buffer of it is ever held in memory.
//
// The file only ever receives whole lines (a line in progress stays in the
// buffer until it ends), so it can stop at a line boundary. It stops taking
// lines -- stopped() turns true, and everything after is dropped -- when a
// write fails (a full disk; seen at the next flush, within 1 MiB) or when a
// line ends past its size limit (set_limit; seen at that line's end(), which
// costs one comparison); the file then holds every whole line before that
// point. The simulation loop watches stopped() and ends the run there.
//
// Lines are written as Python's json.dumps writes them, keys in the order
// docs/HISTORY.md gives. A disabled HistoryWriter writes nothing and costs one
// branch per event (the benchmarks run that way).
//
// Everything goes straight into a plain byte buffer: a line is begin(),
// fields, end(). A field whose value is composite (a clock, a message body,
// sibling lists) is field(name) followed by its text, appended with `+=`,
// put_uint() and put_string() — or by the node's writers (write_clock,
// write_siblings), which take a HistoryWriter as they take a std::string. The
// small appends are inline, so a field name or a piece of punctuation known
// at the call site is a few stores, not a call.
#pragma once

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "node/clock.h"

namespace kv::history {

// The appends below are small and called from everywhere; without this GCC
// keeps them out of line and a field name costs a call instead of two stores.
#define KV_HISTORY_INLINE [[gnu::always_inline]] inline

class HistoryWriter {
 public:
  HistoryWriter() = default;  // disabled
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Starts writing to `path`; an I/O error if it cannot be opened.
  Status open(const std::string& path);
  // Starts taking lines without a file: they are only fingerprinted (`kvsim
  // sweep`). The limit and stopped() behave as with a file.
  void open_fingerprint_only();
  // With a file too: the bytes are fingerprinted as they are flushed. Call
  // after open(). A writer that does not fingerprint pays nothing for it.
  void enable_fingerprint() { fingerprinting_ = true; }
  bool enabled() const { return open_; }
  // The run's fingerprint: a 64-bit hash of the bytes that reached the
  // history (the file's bytes, whole lines), which anyone can recompute from
  // history.jsonl (docs/RUNNING.md has it in Python). The bytes are read as
  // little-endian 8-byte words, the last one padded with zero bytes; each
  // word w makes h = rotl((h ^ w) * kFingerprintMultiplier, 29) from
  // h = kFingerprintStart; the fingerprint is mix64(h ^ the byte count).
  // Each step is a bijection of h for a given word, so two histories of the
  // same length that differ in one word never share a fingerprint. About
  // five cycles per eight bytes (FNV-1a takes four per byte). Complete
  // after close(); 0 if fingerprinting was off.
  uint64_t fingerprint() const;
  static constexpr uint64_t kFingerprintStart = 0x243f6a8885a308d3ull;
  static constexpr uint64_t kFingerprintMultiplier = 0x9e3779b97f4a7c15ull;
  // Flushes and closes; an I/O error if a write failed (disk full...).
  // Reaching the limit is not a failure here.
  Status close();
  // The history so far: bytes in the file, plus those still buffered while
  // the history is taking lines.
  uint64_t bytes_written() const { return bytes_written_ + (stopped() ? 0 : len_); }

  // The file holds at most `max_bytes` (whole lines); the default is no limit.
  void set_limit(uint64_t max_bytes);
  uint64_t limit() const { return limit_; }
  // Why the history stopped taking lines, if it did.
  enum class Stop { kNone, kLimit, kWriteError };
  Stop stop() const { return stop_; }
  bool stopped() const { return stop_ != Stop::kNone; }
  // For kWriteError: the system's message ("No space left on device").
  const std::string& write_error() const { return write_error_; }

  // A line is begin(t, kind), fields in order, end(). `kind` and field
  // names are plain ASCII words.
  KV_HISTORY_INLINE void begin(SimTime t, std::string_view kind) {
    char* p = reserve(6 + 21 + 11 + kind.size() + 1);
    p = copy(p, "{\"t\": ", 6);
    if (t.us < 0) {
      *p++ = '-';
      p = digits(p, static_cast<uint64_t>(-(t.us + 1)) + 1);
    } else {
      p = digits(p, static_cast<uint64_t>(t.us));
    }
    p = copy(p, ", \"kind\": \"", 11);
    p = copy(p, kind.data(), kind.size());
    *p++ = '"';
    commit(p);
  }
  KV_HISTORY_INLINE void end() {
    put("}\n", 2);
    if (len_ > watch_) [[unlikely]]
      passed_limit();
  }

  // `, "name": `; the value follows, written by the caller.
  KV_HISTORY_INLINE HistoryWriter& field(std::string_view name) {
    char* p = reserve(name.size() + 6);
    p = copy(p, ", \"", 3);
    p = copy(p, name.data(), name.size());
    p = copy(p, "\": ", 3);
    commit(p);
    return *this;
  }
  KV_HISTORY_INLINE void field_string(std::string_view name, std::string_view value) {
    field(name).put_string(value);
  }
  KV_HISTORY_INLINE void field_uint(std::string_view name, uint64_t value) {
    field(name).put_uint(value);
  }
  KV_HISTORY_INLINE void field_bool(std::string_view name, bool value) {
    field(name) += value ? std::string_view("true") : std::string_view("false");
  }
  KV_HISTORY_INLINE void field_raw(std::string_view name, std::string_view json_text) {
    field(name) += json_text;
  }
  void field_clock(std::string_view name, const Clock& clock);

  // Pieces of a value.
  KV_HISTORY_INLINE HistoryWriter& operator+=(std::string_view json_text) {
    put(json_text.data(), json_text.size());
    return *this;
  }
  KV_HISTORY_INLINE HistoryWriter& operator+=(char c) {
    *reserve(1) = c;
    ++len_;
    return *this;
  }
  KV_HISTORY_INLINE void put_uint(uint64_t value) { commit(digits(reserve(20), value)); }
  // A JSON string: plain ASCII goes in as it is, anything else is escaped.
  KV_HISTORY_INLINE void put_string(std::string_view s) {
    if (!plain_ascii(s)) return put_escaped(s);
    char* p = reserve(s.size() + 2);
    *p++ = '"';
    p = copy(p, s.data(), s.size());
    *p++ = '"';
    commit(p);
  }
  // [1, 0, 2]: as write_clock writes it, with one check for room.
  void put_clock(const Clock& clock);
  friend void append_uint(HistoryWriter& h, uint64_t value) { h.put_uint(value); }
  friend void append_string(HistoryWriter& h, std::string_view s) { h.put_string(s); }

  // True if `s` needs no escaping in JSON: no control character, quote,
  // backslash, DEL or non-ASCII byte. Eight bytes at a time.
  static bool plain_ascii(std::string_view s);

 private:
  void put_escaped(std::string_view s);

  // Writing goes through a local pointer: the buffer is chars, and a store
  // through a char* could change any member, so members are read once per
  // piece (reserve) and written once (commit), not once per byte.
  KV_HISTORY_INLINE char* reserve(size_t n) {
    if (n > cap_ - len_) make_room(n);
    return buf_.get() + len_;
  }
  KV_HISTORY_INLINE void commit(char* end) { len_ = static_cast<size_t>(end - buf_.get()); }
  KV_HISTORY_INLINE void put(const char* data, size_t n) { commit(copy(reserve(n), data, n)); }

  // Copies n bytes to out and returns out + n. Short pieces (names, keys,
  // punctuation) are two overlapping words, with no call into memcpy.
  KV_HISTORY_INLINE static char* copy(char* out, const char* data, size_t n) {
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
    return out + n;
  }
  // Writes the decimal digits of value (at most 20) to out; returns the end.
  KV_HISTORY_INLINE static char* digits(char* out, uint64_t value) {
    if (value < 10) {
      *out = static_cast<char>('0' + value);
      return out + 1;
    }
    // The length from the bit length (1233 / 4096 ~ log10 2), then pairs of
    // digits from the right.
    const int estimate = std::bit_width(value) * 1233 >> 12;
    char* end = out + estimate + (value >= kPowersOf10[estimate] ? 1 : 0);
    char* p = end;
    while (value >= 100) {
      const uint64_t pair = value % 100;
      value /= 100;
      p -= 2;
      std::memcpy(p, kPairs + 2 * pair, 2);
    }
    if (value >= 10) {
      std::memcpy(p - 2, kPairs + 2 * value, 2);
    } else {
      p[-1] = static_cast<char>('0' + value);
    }
    return end;
  }
  static const uint64_t kPowersOf10[20];
  static const char kPairs[201];  // "00010203...99"

  // Called when the next n bytes do not fit in the buffer: flushes; grows
  // the buffer for a line longer than it.
  void make_room(size_t n);
  // Writes the buffer's whole lines (`all`: everything) to the file; what is
  // left of a line in progress moves to the front.
  void flush(bool all);
  void write_out(size_t n);
  // The line just ended passes the limit: the lines before it go to the
  // file, and the history stops.
  void passed_limit();
  // Where watch_ stands: the room the limit leaves, from the buffer's start.
  void set_watch();

  // Resets the state for a new history, with a buffer of this size.
  void start(size_t buffer_bytes);
  // Folds bytes into hash_ (whole words) and pending_ (the rest).
  void fingerprint_bytes(const char* data, size_t n);

  std::FILE* file_ = nullptr;  // null when fingerprinting only
  bool open_ = false;
  bool fingerprinting_ = false;
  uint64_t hash_ = kFingerprintStart;
  uint64_t hashed_bytes_ = 0;
  unsigned char pending_[8] = {};  // bytes not yet a whole word
  size_t pending_len_ = 0;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  size_t cap_ = 0;
  // A line that ends with more than this in the buffer passes the limit
  // (SIZE_MAX when no limit is near, or once stopped).
  size_t watch_ = SIZE_MAX;
  std::string scratch_;         // put_escaped's
  uint64_t bytes_written_ = 0;  // in the file
  uint64_t limit_ = UINT64_MAX;
  Stop stop_ = Stop::kNone;
  std::string write_error_;
  bool close_failed_ = false;
};

#undef KV_HISTORY_INLINE

}  // namespace kv::history
