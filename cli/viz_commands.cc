#include "cli/viz_commands.h"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "viz/causal_graph.h"
#include "viz/history.h"
#include "viz/render.h"
#include "viz/report.h"
#include "viz/spacetime.h"
#include "viz/story.h"

namespace kv::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kIoFailure = 1;
constexpr int kBadInput = 2;

void complain(const std::string& message) {
  std::fprintf(stderr, "kvsim: %s\n", message.c_str());
}

// Reads the history, reporting warnings; nullopt (with `status` set) on failure.
std::optional<viz::History> load(const std::string& path, int& status) {
  viz::ReadResult read = viz::read_history_file(path);
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
};

// Draws one picture; fills `picture` for the report. Returns kOk, or
// kIoFailure when even the .dot could not be written (`fatal`) or drawing
// failed (the .dot is there; the report says why the picture is missing).
int picture(const std::string& dot, const fs::path& base, const char* engine, bool draw,
            viz::Picture& picture, bool& fatal) {
  const viz::RenderResult r = viz::write_picture(dot, base.string(), engine, draw);
  fatal = !r.dot_written;
  if (!r.ok) {
    complain(r.error);
    if (!fatal) picture.note += (picture.note.empty() ? "" : "\n") + r.error;
  }
  picture.dot_file = base.filename().string() + ".dot";
  if (r.rendered) {
    std::string error;
    if (!viz::read_file(base.string() + ".svg", picture.svg, error)) {
      complain(error);
      return kIoFailure;
    }
  }
  return r.ok ? kOk : kIoFailure;
}

int write_outputs(const viz::History& history, const OutputOptions& o) {
  // Everything that can be refused is checked before anything is written.
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
  const std::string siblings_dot = viz::causal_graph_dot(viz::build_causal_graph(history));
  if (picture(siblings_dot, o.dir / "siblings", "dot", o.draw, report.siblings, fatal) != kOk) {
    if (fatal) return kIoFailure;
    status = kIoFailure;
  }
  if (picture(spacetime.dot, o.dir / "spacetime", "nop", o.draw, report.spacetime, fatal) != kOk) {
    if (fatal) return kIoFailure;
    status = kIoFailure;
  }
  report.story = viz::tell_story(history);
  std::string error;
  if (o.write_story && !viz::write_file((o.dir / "story.txt").string(), report.story, error)) {
    complain(error);
    return kIoFailure;
  }
  report.summary_name = o.summary.string();
  if (fs::exists(o.summary, ec)) {
    if (!viz::read_file(o.summary.string(), report.summary_json, error, viz::kMaxSummaryBytes)) {
      // The summary is optional: the report says it could not be read.
      complain("warning: " + error);
      report.summary_error = error;
    }
  }
  if (!viz::write_file((o.dir / "index.html").string(), viz::report_html(report), error)) {
    complain(error);
    return kIoFailure;
  }
  return status;
}

}  // namespace

int run_render(const std::string& history_path, const std::string& out_dir, const std::string& from,
               const std::string& to) {
  OutputOptions o;
  std::string error;
  if (!viz::parse_window(from, to, o.spacetime.window, error)) {
    complain(error);
    return kBadInput;
  }
  int status = kOk;
  const std::optional<viz::History> history = load(history_path, status);
  if (!history) return status;
  const fs::path folder = fs::path(history_path).parent_path();
  o.dir = !out_dir.empty() ? fs::path(out_dir) : (folder.empty() ? fs::path(".") : folder);
  o.summary = (folder.empty() ? fs::path(".") : folder) / "summary.json";
  o.spacetime.fit_whole_run = false;
  if (!viz::rendering_available()) {
    complain("note: built without Graphviz: writing .dot files only");
  }
  return write_outputs(*history, o);
}

int run_explain(const std::string& history_path) {
  int status = kOk;
  const std::optional<viz::History> history = load(history_path, status);
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
  const std::optional<viz::History> history = load((dir / "history.jsonl").string(), status);
  if (!history) return status;
  OutputOptions o;
  o.dir = dir;
  o.summary = dir / "summary.json";
  o.draw = render_pictures;
  o.spacetime.fit_whole_run = true;
  o.write_story = true;
  o.quiet = quiet;
  return write_outputs(*history, o);
}

}  // namespace kv::cli
