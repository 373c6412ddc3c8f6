#include "history/writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "base/bytes.h"
#include "base/hash.h"
#include "base/json_text.h"
#include "node/version_text.h"

namespace kv::history {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
// Without a file a flush is only hashing: a buffer that stays in the cache.
constexpr size_t kFingerprintBufferBytes = 64 << 10;
}  // namespace

HistoryWriter::~HistoryWriter() {
  (void)close();
}

Status HistoryWriter::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return Status::io_error(path + ": " + std::strerror(errno));
  // The buffer here is the only one: each flush is one write(2), and a
  // failed write is seen at once, with what really reached the file.
  std::setvbuf(file_, nullptr, _IONBF, 0);
  fingerprinting_ = false;
  start(kBufferBytes);
  return Status();
}

void HistoryWriter::open_fingerprint_only() {
  file_ = nullptr;
  fingerprinting_ = true;
  start(kFingerprintBufferBytes);
}

void HistoryWriter::start(size_t buffer_bytes) {
  open_ = true;
  hash_ = kFingerprintStart;
  hashed_bytes_ = 0;
  pending_len_ = 0;
  // A writer used again (a sweep's, seed after seed) keeps its buffer.
  if (cap_ != buffer_bytes) buf_ = std::make_unique<char[]>(buffer_bytes);
  cap_ = buffer_bytes;
  len_ = 0;
  bytes_written_ = 0;
  stop_ = Stop::kNone;
  write_error_.clear();
  close_failed_ = false;
  set_watch();
}

void HistoryWriter::set_limit(uint64_t max_bytes) {
  limit_ = max_bytes;
  set_watch();
}

void HistoryWriter::set_watch() {
  const uint64_t room = limit_ - bytes_written_;
  watch_ = !open_ || stop_ != Stop::kNone || room > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(room);
}

void HistoryWriter::write_out(size_t n) {
  if (n == 0 || stop_ != Stop::kNone) return;
  const size_t put = file_ == nullptr ? n : std::fwrite(buf_.get(), 1, n, file_);
  if (fingerprinting_) fingerprint_bytes(buf_.get(), put);
  bytes_written_ += put;
  if (put != n) {
    stop_ = Stop::kWriteError;
    write_error_ = std::strerror(errno);
  }
}

void HistoryWriter::flush(bool all) {
  if (len_ == 0 || !open_) return;
  size_t n = len_;
  if (!all) {
    const void* last = memrchr(buf_.get(), '\n', len_);
    n = last == nullptr ? 0 : static_cast<size_t>(static_cast<const char*>(last) - buf_.get()) + 1;
  }
  write_out(n);
  if (stop_ != Stop::kNone) {
    len_ = 0;  // nothing more reaches the file
  } else {
    std::memmove(buf_.get(), buf_.get() + n, len_ - n);
    len_ -= n;
  }
  set_watch();
}

void HistoryWriter::passed_limit() {
  // Every line before this one ended within the limit (or this check would
  // have stopped there); this one starts after the last '\n' before it.
  const void* last = len_ < 2 ? nullptr : memrchr(buf_.get(), '\n', len_ - 1);
  write_out(last == nullptr ? 0
                            : static_cast<size_t>(static_cast<const char*>(last) - buf_.get()) + 1);
  if (stop_ == Stop::kNone) stop_ = Stop::kLimit;
  len_ = 0;
  set_watch();
}

void HistoryWriter::make_room(size_t n) {
  flush(false);
  if (n <= cap_ - len_) return;
  // A line longer than the buffer: grow it, keeping the line so far.
  const size_t cap = std::max(cap_ * 2, len_ + n);
  auto bigger = std::make_unique<char[]>(cap);
  if (len_ > 0) std::memcpy(bigger.get(), buf_.get(), len_);
  buf_ = std::move(bigger);
  cap_ = cap;
}

namespace {
inline uint64_t fingerprint_step(uint64_t h, uint64_t word) {
  return std::rotl((h ^ word) * HistoryWriter::kFingerprintMultiplier, 29);
}
}  // namespace

void HistoryWriter::fingerprint_bytes(const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  hashed_bytes_ += n;
  uint64_t h = hash_;
  size_t i = 0;
  if (pending_len_ > 0) {
    while (pending_len_ < 8 && i < n) pending_[pending_len_++] = p[i++];
    if (pending_len_ < 8) return;
    h = fingerprint_step(h, load64(pending_));
    pending_len_ = 0;
  }
  for (; i + 8 <= n; i += 8) h = fingerprint_step(h, load64(p + i));
  while (i < n) pending_[pending_len_++] = p[i++];
  hash_ = h;
}

uint64_t HistoryWriter::fingerprint() const {
  if (!fingerprinting_) return 0;
  uint64_t h = hash_;
  if (pending_len_ > 0) {
    unsigned char last[8] = {};
    std::memcpy(last, pending_, pending_len_);
    h = fingerprint_step(h, load64(last));
  }
  return mix64(h ^ hashed_bytes_);
}

Status HistoryWriter::close() {
  if (!open_) return Status();
  flush(true);
  open_ = false;
  if (file_ != nullptr && std::fclose(file_) != 0 && stop_ != Stop::kWriteError) {
    close_failed_ = true;
    write_error_ = std::strerror(errno);
  }
  file_ = nullptr;
  len_ = 0;
  watch_ = SIZE_MAX;
  if (stop_ == Stop::kWriteError || close_failed_) {
    return Status::io_error("writing the history failed: " + write_error_);
  }
  return Status();
}

void HistoryWriter::put_escaped(std::string_view s) {
  scratch_.clear();
  json::dump_string(s, scratch_);
  put(scratch_.data(), scratch_.size());
}

void HistoryWriter::field_clock(std::string_view name, const Clock& clock) {
  field(name).put_clock(clock);
}

void HistoryWriter::put_clock(const Clock& clock) {
  const auto slots = clock.slots();
  char* p = reserve(2 + 22 * slots.size());
  *p++ = '[';
  for (size_t i = 0; i < slots.size(); ++i) {
    if (i > 0) p = copy(p, ", ", 2);
    p = digits(p, slots[i]);
  }
  *p++ = ']';
  commit(p);
}

namespace {
// SWAR tests over the eight bytes of a word (Bit Twiddling Hacks, "Determine
// if a word has a byte less than n" and its relatives): non-zero if any byte
// is special in JSON.
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

uint64_t has_zero(uint64_t w) {
  return (w - kOnes) & ~w & kHighs;
}

uint64_t special_bytes(uint64_t w) {
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  const uint64_t above_tilde = ((w + kOnes * (127 - 0x7e)) | w) & kHighs;
  return below_space | above_tilde | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
}

}  // namespace

bool HistoryWriter::plain_ascii(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (n >= 8) {
    uint64_t special = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) special |= special_bytes(load64(p + i));
    return (special | special_bytes(load64(p + n - 8))) == 0;
  }
  if (n == 0) return true;
  // Shorter: the string's bytes (overlapping where they must), and for 1..3
  // bytes spaces, which are plain, in the word's top five.
  const uint64_t spaces = n >= 4 ? 0 : kOnes * ' ' << 24;
  return special_bytes(load_tail(p, n) | spaces) == 0;
}

const uint64_t HistoryWriter::kPowersOf10[20] = {1,
                                                 10,
                                                 100,
                                                 1000,
                                                 10000,
                                                 100000,
                                                 1000000,
                                                 10000000,
                                                 100000000,
                                                 1000000000,
                                                 10000000000,
                                                 100000000000,
                                                 1000000000000,
                                                 10000000000000,
                                                 100000000000000,
                                                 1000000000000000,
                                                 10000000000000000,
                                                 100000000000000000,
                                                 1000000000000000000,
                                                 10000000000000000000u};

const char HistoryWriter::kPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace kv::history
