// `kvsim render` and `kvsim explain`: pictures, story and report from a saved
// history; and the same outputs written after `kvsim run`.
//
// Exit statuses (cli/exit_status.h): 0 done; 2 bad input (the history is
// refused, a bad --from/--to, a --from past the history's end); 4 an I/O
// failure (the history cannot be opened or read, an output cannot be
// written, Graphviz fails to draw); each with a clear message on stderr.
// stdout carries only the story. A window with more messages than a picture holds is drawn in part,
// with a note on stderr saying which part (viz/spacetime.h); drawing that
// takes more than a second reports its progress on stderr.
#pragma once

#include <string>

#include "base/status.h"

namespace kv::cli {

// Writes siblings.dot/.svg/.png, spacetime.dot/.svg/.png and index.html into
// `out_dir` (default, when empty: the history's folder), reading summary.json
// beside the history if it is there. `from`/`to` window the space-time
// diagram: times ("150ms", "1.5s", "300us") or history line numbers ("120"
// or "#120"); empty means the start / the end. Without Graphviz in the build
// only the .dot files (and the report) are written.
// A history that stops before its `end` line is refused unless `partial`
// (then the pictures' titles say it is partial).
int run_render(const std::string& history, const std::string& out_dir, const std::string& from,
               const std::string& to, bool partial = false);

// Prints the story of the run in `history` on stdout (a history without its
// end only when `partial`).
int run_explain(const std::string& history, bool partial = false);

// For `kvsim run`, after the run has written `out_dir`/history.jsonl and
// (optionally) `out_dir`/summary.json: writes siblings.dot, spacetime.dot,
// story.txt and index.html there, plus the .svg/.png pictures when
// `render_pictures` and Graphviz is built in. A run too long for one
// space-time picture gets its first messages, with a note saying which, as
// `kvsim render` would draw it (on stderr unless `quiet`; the report says it
// too). The caller reports a failed status.
Status write_run_outputs(const std::string& out_dir, bool render_pictures, bool quiet = false);

}  // namespace kv::cli
