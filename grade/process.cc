#include "grade/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/limits.h"

extern char** environ;

namespace kv::grade {

namespace {

constexpr size_t kStderrTailBytes = 4096;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Reads what `fd` has now into `into`; closes it at end of file.
void drain(int& fd, std::string& into, size_t keep_last) {
  char buffer[1 << 16];
  while (fd >= 0) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
      if (keep_last > 0 && into.size() > 2 * keep_last) into.erase(0, into.size() - keep_last);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close_fd(fd);  // end of file, or an error: nothing more will come
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "ended";
}

}  // namespace

int64_t Process::now_us() {
  using namespace std::chrono;
  return duration_cast<std::chrono::microseconds>(steady_clock::now().time_since_epoch()).count();
}

Result<std::unique_ptr<Process>> Process::start(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status::bad_input("no command to run");
  static const bool sigpipe_ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)sigpipe_ignored;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return Status::io_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    return Status::io_error(std::string("pipe: ") + std::strerror(errno));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return Status::io_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own, to kill all of it
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int failed = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  if (failed != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return Status::io_error("cannot start '" + argv[0] + "': " + std::strerror(failed));
  }
  std::unique_ptr<Process> p(new Process());
  p->pid_ = pid;
  p->in_ = in[1];
  p->out_ = out[0];
  p->err_ = err[0];
  for (const int fd : {p->in_, p->out_, p->err_}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return p;
}

Process::~Process() {
  stop();
}

void Process::pump(int timeout_ms, bool want_write) {
  pollfd fds[3];
  nfds_t n = 0;
  if (out_ >= 0) fds[n++] = {out_, POLLIN, 0};
  if (err_ >= 0) fds[n++] = {err_, POLLIN, 0};
  if (want_write && in_ >= 0) fds[n++] = {in_, POLLOUT, 0};
  if (n == 0) return;
  const int ready = ::poll(fds, n, timeout_ms);
  if (ready <= 0) return;
  drain(err_, err_tail_, kStderrTailBytes);
  // stdout is read only while a line is awaited, or while a write waits (a
  // program may answer before it reads the rest): never without bound.
  if (out_buffer_.size() <= kMaxLineBytes) drain(out_, out_buffer_, 0);
}

bool Process::send(std::string_view line, int64_t deadline_us) {
  std::string data(line);
  data += '\n';
  size_t done = 0;
  while (done < data.size()) {
    if (in_ < 0) return false;
    const ssize_t n = ::write(in_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int64_t left_us = deadline_us - now_us();
      if (left_us <= 0) return false;
      pump(static_cast<int>((left_us + 999) / 1000), /*want_write=*/true);
      continue;
    }
    close_fd(in_);  // EPIPE: it no longer reads
    return false;
  }
  return true;
}

Process::Read Process::read_line(std::string& line, int64_t deadline_us) {
  for (;;) {
    const size_t end = out_buffer_.find('\n');
    if (end != std::string::npos || out_buffer_.size() > kMaxLineBytes) {
      const size_t length = end != std::string::npos ? end : out_buffer_.size();
      line.assign(out_buffer_, 0, length);
      out_buffer_.erase(0, end != std::string::npos ? end + 1 : length);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return Read::kLine;
    }
    if (out_ < 0) {
      if (out_buffer_.empty()) return Read::kClosed;
      line.swap(out_buffer_);
      out_buffer_.clear();
      return Read::kLine;
    }
    const int64_t left_us = deadline_us - now_us();
    if (left_us <= 0) {
      drain(err_, err_tail_, kStderrTailBytes);
      return Read::kTimeout;
    }
    pump(static_cast<int>((left_us + 999) / 1000), /*want_write=*/false);
  }
}

bool Process::has_exited() const {
  siginfo_t info{};
  // WNOWAIT: the child stays a zombie, so its group id cannot be reused
  // before stop() has killed the group.
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_;
}

std::string Process::wait_exit(int64_t wait_us) {
  const int64_t deadline = now_us() + wait_us;
  bool exited = reaped_ || has_exited();
  while (!exited && now_us() < deadline) {
    pump(1, false);
    exited = has_exited();
  }
  stop();
  return exited ? describe_status(wait_status_) : "closed its stdout but kept running";
}

void Process::stop() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);  // the group: what the program started too
    while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  drain(err_, err_tail_, kStderrTailBytes);
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
}

std::string Process::stderr_tail() const {
  std::string tail = err_tail_.size() > kStderrTailBytes
                         ? err_tail_.substr(err_tail_.size() - kStderrTailBytes)
                         : err_tail_;
  // Whole lines, at most the last 12.
  size_t lines = 0, from = tail.size();
  while (from > 0 && lines < 13) {
    from = tail.rfind('\n', from - 1);
    if (from == std::string::npos) {
      from = 0;
      break;
    }
    ++lines;
  }
  if (from > 0) tail.erase(0, from + 1);
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return tail;
}

}  // namespace kv::grade
