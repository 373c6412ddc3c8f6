#include "viz/render.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifdef KVSIM_HAVE_GVC
#include <graphviz/gvc.h>
#endif

namespace kv::viz {
namespace {

#ifdef KVSIM_HAVE_GVC
// Lays out and renders one graph; false with `error` on failure.
bool render_with_gvc(const std::string& dot_text, const std::string& base,
                     const std::string& engine, std::string& error) {
  GVC_t* gvc = gvContext();
  if (gvc == nullptr) {
    error = "Graphviz: cannot create a context";
    return false;
  }
  Agraph_t* graph = agmemread(dot_text.c_str());
  if (graph == nullptr) {
    gvFreeContext(gvc);
    error = "Graphviz could not read the DOT for " + base + ".dot";
    return false;
  }
  bool ok = true;
  if (gvLayout(gvc, graph, engine.c_str()) != 0) {
    error = "Graphviz could not lay out " + base + ".dot with " + engine;
    ok = false;
  } else {
    for (const char* format : {"svg", "png"}) {
      const std::string path = base + "." + format;
      if (gvRenderFilename(gvc, graph, format, path.c_str()) != 0) {
        error = "Graphviz could not write " + path;
        ok = false;
        break;
      }
    }
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  gvFreeContext(gvc);
  return ok;
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

bool write_file(const std::string& path, const std::string& text, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  const size_t written = std::fwrite(text.data(), 1, text.size(), file);
  const bool failed = written != text.size() || std::fflush(file) != 0;
  const int saved = errno;
  if (std::fclose(file) != 0 || failed) {
    error = path + ": cannot write: " + std::strerror(failed ? saved : errno);
    return false;
  }
  return true;
}

bool read_file(const std::string& path, std::string& out, std::string& error, size_t max_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buffer[1 << 16];
  bool too_big = false;
  while (true) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, file);
    if (out.size() + n > max_bytes) {
      too_big = true;
      break;
    }
    out.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  const bool failed = std::ferror(file) != 0;
  const int saved = errno;
  std::fclose(file);
  if (too_big) {
    error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  if (failed) {
    error = path + ": cannot read: " + std::strerror(saved);
    return false;
  }
  return true;
}

RenderResult write_picture(const std::string& dot_text, const std::string& base,
                           const std::string& engine, bool draw) {
  RenderResult result;
  if (!write_file(base + ".dot", dot_text, result.error)) return result;
  result.ok = true;
#ifdef KVSIM_HAVE_GVC
  if (draw) {
    result.ok = render_with_gvc(dot_text, base, engine, result.error);
    result.rendered = result.ok;
  }
#else
  (void)engine;
  (void)draw;
#endif
  return result;
}

}  // namespace kv::viz
