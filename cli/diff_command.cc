#include "cli/diff_command.h"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/file.h"
#include "cli/exit_status.h"
#include "history/history.h"
#include "viz/report.h"
#include "viz/run_diff.h"

namespace kv::cli {
namespace {

namespace fs = std::filesystem;

struct Loaded {
  std::string text;
  history::History history;
  std::string summary;
};

// A run folder (or its history.jsonl): the history's bytes, the history
// read back (one that stops before its end is read too), summary.json.
Result<Loaded> load(const std::string& given) {
  std::error_code ec;
  const fs::path path(given);
  const fs::path history = fs::is_directory(path, ec) ? path / "history.jsonl" : path;
  Result<std::string> text = read_file(history.string(), history::kMaxHistoryBytes, "a history");
  if (!text.ok()) return text.status();
  history::ReadOptions options;
  options.partial = true;
  history::ReadResult read = history::read_history_text(*text, history.string(), options);
  if (!read.ok()) return read.status();
  Loaded out{std::move(*text), std::move(read.value()), ""};
  const fs::path summary = history.parent_path().empty() ? fs::path("summary.json")
                                                         : history.parent_path() / "summary.json";
  if (fs::exists(summary, ec)) {
    Result<std::string> s = read_file(summary.string(), viz::kMaxSummaryBytes);
    if (s.ok()) out.summary = std::move(*s);
  }
  return out;
}

int fail_diff(const Status& status) {
  return fail(status, "kvsim diff");
}

}  // namespace

int run_diff(const DiffOptions& o) {
  Result<Loaded> a = load(o.a);
  if (!a.ok()) return fail_diff(a.status());
  Result<Loaded> b = load(o.b);
  if (!b.ok()) return fail_diff(b.status());
  const viz::RunSide side_a{o.a, a->text, &a->history, a->summary};
  const viz::RunSide side_b{o.b, b->text, &b->history, b->summary};
  const viz::RunDiff diff = viz::diff_runs(side_a, side_b, o.context);
  const std::string text = viz::diff_text(diff);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return fail_diff(Status::io_error("cannot write to stdout"));
  }
  if (o.page) {
    const fs::path dir = o.out_dir.empty() ? fs::path("out/diff") : fs::path(o.out_dir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      return fail_diff(
          Status::io_error(dir.string() + ": cannot create the folder: " + ec.message()));
    const Status written = write_file((dir / "index.html").string(), viz::diff_html(diff));
    if (!written.ok()) return fail_diff(written);
    std::printf("page: %s\n", (dir / "index.html").string().c_str());
  }
  return diff.same() ? kExitOk : kExitCheckFailed;
}

}  // namespace kv::cli
