// The truth's labels, read from a history alone: which held versions are
// false siblings and which accepted writes are lost updates
// (history/truth.h has the definitions; docs/HISTORY.md, "What the truth is
// read from", the lines they come from), each with the sentence that says
// why, for the story and the causal graph. The counts are the same as the
// run's summary.json figures, which the simulator counts as it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

struct FalseSiblingLabel {
  std::string key, node;
  history::VersionText version;  // held, and causally before `above`
  history::VersionText above;    // held by the same node
  // "c2 had read it before writing v5", "c1 had written it itself before
  // writing v2", or
  // "c2 had read v4, which follows it, before writing v5".
  std::string why;
};

struct LostUpdateLabel {
  std::string key;
  history::VersionText version;
  std::string client;  // whose write
  // "v3@[1,1] (c3's write) dominates its clock, but c3 never observed it",
  // or "no node holds it or a version that follows it".
  std::string why;
};

struct TruthLabels {
  uint64_t true_siblings = 0, false_siblings = 0, lost_updates = 0;
  // Keys in byte order, then nodes in order.
  std::vector<FalseSiblingLabel> false_siblings_found;
  std::vector<LostUpdateLabel> lost_updates_found;
};

// Empty labels for a history without `final` lines (cut short).
TruthLabels find_truth_labels(const history::History& history);

}  // namespace kv::viz
