#include "cli/node_command.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "base/rng.h"
#include "cli/exit_status.h"
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

// Anti-entropy on wall-clock time: due() says whether a round is due now, and
// wait_ms() how long stdin may be waited on before the next one.
class Timer {
 public:
  explicit Timer(int64_t interval_us) : interval_us_(interval_us) { next_ = now() + interval_us; }
  bool on() const { return interval_us_ > 0; }
  bool due() {
    if (!on() || now() < next_) return false;
    next_ = now() + interval_us_;
    return true;
  }
  int wait_ms() const {
    if (!on()) return -1;
    const int64_t left_us = next_ - now();
    return left_us <= 0 ? 0 : static_cast<int>((left_us + 999) / 1000);
  }

 private:
  static int64_t now() {
    using std::chrono::steady_clock;
    return std::chrono::duration_cast<std::chrono::microseconds>(
               steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t interval_us_;
  int64_t next_ = 0;
};

}  // namespace

int run_node(const NodeOptions& options) {
  LineServer server(options.replicate);
  LineStream lines(server);  // at most kMaxLineBytes of a line held
  Timer timer(options.replicate ? options.anti_entropy_interval_us : 0);
  kv::Rng peers = kv::Rng::derive(options.seed, "node-anti-entropy");
  std::string out, err;
  char buffer[1 << 16];
  for (;;) {
    if (timer.on()) {
      pollfd in{STDIN_FILENO, POLLIN, 0};
      const int ready = ::poll(&in, 1, timer.wait_ms());
      if (ready < 0 && errno != EINTR) {
        std::fprintf(stderr, "kvsim node: waiting for stdin: %s\n", std::strerror(errno));
        return kExitIoError;
      }
      if (timer.due()) {
        server.tick(peers.next(), out);
        if (!write_all(STDOUT_FILENO, out)) {
          std::fprintf(stderr, "kvsim node: writing stdout: %s\n", std::strerror(errno));
          return kExitIoError;
        }
      }
      if (ready <= 0) continue;
    }
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "kvsim node: reading stdin: %s\n", std::strerror(errno));
      return kExitIoError;
    }
    if (n == 0) break;
    lines.feed(std::string_view(buffer, static_cast<size_t>(n)), out, err);
    // Everything at hand is answered: flush before waiting for more input.
    if (!write_all(STDERR_FILENO, err)) err.clear();
    if (!write_all(STDOUT_FILENO, out)) {
      std::fprintf(stderr, "kvsim node: writing stdout: %s\n", std::strerror(errno));
      return kExitIoError;
    }
  }
  lines.finish(out, err);  // a last line without its newline
  write_all(STDERR_FILENO, err);
  return write_all(STDOUT_FILENO, out) ? kExitOk : kExitIoError;
}

}  // namespace kv::cli
