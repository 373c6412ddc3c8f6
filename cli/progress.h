// Progress on stderr for work that takes more than a second: a run's
// simulated time, the share of a history read, then a line as each picture
// starts. Wall time never reaches an output file.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "base/time_text.h"

namespace kv::cli {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // A silent one says nothing (--quiet).
  explicit Progress(bool silent = false) : silent_(silent) {}
  ~Progress() { end_line(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // "kvsim: drawing spacetime.svg/.png (3.2 s)", once past a second.
  void stage(const std::string& what) {
    if (silent_ || seconds() < 1.0) return;
    end_line();
    std::fprintf(stderr, "kvsim: %s (%.1f s)\n", what.c_str(), seconds());
  }

  // The simulation's progress callback (Simulation::run): "t=… of …", the
  // events so far and the wall time, rewritten on one line. `ctx` is a
  // Progress whose until_us is set.
  static void simulating(void* ctx, int64_t now_us, uint64_t events) {
    auto* self = static_cast<Progress*>(ctx);
    if (self->silent_ || self->seconds() < 1.0) return;
    self->open_line_ = true;
    std::fprintf(stderr, "\rkvsim: t=%s of %s, %llu events, %.1f s", format_time(now_us).c_str(),
                 format_time(self->until_us).c_str(), static_cast<unsigned long long>(events),
                 self->seconds());
  }

  // The history reader's progress callback (history::ReadOptions::progress).
  static void reading(void* ctx, uint64_t done, uint64_t total) {
    auto* self = static_cast<Progress*>(ctx);
    if (self->silent_ || self->seconds() < 1.0) return;
    self->open_line_ = true;
    if (total > 0) {
      std::fprintf(stderr, "\rkvsim: reading the history: %llu of %llu MB (%.1f s)",
                   static_cast<unsigned long long>(done >> 20),
                   static_cast<unsigned long long>(total >> 20), self->seconds());
    } else {
      std::fprintf(stderr, "\rkvsim: reading the history: %llu MB (%.1f s)",
                   static_cast<unsigned long long>(done >> 20), self->seconds());
    }
  }

  // Ends a line the callbacks left open.
  void end_line() {
    if (open_line_) std::fprintf(stderr, "\n");
    open_line_ = false;
  }

  int64_t until_us = 0;  // the run's end, for simulating()

 private:
  Clock::time_point start_ = Clock::now();
  bool silent_ = false;
  bool open_line_ = false;
};

}  // namespace kv::cli
