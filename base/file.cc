#include "base/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

namespace kv {

FileRead read_file(const std::string& path, size_t max_bytes, std::string_view limit_for) {
  FileRead result;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    result.status = FileStatus::kCannotOpen;
    result.error_number = errno;
    result.error = path + ": cannot open: " + std::strerror(errno);
    return result;
  }
  char buffer[1 << 16];
  bool too_big = false;
  while (true) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, file);
    if (result.text.size() + n > max_bytes) {
      too_big = true;
      break;
    }
    result.text.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int saved = errno;
  std::fclose(file);
  if (too_big) {
    result.status = FileStatus::kTooBig;
    result.error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
    if (!limit_for.empty()) result.error.append(", the limit for ").append(limit_for);
  } else if (failed) {
    result.status = FileStatus::kCannotRead;
    result.error_number = saved;
    result.error = path + ": cannot read: " + std::strerror(saved);
  }
  if (!result.ok()) result.text.clear();
  return result;
}

std::string temporary_path(const std::string& path, long pid) {
  return path + ".tmp-" + std::to_string(pid >= 0 ? pid : static_cast<long>(::getpid()));
}

bool replace_file(const std::string& temporary, const std::string& path, std::string& error) {
  if (std::rename(temporary.c_str(), path.c_str()) == 0) return true;
  error = path + ": cannot write: " + std::strerror(errno);
  std::remove(temporary.c_str());
  return false;
}

bool write_file(const std::string& path, std::string_view text, std::string& error) {
  const std::string temporary = temporary_path(path);
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  const size_t written = std::fwrite(text.data(), 1, text.size(), file);
  const bool failed = written != text.size() || std::fflush(file) != 0;
  const int saved = errno;
  if (std::fclose(file) != 0 || failed) {
    error = path + ": cannot write: " + std::strerror(failed ? saved : errno);
    std::remove(temporary.c_str());
    return false;
  }
  return replace_file(temporary, path, error);
}

}  // namespace kv
