#include "sim/history.h"

#include <cerrno>

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
  put(scratch_);
}

void History::field_clock(std::string_view name, const Clock& clock) {
  write_clock(clock, field(name));
}

}  // namespace kv::sim
