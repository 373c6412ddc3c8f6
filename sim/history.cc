#include "sim/history.h"

#include <cerrno>
#include <charconv>

#include "node/json_text.h"

namespace kv::sim {

namespace {
constexpr size_t kBufferBytes = 1 << 20;

bool plain_ascii(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}
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

void History::commit_scratch() {
  if (!scratch_pending_) return;
  put(scratch_);
  scratch_.clear();
  scratch_pending_ = false;
}

void History::put_uint(uint64_t value) {
  if (cap_ - len_ < 20) make_room(20);
  char* out = buf_.get() + len_;
  if (value < 10) {  // most clock slots, counts and flags
    *out = static_cast<char>('0' + value);
    ++len_;
    return;
  }
  len_ = static_cast<size_t>(std::to_chars(out, buf_.get() + cap_, value).ptr - buf_.get());
}

void History::put_name(std::string_view name) {
  commit_scratch();
  char prefix[64];
  if (name.size() + 6 <= sizeof prefix) {
    size_t n = 0;
    prefix[n++] = ',';
    prefix[n++] = ' ';
    prefix[n++] = '"';
    std::memcpy(prefix + n, name.data(), name.size());
    n += name.size();
    prefix[n++] = '"';
    prefix[n++] = ':';
    prefix[n++] = ' ';
    put(prefix, n);
    return;
  }
  put(", \"", 3);
  put(name);
  put("\": ", 3);
}

void History::begin(SimTime t, std::string_view kind) {
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

void History::end() {
  commit_scratch();
  put("}\n", 2);
}

void History::field_string(std::string_view name, std::string_view value) {
  put_name(name);
  if (plain_ascii(value)) {
    put("\"", 1);
    put(value);
    put("\"", 1);
    return;
  }
  json::dump_string(value, scratch_);
  scratch_pending_ = true;
  commit_scratch();
}

void History::field_uint(std::string_view name, uint64_t value) {
  put_name(name);
  put_uint(value);
}

void History::field_bool(std::string_view name, bool value) {
  put_name(name);
  if (value) {
    put("true", 4);
  } else {
    put("false", 5);
  }
}

void History::field_raw(std::string_view name, std::string_view json_text) {
  put_name(name);
  put(json_text);
}

void History::field_clock(std::string_view name, const Clock& clock) {
  put_name(name);
  put("[", 1);
  const auto& slots = clock.slots();
  for (size_t i = 0; i < slots.size(); ++i) {
    if (i > 0) put(", ", 2);
    put_uint(slots[i]);
  }
  put("]", 1);
}

std::string& History::value(std::string_view name) {
  put_name(name);
  scratch_pending_ = true;
  return scratch_;
}

}  // namespace kv::sim
