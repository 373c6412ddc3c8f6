#include "cli/node_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "node/protocol.h"

namespace kv::cli {

namespace {

// Writes all of `data` to `fd`; false on an I/O error.
bool write_all(int fd, std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  data.clear();
  return true;
}

}  // namespace

int run_node() {
  LineServer server;
  std::string pending;  // bytes read but not yet a whole line
  std::string out, err;
  uint64_t line_no = 0;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "kvsim node: reading stdin: %s\n", std::strerror(errno));
      return 1;
    }
    if (n == 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      server.handle_line(std::string_view(pending).substr(start, nl - start), ++line_no, out, err);
    }
    pending.erase(0, start);
    // Everything at hand is answered: flush before waiting for more input.
    if (!write_all(STDERR_FILENO, err)) err.clear();
    if (!write_all(STDOUT_FILENO, out)) {
      std::fprintf(stderr, "kvsim node: writing stdout: %s\n", std::strerror(errno));
      return 1;
    }
  }
  if (!pending.empty()) server.handle_line(pending, ++line_no, out, err);  // no final newline
  write_all(STDERR_FILENO, err);
  return write_all(STDOUT_FILENO, out) ? 0 : 1;
}

}  // namespace kv::cli
