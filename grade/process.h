// The program under test, run as a child process: its stdin, stdout and
// stderr on pipes, in a process group of its own.
//
// Every wait has a deadline (poll() on the pipes), so a program that never
// answers, never reads, or writes without end costs at most the timeout. While
// waiting for a reply the runner also drains stderr (keeping its last 4 KiB)
// and, when a line to send does not fit in the pipe, stdout, so neither side
// blocks the other. Stopping kills the whole group (a shell wrapper's
// children too) and reaps the child: no process outlives its session.
//
// SIGPIPE is ignored in kvsim (a program that exits before reading its input
// makes a write fail with EPIPE, which is reported, not fatal) and restored
// to its default in the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kv::grade {

class Process {
 public:
  // Starts `argv` (argv[0] looked up on PATH). An I/O error when it cannot
  // be started (no such program, not executable).
  static Result<std::unique_ptr<Process>> start(const std::vector<std::string>& argv);
  ~Process();  // stop()s it
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Writes `line` and '\n' to its stdin, waiting until `deadline_us` (a
  // steady-clock time, now_us()) at most. False when the program no longer
  // reads (its stdin closed: it exited) or the deadline passed.
  bool send(std::string_view line, int64_t deadline_us);

  enum class Read { kLine, kTimeout, kClosed };
  // The next line it writes on stdout (without '\n'), waiting until
  // `deadline_us` at most. kClosed: its stdout closed (it exited) with no
  // more whole line; a last line without '\n' is returned first.
  Read read_line(std::string& line, int64_t deadline_us);

  // After its stdout closed: waits up to `wait_us` for it to exit, then kills
  // it. Returns how it ended: "exited with status 1", "was killed by signal
  // 11 (Segmentation fault)", "closed its stdout and kept running".
  std::string wait_exit(int64_t wait_us);

  // Kills its process group and reaps it (idempotent).
  void stop();

  // The last lines it wrote on stderr (at most 4 KiB).
  std::string stderr_tail() const;

  static int64_t now_us();

 private:
  Process() = default;
  // Moves what is available on stderr (and stdout, into out_buffer_) in; waits
  // up to `timeout_ms` for something to happen.
  void pump(int timeout_ms, bool want_write);
  // Whether the child has exited (without reaping it).
  bool has_exited() const;

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
  std::string out_buffer_;  // stdout read but not yet returned as lines
  std::string err_tail_;
};

}  // namespace kv::grade
