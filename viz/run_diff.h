// Two runs side by side (`kvsim diff A/ B/`): two seeds of a scenario, two
// builds, two mechanisms. From each run's folder, its history.jsonl (the
// bytes, and the events read back) and summary.json (optional):
//
// - whether the histories are the same byte for byte; if not, the first
//   line where they differ, the last lines they share before it and the
//   lines each side has from there (each in words, viz/event_words.h);
// - the final stores that differ (the `final` lines), node by node and key
//   by key, and nodes up on one side and down on the other;
// - the verdicts that differ (summary.json's checks) and what each run left
//   under way at its end (run_end), and the figures that differ.
//
// The comparison of lines is of their bytes: two runs agree on a line when
// the simulator wrote the same text. Everything here depends only on the
// two runs' files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

struct RunSide {
  std::string name;                           // the folder, as given
  std::string history_text;                   // history.jsonl's bytes
  const history::History* history = nullptr;  // REQUIRES: not null; read from history_text
  std::string summary_json;                   // "" when there is none
};

struct DiffLine {
  size_t number = 0;  // 1-based line of the history
  int64_t t_us = 0;
  std::string key;   // the key it concerns, "" if none
  std::string text;  // the event in words
};

struct RunDiff {
  std::string about_a, about_b;  // "partition-heal, seed 7: 668 lines, fingerprint ..."
  bool same_history = false;
  bool same_verdicts = true;
  // The start lines differ (another seed, scenario, node list), in words;
  // "" when they are the same. The rest is compared from line 2 then.
  std::string start;
  size_t first_difference = 0;        // 1-based line; 0 when no line past the start differs
  std::vector<DiffLine> shared;       // the last lines both have before it
  std::vector<DiffLine> a, b;         // each side's lines from it on
  std::vector<std::string> stores;    // final stores that differ, a sentence each
  size_t store_differences = 0;       // how many in all (stores holds at most kMaxDiffStores)
  std::vector<std::string> verdicts;  // verdicts (and run_end) that differ, a sentence each
  std::vector<std::string> figures;   // figures that differ, a sentence each

  bool same() const { return same_history && same_verdicts; }
};

inline constexpr size_t kMaxDiffStores = 30;

// `context`: how many shared lines before the first difference, and how
// many lines of each side from it, to show.
RunDiff diff_runs(const RunSide& a, const RunSide& b, size_t context);

// The comparison for the terminal, lines ending in '\n'.
std::string diff_text(const RunDiff& diff);

// The comparison as one self-contained page (no network, no script).
std::string diff_html(const RunDiff& diff);

}  // namespace kv::viz
