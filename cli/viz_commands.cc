#include "cli/viz_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "base/file.h"
#include "viz/causal_graph.h"
#include "viz/history.h"
#include "viz/render.h"
#include "viz/report.h"
#include "viz/spacetime.h"
#include "viz/story.h"
#include "viz/text.h"

namespace kv::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kIoFailure = 1;
constexpr int kBadInput = 2;

void complain(const std::string& message) {
  std::fprintf(stderr, "kvsim: %s\n", message.c_str());
}

// Progress on stderr for drawing that takes more than a second: the share of
// the history read, then a line as each picture starts. Wall time never
// reaches an output file.
class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // A silent one says nothing (--quiet).
  explicit Progress(bool silent = false) : silent_(silent) {}
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // "kvsim: drawing spacetime.svg/.png (3.2 s)", once past a second.
  void stage(const std::string& what) {
    if (silent_ || seconds() < 1.0) return;
    end_line();
    std::fprintf(stderr, "kvsim: %s (%.1f s)\n", what.c_str(), seconds());
  }
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
  void end_line() {
    if (open_line_) std::fprintf(stderr, "\n");
    open_line_ = false;
  }

 private:
  Clock::time_point start_ = Clock::now();
  bool silent_ = false;
  bool open_line_ = false;
};

// Reads the history, reporting warnings; nullopt (with `status` set) on failure.
std::optional<viz::History> load(const std::string& path, int& status, bool partial,
                                 Progress* progress = nullptr) {
  viz::ReadOptions options;
  options.partial = partial;
  if (progress != nullptr) {
    options.progress = &Progress::reading;
    options.progress_ctx = progress;
  }
  viz::ReadResult read = viz::read_history_file(path, options);
  if (progress != nullptr) progress->end_line();
  if (read.status != viz::ReadResult::Status::kOk) {
    complain(read.error);
    status = read.status == viz::ReadResult::Status::kIoError ? kIoFailure : kBadInput;
    return std::nullopt;
  }
  for (const std::string& w : read.history->warnings) complain("warning: " + w);
  status = kOk;
  return std::move(read.history);
}

struct OutputOptions {
  fs::path dir;
  fs::path summary;  // may not exist
  bool draw = true;
  viz::SpacetimeOptions spacetime;
  bool write_story = false;
  bool quiet = false;  // no notes on stderr (warnings and errors still)
  Progress* progress = nullptr;
};

// Draws one picture; fills `picture` for the report. Returns kOk, or
// kIoFailure when even the .dot could not be written (`fatal`) or drawing
// failed (the .dot is there; the report says why the picture is missing).
int picture(const std::string& dot, const fs::path& base, const char* engine, bool draw,
            viz::Picture& picture, bool& fatal, const std::string& png_dot = "") {
  const viz::RenderResult r = viz::write_picture(dot, base.string(), engine, draw, png_dot);
  fatal = !r.dot_written;
  if (!r.ok) {
    complain(r.error);
    if (!fatal) picture.note += (picture.note.empty() ? "" : "\n") + r.error;
  }
  picture.dot_file = base.filename().string() + ".dot";
  if (r.rendered) {
    FileRead svg = read_file(base.string() + ".svg", viz::kMaxSvgBytes);
    if (!svg.ok()) {
      complain(svg.error);
      return kIoFailure;
    }
    picture.svg = std::move(svg.text);
  }
  return r.ok ? kOk : kIoFailure;
}

int write_outputs(const viz::History& history, const OutputOptions& o) {
  Progress silent(/*silent=*/true);
  Progress& progress = o.progress != nullptr ? *o.progress : silent;
  // Everything that can be refused is checked before anything is written.
  progress.stage("laying out the space-time diagram");
  const viz::SpacetimeResult spacetime = viz::spacetime_dot(history, o.spacetime);
  if (!spacetime.ok) {
    complain(history.path + ": " + spacetime.error);
    return kBadInput;
  }
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) {
    complain(o.dir.string() + ": cannot create the folder: " + ec.message());
    return kIoFailure;
  }
  viz::ReportInput report;
  report.history = &history;
  report.siblings.title = "Causal graph of sibling creation";
  report.spacetime.title = "Space-time diagram";
  report.spacetime.note = spacetime.note;
  if (spacetime.cut && !o.quiet) complain("note: " + spacetime.note);

  // A picture Graphviz could not draw does not stop the rest: the report is
  // still written (saying so), and the exit status says it in the end.
  int status = kOk;
  bool fatal = false;
  progress.stage("building the causal graph");
  const std::string siblings_dot = viz::causal_graph_dot(viz::build_causal_graph(history));
  if (o.draw) progress.stage("drawing siblings.svg/.png with Graphviz");
  if (picture(siblings_dot, o.dir / "siblings", "dot", o.draw, report.siblings, fatal) != kOk) {
    if (fatal) return kIoFailure;
    status = kIoFailure;
  }
  if (o.draw) progress.stage("drawing spacetime.svg/.png with Graphviz");
  if (o.draw && !spacetime.png_note.empty() && viz::rendering_available()) {
    if (!o.quiet) complain("note: spacetime.png: " + spacetime.png_note);
  }
  if (picture(spacetime.dot, o.dir / "spacetime", "nop", o.draw, report.spacetime, fatal,
              spacetime.png_dot) != kOk) {
    if (fatal) return kIoFailure;
    status = kIoFailure;
  }
  progress.stage("telling the story and writing index.html");
  report.story = viz::tell_story(history);
  std::string error;
  if (o.write_story && !write_file((o.dir / "story.txt").string(), report.story, error)) {
    complain(error);
    return kIoFailure;
  }
  report.summary_name = o.summary.string();
  if (fs::exists(o.summary, ec)) {
    FileRead summary = read_file(o.summary.string(), viz::kMaxSummaryBytes);
    if (summary.ok()) {
      report.summary_json = std::move(summary.text);
    } else {
      // The summary is optional: the report says it could not be read.
      complain("warning: " + summary.error);
      report.summary_error = summary.error;
    }
  }
  if (!write_file((o.dir / "index.html").string(), viz::report_html(report), error)) {
    complain(error);
    return kIoFailure;
  }
  return status;
}

}  // namespace

// A window that starts after the history's last line or event draws
// nothing: say so rather than draw an empty picture.
bool window_starts_in(const viz::History& history, const viz::Window& w, const std::string& from,
                      std::string& error) {
  if (w.kind == viz::Window::Kind::kAll || history.events.empty()) return true;
  const viz::Event& last = history.events.back();
  if (w.kind == viz::Window::Kind::kLines && w.from > static_cast<int64_t>(last.line)) {
    error = "--from " + from + " is past the end of " + history.path + ": its last line is #" +
            std::to_string(last.line);
    return false;
  }
  if (w.kind == viz::Window::Kind::kTime && w.from > last.t_us) {
    error = "--from " + from + " is past the end of " + history.path + ": its last event is at " +
            viz::format_time_us(last.t_us) + " (line #" + std::to_string(last.line) + ")";
    return false;
  }
  return true;
}

int run_render(const std::string& history_path, const std::string& out_dir, const std::string& from,
               const std::string& to, bool partial) {
  OutputOptions o;
  std::string error;
  if (!viz::parse_window(from, to, o.spacetime.window, error)) {
    complain(error);
    return kBadInput;
  }
  Progress progress;
  int status = kOk;
  const std::optional<viz::History> history = load(history_path, status, partial, &progress);
  if (!history) return status;
  if (!window_starts_in(*history, o.spacetime.window, from, error)) {
    complain(error);
    return kBadInput;
  }
  const fs::path folder = fs::path(history_path).parent_path();
  o.dir = !out_dir.empty() ? fs::path(out_dir) : (folder.empty() ? fs::path(".") : folder);
  o.summary = (folder.empty() ? fs::path(".") : folder) / "summary.json";
  o.progress = &progress;
  if (!viz::rendering_available()) {
    complain("note: built without Graphviz: writing .dot files only");
  }
  return write_outputs(*history, o);
}

int run_explain(const std::string& history_path, bool partial) {
  int status = kOk;
  const std::optional<viz::History> history = load(history_path, status, partial);
  if (!history) return status;
  const std::string story = viz::tell_story(*history);
  if (std::fwrite(story.data(), 1, story.size(), stdout) != story.size() ||
      std::fflush(stdout) != 0) {
    complain("cannot write the story to stdout");
    return kIoFailure;
  }
  return kOk;
}

int write_run_outputs(const std::string& out_dir, bool render_pictures, bool quiet) {
  int status = kOk;
  const fs::path dir(out_dir);
  Progress progress;
  const std::optional<viz::History> history =
      load((dir / "history.jsonl").string(), status, false, quiet ? nullptr : &progress);
  if (!history) return status;
  OutputOptions o;
  o.dir = dir;
  o.summary = dir / "summary.json";
  o.draw = render_pictures;
  o.write_story = true;
  o.quiet = quiet;
  o.progress = quiet ? nullptr : &progress;
  return write_outputs(*history, o);
}

}  // namespace kv::cli
