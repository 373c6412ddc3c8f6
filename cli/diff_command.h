// `kvsim diff A/ B/`: two run folders compared (viz/run_diff.h) — the first
// line where their histories part, the lines leading to it on each side,
// the final stores and verdicts that differ — on stdout, and as a page
// (DIR/index.html, default out/diff).
//
// Exit statuses (cli/exit_status.h): 0 the histories are identical byte for
// byte and the verdicts the same; 1 the runs differ (as diff(1) and cmp(1)
// say it); 2 bad input (a folder whose history kvsim refuses); 4 an I/O
// failure (a folder without a history.jsonl, the page cannot be written).
#pragma once

#include <cstddef>
#include <string>

namespace kv::cli {

struct DiffOptions {
  std::string a, b;     // run folders (or their history.jsonl files)
  std::string out_dir;  // default out/diff
  size_t context = 5;
  bool page = true;
};

int run_diff(const DiffOptions& options);

}  // namespace kv::cli
