#include "base/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

namespace kv {

Result<std::string> read_file(const std::string& path, size_t max_bytes,
                              std::string_view limit_for) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  bool too_big = false;
  while (true) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, file);
    if (text.size() + n > max_bytes) {
      too_big = true;
      break;
    }
    text.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int saved = errno;
  std::fclose(file);
  if (too_big) {
    std::string message = path + ": larger than " + std::to_string(max_bytes) + " bytes";
    if (!limit_for.empty()) message.append(", the limit for ").append(limit_for);
    return Status::bad_input(std::move(message));
  }
  if (failed) return Status::io_error(path + ": cannot read: " + std::strerror(saved));
  return text;
}

std::string temporary_path(const std::string& path, long pid) {
  return path + ".tmp-" + std::to_string(pid >= 0 ? pid : static_cast<long>(::getpid()));
}

Status replace_file(const std::string& temporary, const std::string& path) {
  if (std::rename(temporary.c_str(), path.c_str()) == 0) return Status();
  Status failed = Status::io_error(path + ": cannot write: " + std::strerror(errno));
  std::remove(temporary.c_str());
  return failed;
}

Status write_file(const std::string& path, std::string_view text) {
  const std::string temporary = temporary_path(path);
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return Status::io_error(path + ": cannot write: " + std::strerror(errno));
  const size_t written = std::fwrite(text.data(), 1, text.size(), file);
  const bool failed = written != text.size() || std::fflush(file) != 0;
  const int saved = errno;
  if (std::fclose(file) != 0 || failed) {
    Status error =
        Status::io_error(path + ": cannot write: " + std::strerror(failed ? saved : errno));
    std::remove(temporary.c_str());
    return error;
  }
  return replace_file(temporary, path);
}

}  // namespace kv
