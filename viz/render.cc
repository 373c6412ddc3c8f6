// Writing pictures. Graphviz runs in a child process (fork, then libgvc in
// the child): histories are untrusted, and a crash or a runaway layout
// inside the library must cost one picture, not the kvsim process. The
// child gets kRenderTimeLimitSeconds; the parent learns success or the
// error text through a pipe.
#include "viz/render.h"

#include "base/file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#ifdef KVSIM_HAVE_GVC
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <graphviz/gvc.h>
#endif

namespace kv::viz {
namespace {

#ifdef KVSIM_HAVE_GVC
// The resolution for a PNG of a `width_pt` x `height_pt` drawing: 96 dpi,
// lowered until it fits in kMaxPngPixels and kMaxPngSide (and no lower than
// 12 dpi).
double png_dpi(double width_pt, double height_pt) {
  constexpr double kDpi = static_cast<double>(kPngDpi);
  const double width_px = std::max(width_pt, 1.0) / 72.0 * kDpi;
  const double height_px = std::max(height_pt, 1.0) / 72.0 * kDpi;
  double scale = 1.0;
  const double pixels = width_px * height_px;
  if (pixels > static_cast<double>(kMaxPngPixels)) {
    scale = std::sqrt(static_cast<double>(kMaxPngPixels) / pixels);
  }
  scale = std::min(scale, static_cast<double>(kMaxPngSide) / std::max(width_px, height_px));
  return std::max(kDpi * scale, 12.0);
}

// Lays out `dot_text` with `engine` and renders it as `format` into `path`,
// PNGs at png_dpi(); an I/O error saying why on failure.
Status render_one(GVC_t* gvc, const std::string& dot_text, const std::string& name,
                  const std::string& engine, const char* format, const std::string& path) {
  Agraph_t* graph = agmemread(dot_text.c_str());
  if (graph == nullptr) return Status::io_error("Graphviz could not read the DOT for " + name);
  Status status;
  if (gvLayout(gvc, graph, engine.c_str()) != 0) {
    status = Status::io_error("Graphviz could not lay out " + name + " with " + engine);
  } else {
    if (std::string(format) == "png") {
      // The PNG is a quick look (the SVG keeps every detail): past
      // kMaxPngPixels it is drawn at a lower resolution, which also keeps
      // rasterising a huge picture from taking seconds.
      const boxf bb = GD_bb(graph);
      GD_drawing(graph)->dpi = png_dpi(bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
    }
    // Into a temporary file renamed into place (base/file.h): a reader never
    // sees half a picture.
    const std::string temporary = temporary_path(path);
    if (gvRenderFilename(gvc, graph, format, temporary.c_str()) != 0) {
      status = Status::io_error("Graphviz could not write " + path);
      std::remove(temporary.c_str());
    } else {
      status = replace_file(temporary, path);
    }
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  return status;
}

// Renders the SVG from `dot_text` and the PNG from `png_dot_text` (or
// `dot_text` when empty).
Status render_with_gvc(const std::string& dot_text, const std::string& png_dot_text,
                       const std::string& base, const std::string& engine) {
  GVC_t* gvc = gvContext();
  if (gvc == nullptr) return Status::io_error("Graphviz: cannot create a context");
  const std::string name = base + ".dot";
  Status status = render_one(gvc, dot_text, name, engine, "svg", base + ".svg");
  if (status.ok()) {
    status = render_one(gvc, png_dot_text.empty() ? dot_text : png_dot_text, name, engine, "png",
                        base + ".png");
  }
  gvFreeContext(gvc);
  return status;
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Renders in a child process; an I/O error if the child failed, crashed or
// ran out of time.
Status render_isolated(const std::string& dot_text, const std::string& png_dot_text,
                       const std::string& base, const std::string& engine) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return Status::io_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    Status failed =
        Status::io_error(std::string("cannot start the renderer: ") + std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return failed;
  }
  if (pid == 0) {
    ::close(fds[0]);
    const Status drawn = render_with_gvc(dot_text, png_dot_text, base, engine);
    if (!drawn.ok()) write_all(fds[1], drawn.message());
    ::close(fds[1]);
    ::_exit(drawn.ok() ? 0 : 1);
  }
  ::close(fds[1]);
  // Wait with a deadline, reading what the child says (it writes little,
  // and only at the end, so the pipe never fills before it exits).
  std::string said;
  const std::time_t deadline = std::time(nullptr) + kRenderTimeLimitSeconds;
  int status = 0;
  bool timed_out = false;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      Status lost = Status::io_error(std::string("lost the renderer: ") + std::strerror(errno));
      ::close(fds[0]);
      return lost;
    }
    if (std::time(nullptr) > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    const struct timespec pause = {0, 5 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
    said.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  if (timed_out || WIFSIGNALED(status)) {
    // A renderer stopped part way may leave its temporary files.
    for (const char* ext : {".svg", ".png"}) std::remove(temporary_path(base + ext, pid).c_str());
  }
  if (timed_out) {
    return Status::io_error("Graphviz took more than " + std::to_string(kRenderTimeLimitSeconds) +
                            " s to draw " + base + ".dot; stopped");
  }
  if (WIFSIGNALED(status)) {
    return Status::io_error("Graphviz crashed (signal " + std::to_string(WTERMSIG(status)) +
                            ") drawing " + base + ".dot");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::io_error(said.empty() ? "Graphviz failed to draw " + base + ".dot" : said);
  }
  return Status();
}
#endif

}  // namespace

bool rendering_available() {
#ifdef KVSIM_HAVE_GVC
  return true;
#else
  return false;
#endif
}

RenderResult write_picture(const std::string& dot_text, const std::string& base,
                           const std::string& engine, bool draw, const std::string& png_dot_text) {
  RenderResult result;
  result.status = write_file(base + ".dot", dot_text);
  if (!result.status.ok()) return result;
  result.dot_written = true;
#ifdef KVSIM_HAVE_GVC
  if (draw) {
    result.status = render_isolated(dot_text, png_dot_text, base, engine);
    result.rendered = result.status.ok();
    if (!result.rendered) {
      // No half-drawn pictures next to the .dot.
      std::remove((base + ".svg").c_str());
      std::remove((base + ".png").c_str());
    }
  }
#else
  (void)engine;
  (void)draw;
  (void)png_dot_text;
#endif
  return result;
}

}  // namespace kv::viz
