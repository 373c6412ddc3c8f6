// The story of a run, in plain sentences, from its history alone.
//
// A header (scenario, nodes, clients, what happened to the messages), the
// faults in time order, then each key's life in history order, e.g.
//
//   t=12.4ms n2 received v1@[1,0,0] from n1: concurrent with v2@[0,1,0] -> 2 siblings
//
// and how each key ended on every node. Sentences about a node's state
// before a write come from the `siblings` lines that precede it. The text
// depends only on the history; keys in byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

// The whole story, lines ending in '\n'. `run_end` is what the run left
// under way at its end, as summary.json's `run_end.sentence` says it ("the
// run ended with 79 operations never sent ..."; sim/run_end.h); when not
// empty it closes the story.
std::string tell_story(const history::History& history, const std::string& run_end = "");

// The story's own sentence about each event of history.events[first,
// last) (element i is event first + i), without its time: the key it is
// told under (empty for faults, timeouts and give-ups) and the text; both
// empty for events the story does not tell (most sends, deliveries,
// anti-entropy). The story is read whole; only the range is kept.
struct StorySentence {
  std::string key;
  std::string text;
};
std::vector<StorySentence> story_sentences(const history::History& history, size_t first = 0,
                                           size_t last = SIZE_MAX);

}  // namespace kv::viz
