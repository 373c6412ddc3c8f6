// Writing a picture: the DOT always, and SVG and PNG drawn in-process with
// Graphviz's libraries (libgvc) when kvsim was built with them.
//
// Whether rendering exists is decided at build time: viz/meson.build
// defines KVSIM_HAVE_GVC when the `graphviz` feature found libgvc. Without
// it only the .dot is written and the caller is told (rendered == false).
//
// Graphviz draws in a child process, so that a crash or a runaway layout in
// the library (the input is untrusted) costs one picture and not kvsim; it
// gets kRenderTimeLimitSeconds. Graphviz may print warnings on stderr;
// nothing is written to stdout.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace kv::viz {

inline constexpr long kRenderTimeLimitSeconds = 120;
// A PNG larger than this (at 96 dpi) is drawn at a lower resolution. A
// picture that would come out too small to read that way gets a PNG of its
// own, of a part of it (SpacetimeResult::png_dot), the SVG keeping all.
inline constexpr long kPngDpi = 96;
inline constexpr long kMaxPngPixels = 12000000;
inline constexpr long kMaxPngSide = 16000;

// True when this build can draw SVG and PNG.
bool rendering_available();

struct RenderResult {
  Status status;          // what failed, if anything: writing the .dot, or drawing
  bool rendered = false;  // the .svg and .png were written
  bool dot_written = false;
};

// Writes `base`.dot, and when `draw` and rendering_available(), `base`.svg and
// `base`.png laid out with `engine` ("dot", "nop", ...). `base` is a path
// without extension. The PNG is drawn from `png_dot_text` when it is not
// empty (a readable part of a large picture), else from `dot_text`. When
// drawing fails the .dot is still there (dot_written) and no partial
// .svg/.png is left.
// The largest drawing read back into the report.
inline constexpr size_t kMaxSvgBytes = size_t{256} << 20;

RenderResult write_picture(const std::string& dot_text, const std::string& base,
                           const std::string& engine, bool draw,
                           const std::string& png_dot_text = "");

}  // namespace kv::viz
