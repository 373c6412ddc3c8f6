#include "cli/node_command.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "base/rng.h"
#include "cli/exit_status.h"
#include "cli/node_disk.h"
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

int64_t now_us() {
  using std::chrono::steady_clock;
  return std::chrono::duration_cast<std::chrono::microseconds>(
             steady_clock::now().time_since_epoch())
      .count();
}

// Milliseconds poll() may wait until `deadline_us` (rounded up; 0 if due).
int wait_ms_until(int64_t deadline_us) {
  const int64_t left_us = deadline_us - now_us();
  return left_us <= 0 ? 0 : static_cast<int>((left_us + 999) / 1000);
}

// Anti-entropy on wall-clock time: due() says whether a round is due now, and
// wait_ms() how long stdin may be waited on before the next one.
class Timer {
 public:
  explicit Timer(int64_t interval_us) : interval_us_(interval_us) {
    next_ = now_us() + interval_us;
  }
  bool on() const { return interval_us_ > 0; }
  bool due() {
    if (!on() || now_us() < next_) return false;
    next_ = now_us() + interval_us_;
    return true;
  }
  int wait_ms() const { return on() ? wait_ms_until(next_) : -1; }

 private:
  int64_t interval_us_;
  int64_t next_ = 0;
};

// The replica's own timers (Outbox::set_timer) on wall-clock time: each set
// one is due `after` from when the server reported it, and fires once
// unless cancelled first.
class ReplicaTimers {
 public:
  void absorb(const std::vector<TimerChange>& changes) {
    for (const TimerChange& c : changes) {
      if (c.after_us < 0) {
        std::erase_if(due_, [&](const auto& d) { return d.second == c.timer; });
      } else {
        due_.emplace(now_us() + c.after_us, c.timer);
      }
    }
  }
  bool empty() const { return due_.empty(); }
  // -1 (no timer), or how long until the first is due.
  int wait_ms() const { return due_.empty() ? -1 : wait_ms_until(due_.begin()->first); }
  // Takes the first timer due now, if any.
  std::optional<uint64_t> take_due() {
    if (due_.empty() || due_.begin()->first > now_us()) return std::nullopt;
    const uint64_t timer = due_.begin()->second;
    due_.erase(due_.begin());
    return timer;
  }

 private:
  std::multimap<int64_t, uint64_t> due_;  // deadline (us) -> timer
};

// The shorter of two poll() waits (-1: no limit).
int shorter_wait(int a, int b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

}  // namespace

int run_node(const NodeOptions& options) {
  LineServer server(options.replicate);
  LineStream lines(server);  // at most kMaxLineBytes of a line held
  Timer timer(options.replicate ? options.anti_entropy_interval_us : 0);
  kv::Rng peers = kv::Rng::derive(options.seed, "node-anti-entropy");
  std::string out, err;
  char buffer[1 << 16];
  ReplicaTimers replica_timers;
  std::optional<NodeDisk> disk;
  if (options.replicate && !options.disk.empty()) {
    disk.emplace(options.disk);
    const Status loaded = disk->load(server);
    if (!loaded.ok()) {
      std::fprintf(stderr, "kvsim node: reading its saved state: %s\n", loaded.message().c_str());
      return exit_status(loaded);
    }
  }
  auto flush = [&]() -> bool {
    if (write_all(STDOUT_FILENO, out)) return true;
    std::fprintf(stderr, "kvsim node: writing stdout: %s\n", std::strerror(errno));
    return false;
  };
  for (;;) {
    replica_timers.absorb(server.take_timer_changes());
    if (timer.on() || !replica_timers.empty()) {
      pollfd in{STDIN_FILENO, POLLIN, 0};
      const int ready = ::poll(&in, 1, shorter_wait(timer.wait_ms(), replica_timers.wait_ms()));
      if (ready < 0 && errno != EINTR) {
        std::fprintf(stderr, "kvsim node: waiting for stdin: %s\n", std::strerror(errno));
        return kExitIoError;
      }
      if (timer.due()) server.tick(peers.next(), out);
      while (const std::optional<uint64_t> due = replica_timers.take_due()) {
        server.fire_timer(*due, out);
        replica_timers.absorb(server.take_timer_changes());
      }
      if (!out.empty() && !flush()) return kExitIoError;
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
    if (server.take_synced() && disk) {
      // On disk before the harness reads the answer to its sync.
      const Status saved = disk->save(server);
      if (!saved.ok()) {
        std::fprintf(stderr, "kvsim node: saving its state: %s\n", saved.message().c_str());
        return exit_status(saved);
      }
    }
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
