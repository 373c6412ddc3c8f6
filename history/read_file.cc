// Feeding the history reader: read_history_text and read_history_file (in
// chunks, bounded, never holding the file's text whole).
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "base/escape.h"
#include "base/limits.h"
#include "history/history.h"
#include "history/reader.h"

namespace kv::history {

namespace {

// Feeds lines to a Reader; the last line may come without its newline.
class LineFeeder {
 public:
  LineFeeder(const std::string& path, const ReadOptions& options)
      : reader_(path), options_(options) {}

  // One line (without its '\n'); `terminated` says whether a '\n' ended it.
  bool line(std::string_view text, bool terminated) {
    ++number_;
    if (reader_.line(text, number_)) return true;
    if (!terminated && options_.partial) {
      // A run still writing (or killed) leaves its last line cut mid-way.
      reader_.warn(number_, "the last line is cut short, skipped");
      return true;
    }
    return false;
  }

  ReadResult finish() {
    if (!reader_.finish(options_.partial)) return refused(reader_.error());
    return reader_.take();
  }

  Status refused(const std::string& error) const {
    return Status::bad_input(escape_control(error));
  }

  const std::string& error() const { return reader_.error(); }
  size_t number() const { return number_; }
  void reserve(size_t events) { reader_.reserve(events); }

 private:
  Reader reader_;
  const ReadOptions& options_;
  size_t number_ = 0;
};

}  // namespace

ReadResult read_history_text(std::string_view text, const std::string& path,
                             const ReadOptions& options) {
  LineFeeder feeder(path, options);
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!feeder.line(line, newline != std::string_view::npos)) {
      return feeder.refused(feeder.error());
    }
  }
  return feeder.finish();
}

// The file is read in chunks and fed a line at a time, so its text is never
// held whole: only the events are kept.
ReadResult read_history_file(const std::string& path, const ReadOptions& options) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  const std::string too_big_error = path + ": larger than " + std::to_string(kMaxHistoryBytes) +
                                    " bytes, the limit for a history";
  // A regular file too big is refused before anything is read.
  struct stat info;
  uint64_t total = 0;
  if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode)) {
    total = static_cast<uint64_t>(info.st_size);
    if (total > kMaxHistoryBytes) {
      std::fclose(file);
      return Status::bad_input(too_big_error);
    }
  }
  // Read with a bound, so an endless stream (a FIFO, /dev/zero) is refused
  // rather than read forever.
  LineFeeder feeder(path, options);
  // Lines average well over 64 bytes (a `deliver` line, the shortest
  // common one, is about 60).
  feeder.reserve(static_cast<size_t>(total / 64));
  std::string pending;  // the start of a line whose end is in the next chunk
  std::vector<char> buffer(size_t{1} << 20);
  uint64_t read = 0, reported = 0;
  bool too_big = false, refused = false;
  while (true) {
    const size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
    read += n;
    if (read > kMaxHistoryBytes) {
      too_big = true;
      break;
    }
    std::string_view chunk(buffer.data(), n);
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        // A line longer than any the reader takes is refused by it anyway;
        // past that, stop collecting it.
        if (pending.size() <= kMaxLineBytes) {
          pending.append(chunk.substr(0, kMaxLineBytes + 1 - pending.size()));
        }
        break;
      }
      bool ok = false;
      if (pending.empty()) {
        ok = feeder.line(chunk.substr(0, newline), true);
      } else {
        if (pending.size() <= kMaxLineBytes) pending.append(chunk.substr(0, newline));
        ok = feeder.line(pending, true);
        pending.clear();
      }
      chunk.remove_prefix(newline + 1);
      if (!ok) {
        refused = true;
        break;
      }
    }
    if (refused) break;
    if (options.progress != nullptr && read - reported >= (uint64_t{16} << 20)) {
      reported = read;
      options.progress(options.progress_ctx, read, total);
    }
    if (n < buffer.size()) break;
  }
  const bool read_error = std::ferror(file) != 0;
  const int saved_errno = errno;
  std::fclose(file);
  if (refused) return feeder.refused(feeder.error());
  if (too_big) return Status::bad_input(too_big_error);
  if (read_error) {
    // A folder opens but does not read (EISDIR): like a missing file, the
    // file system said no, so it is an I/O error as a failing disk is.
    return Status::io_error(path + ": cannot read: " + std::strerror(saved_errno));
  }
  if (!pending.empty() && !feeder.line(pending, false)) return feeder.refused(feeder.error());
  return feeder.finish();
}

}  // namespace kv::history
