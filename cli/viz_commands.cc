#include "cli/viz_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "base/file.h"
#include "cli/exit_status.h"
#include "cli/progress.h"
#include "history/history.h"
#include "viz/causal_graph.h"
#include "viz/render.h"
#include "viz/report.h"
#include "viz/spacetime.h"
#include "viz/story.h"
#include "viz/summary_words.h"
#include "viz/text.h"

namespace kv::cli {
namespace {

namespace fs = std::filesystem;

void complain(const std::string& message) {
  std::fprintf(stderr, "kvsim: %s\n", message.c_str());
}

// Reads the history, reporting its warnings on stderr.
history::ReadResult load(const std::string& path, bool partial, Progress* progress = nullptr) {
  history::ReadOptions options;
  options.partial = partial;
  if (progress != nullptr) {
    options.progress = &Progress::reading;
    options.progress_ctx = progress;
  }
  history::ReadResult read = history::read_history_file(path, options);
  if (progress != nullptr) progress->end_line();
  if (read.ok()) {
    for (const std::string& w : read->warnings) complain("warning: " + w);
  }
  return read;
}

// The exit status for `status`, its message first on stderr.
int finish(const Status& status) {
  if (!status.ok()) complain(status.message());
  return exit_status(status);
}

struct OutputOptions {
  fs::path dir;
  fs::path history;  // the history's path, for the page to name it
  fs::path summary;  // may not exist
  bool draw = true;
  viz::SpacetimeOptions spacetime;
  bool write_story = false;
  bool quiet = false;  // no notes on stderr (warnings and errors still)
  Progress* progress = nullptr;
};

// How the page in `dir` names `file`: relative to it when both can be
// made absolute, else as given.
std::string page_path(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  const fs::path a = fs::absolute(file, ec);
  if (ec) return file.string();
  const fs::path b = fs::absolute(dir, ec);
  if (ec) return file.string();
  const fs::path rel = a.lexically_normal().lexically_relative(b.lexically_normal());
  return rel.empty() ? file.string() : rel.string();
}

// Draws one picture; fills `picture` for the report. An I/O error when even
// the .dot could not be written (`fatal`), or the .svg not read back; a
// picture Graphviz could not draw is said on stderr and in the report
// (`picture.note`), and `drawn` is false (the .dot is there).
Status picture(const std::string& dot, const fs::path& base, const char* engine, bool draw,
               viz::Picture& picture, bool& drawn, const std::string& png_dot = "") {
  const viz::RenderResult r = viz::write_picture(dot, base.string(), engine, draw, png_dot);
  if (!r.dot_written) return r.status;
  drawn = r.status.ok();
  if (!drawn) {
    complain(r.status.message());
    picture.note += (picture.note.empty() ? "" : "\n") + r.status.message();
  }
  picture.dot_file = base.filename().string() + ".dot";
  if (r.rendered) {
    Result<std::string> svg = read_file(base.string() + ".svg", viz::kMaxSvgBytes);
    if (!svg.ok()) {
      return svg.status();
    }
    picture.svg = std::move(*svg);
  }
  return Status();
}

Status write_outputs(const history::History& history, const OutputOptions& o) {
  Progress silent(/*silent=*/true);
  Progress& progress = o.progress != nullptr ? *o.progress : silent;
  // Everything that can be refused is checked before anything is written.
  progress.stage("laying out the space-time diagram");
  const viz::SpacetimeResult spacetime = viz::spacetime_dot(history, o.spacetime);
  if (!spacetime.ok) return Status::bad_input(history.path + ": " + spacetime.error);
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return Status::io_error(o.dir.string() + ": cannot create the folder: " + ec.message());
  viz::ReportInput report;
  report.history = &history;
  report.siblings.title = "Causal graph of sibling creation";
  report.spacetime.title = "Space-time diagram";
  report.spacetime.note = spacetime.note;
  if (spacetime.cut && !o.quiet) complain("note: " + spacetime.note);

  // A picture Graphviz could not draw does not stop the rest: the report is
  // still written (saying so), and the returned status says it in the end.
  bool siblings_drawn = true, spacetime_drawn = true;
  progress.stage("building the causal graph");
  const viz::CausalGraph graph = viz::build_causal_graph(history);
  const std::string siblings_dot = viz::causal_graph_dot(graph);
  if (o.draw) progress.stage("drawing siblings.svg/.png with Graphviz");
  Status status =
      picture(siblings_dot, o.dir / "siblings", "dot", o.draw, report.siblings, siblings_drawn);
  if (!status.ok()) return status;
  if (o.draw) progress.stage("drawing spacetime.svg/.png with Graphviz");
  if (o.draw && !spacetime.png_note.empty() && viz::rendering_available()) {
    if (!o.quiet) complain("note: spacetime.png: " + spacetime.png_note);
  }
  status = picture(spacetime.dot, o.dir / "spacetime", "nop", o.draw, report.spacetime,
                   spacetime_drawn, spacetime.png_dot);
  if (!status.ok()) return status;
  report.summary_name = o.summary.string();
  if (fs::exists(o.summary, ec)) {
    Result<std::string> summary = read_file(o.summary.string(), viz::kMaxSummaryBytes);
    if (summary.ok()) {
      report.summary_json = std::move(*summary);
    } else {
      // The summary is optional: the report says it could not be read.
      complain("warning: " + summary.error());
      report.summary_error = summary.error();
    }
  }
  progress.stage("telling the story and writing index.html");
  report.story = viz::tell_story(history, viz::run_end_sentence(report.summary_json));
  if (o.write_story) {
    status = write_file((o.dir / "story.txt").string(), report.story);
    if (!status.ok()) return status;
  }
  report.graph = &graph;
  report.window = o.spacetime.window;
  report.page_dir = o.dir.string();
  report.history_name = page_path(o.history, o.dir);
  status = write_file((o.dir / "index.html").string(), viz::report_html(report));
  if (!status.ok()) return status;
  if (!siblings_drawn || !spacetime_drawn) {
    return Status::io_error(o.dir.string() + ": Graphviz could not draw " +
                            (siblings_drawn    ? "spacetime"
                             : spacetime_drawn ? "siblings"
                                               : "either picture") +
                            " (the .dot files and index.html are written)");
  }
  return Status();
}

// A window that starts after the history's last line or event draws
// nothing: bad input, rather than an empty picture.
Status window_starts_in(const history::History& history, const viz::Window& w,
                        const std::string& from) {
  if (w.kind == viz::Window::Kind::kAll || history.events.empty()) return Status();
  const history::Event& last = history.events.back();
  if (w.kind == viz::Window::Kind::kLines && w.from > static_cast<int64_t>(last.line)) {
    return Status::bad_input("--from " + from + " is past the end of " + history.path +
                             ": its last line is #" + std::to_string(last.line));
  }
  if (w.kind == viz::Window::Kind::kTime && w.from > last.t_us) {
    return Status::bad_input("--from " + from + " is past the end of " + history.path +
                             ": its last event is at " + format_time(last.t_us) + " (line #" +
                             std::to_string(last.line) + ")");
  }
  return Status();
}

Status render(const std::string& history_path, const std::string& out_dir, const std::string& from,
              const std::string& to, bool partial) {
  OutputOptions o;
  const Result<viz::Window> window = viz::parse_window(from, to);
  if (!window.ok()) return window.status();
  o.spacetime.window = *window;
  Progress progress;
  const history::ReadResult history = load(history_path, partial, &progress);
  if (!history.ok()) return history.status();
  const Status in_window = window_starts_in(*history, o.spacetime.window, from);
  if (!in_window.ok()) return in_window;
  const fs::path folder = fs::path(history_path).parent_path();
  o.dir = !out_dir.empty() ? fs::path(out_dir) : (folder.empty() ? fs::path(".") : folder);
  o.summary = (folder.empty() ? fs::path(".") : folder) / "summary.json";
  o.history = history_path;
  o.progress = &progress;
  if (!viz::rendering_available()) {
    complain("note: built without Graphviz: writing .dot files only");
  }
  return write_outputs(*history, o);
}

Status explain(const std::string& history_path, bool partial) {
  const history::ReadResult history = load(history_path, partial);
  if (!history.ok()) return history.status();
  // What the run left under way at its end, from summary.json beside the
  // history when there is one.
  const fs::path folder = fs::path(history_path).parent_path();
  const fs::path summary = (folder.empty() ? fs::path(".") : folder) / "summary.json";
  std::string run_end;
  std::error_code ec;
  if (fs::exists(summary, ec)) {
    const Result<std::string> text = read_file(summary.string(), viz::kMaxSummaryBytes);
    if (text.ok()) run_end = viz::run_end_sentence(*text);
  }
  const std::string story = viz::tell_story(*history, run_end);
  if (std::fwrite(story.data(), 1, story.size(), stdout) != story.size() ||
      std::fflush(stdout) != 0) {
    return Status::io_error("cannot write the story to stdout");
  }
  return Status();
}

}  // namespace

int run_render(const std::string& history_path, const std::string& out_dir, const std::string& from,
               const std::string& to, bool partial) {
  return finish(render(history_path, out_dir, from, to, partial));
}

int run_explain(const std::string& history_path, bool partial) {
  return finish(explain(history_path, partial));
}

Status write_run_outputs(const std::string& out_dir, bool render_pictures, bool quiet) {
  const fs::path dir(out_dir);
  Progress progress;
  const history::ReadResult history =
      load((dir / "history.jsonl").string(), false, quiet ? nullptr : &progress);
  if (!history.ok()) return history.status();
  OutputOptions o;
  o.dir = dir;
  o.summary = dir / "summary.json";
  o.history = dir / "history.jsonl";
  o.draw = render_pictures;
  o.write_story = true;
  o.quiet = quiet;
  o.progress = quiet ? nullptr : &progress;
  return write_outputs(*history, o);
}

}  // namespace kv::cli
