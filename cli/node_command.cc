#include "cli/node_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

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
  LineStream lines(server);  // at most kMaxLineBytes of a line held
  std::string out, err;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "kvsim node: reading stdin: %s\n", std::strerror(errno));
      return 1;
    }
    if (n == 0) break;
    lines.feed(std::string_view(buffer, static_cast<size_t>(n)), out, err);
    // Everything at hand is answered: flush before waiting for more input.
    if (!write_all(STDERR_FILENO, err)) err.clear();
    if (!write_all(STDOUT_FILENO, out)) {
      std::fprintf(stderr, "kvsim node: writing stdout: %s\n", std::strerror(errno));
      return 1;
    }
  }
  lines.finish(out, err);  // a last line without its newline
  write_all(STDERR_FILENO, err);
  return write_all(STDOUT_FILENO, out) ? 0 : 1;
}

}  // namespace kv::cli
