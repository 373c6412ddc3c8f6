#include "sim/history.h"

#include <cerrno>

#include "node/bytes.h"
#include "node/json_text.h"
#include "node/version_text.h"

namespace kv::sim {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}  // namespace

History::~History() {
  std::string ignored;
  close(ignored);
}

bool History::open(const std::string& path, std::string& error) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  buf_ = std::make_unique<char[]>(kBufferBytes);
  cap_ = kBufferBytes;
  len_ = 0;
  return true;
}

void History::flush() {
  if (len_ == 0 || file_ == nullptr) return;
  if (std::fwrite(buf_.get(), 1, len_, file_) != len_) failed_ = true;
  bytes_written_ += len_;
  len_ = 0;
}

void History::make_room(size_t n) {
  flush();
  if (n <= cap_) return;
  // One value larger than the buffer: grow it to fit.
  cap_ = n;
  buf_ = std::make_unique<char[]>(cap_);
}

bool History::close(std::string& error) {
  if (file_ == nullptr) return true;
  flush();
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) error = std::string("writing the history failed: ") + std::strerror(errno);
  return !failed_;
}

void History::put_escaped(std::string_view s) {
  scratch_.clear();
  json::dump_string(s, scratch_);
  put(scratch_.data(), scratch_.size());
}

void History::field_clock(std::string_view name, const Clock& clock) {
  field(name).put_clock(clock);
}

void History::put_clock(const Clock& clock) {
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

bool History::plain_ascii(std::string_view s) {
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

const uint64_t History::kPowersOf10[20] = {1,
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

const char History::kPairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace kv::sim
