#include "sim/history.h"

#include <cerrno>
#include <cstring>

#include "node/json_text.h"
#include "node/version_text.h"

namespace kv::sim {

namespace {
constexpr size_t kFlushBytes = 1 << 20;
}

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
  buffer_.reserve(kFlushBytes + 4096);
  return true;
}

void History::flush() {
  if (buffer_.empty() || file_ == nullptr) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) failed_ = true;
  bytes_written_ += buffer_.size();
  buffer_.clear();
}

bool History::close(std::string& error) {
  if (file_ == nullptr) return true;
  flush();
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) error = std::string("writing the history failed: ") + std::strerror(errno);
  return !failed_;
}

std::string& History::begin(SimTime t, std::string_view kind) {
  buffer_ += "{\"t\": ";
  json::dump_int(t.us, buffer_);
  buffer_ += ", \"kind\": \"";
  buffer_ += kind;  // kinds are plain ASCII words
  buffer_ += '"';
  return buffer_;
}

void History::end() {
  buffer_ += "}\n";
  if (buffer_.size() >= kFlushBytes) flush();
}

std::string& History::field(std::string_view name) {
  buffer_ += ", \"";
  buffer_ += name;  // field names are plain ASCII words
  buffer_ += "\": ";
  return buffer_;
}

void History::field_string(std::string_view name, std::string_view value) {
  json::dump_string(value, field(name));
}

void History::field_uint(std::string_view name, uint64_t value) {
  json::dump_uint(value, field(name));
}

void History::field_bool(std::string_view name, bool value) {
  field(name) += value ? "true" : "false";
}

void History::field_raw(std::string_view name, std::string_view json_text) {
  field(name) += json_text;
}

void History::field_clock(std::string_view name, const Clock& clock) {
  write_clock(clock, field(name));
}

}  // namespace kv::sim
