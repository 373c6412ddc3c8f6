// Every event of a history in one sentence, for the explorer page's
// "current event" and for `kvsim diff`.
//
// An event the story tells (viz/story.h: a write applied, a read's reply,
// a lost write, a fault, a timeout, a clock: auto built) gets the story's
// own sentence; every other event (a send, a delivery, anti-entropy, a
// `siblings` or `final` line) a plain one in the same words ("n2 sends
// n1 a replicate of v2@[0,1,0] (message 4)"). Values are written as the
// story writes them (viz/text.h readable()). The text depends only on the
// history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "history/history.h"

namespace kv::viz {

struct EventWords {
  std::string key;   // the key the event concerns, if one ("" otherwise)
  std::string text;  // one sentence, no time, no full stop
};

// One per event of history.events[first, last), in order (element i is
// event first + i): a page of a long run needs only its own lines.
std::vector<EventWords> event_sentences(const history::History& history, size_t first = 0,
                                        size_t last = SIZE_MAX);

// A send in a sentence: "n2 sends n1 a replicate of v2@[0,1,0] (key x)
// (message 4)".
// A version as the story writes it: its value and clock ("v1@[1,0]").
std::string version_words(const history::VersionText& v);

std::string send_sentence(const history::SendEvent& send);

// What message `send` carried, in a few words: "c1's put of v1@[1,0,0]",
// "n2's replicate of v2@[0,1,0]", "n3's anti-entropy digest (round 4)".
std::string message_words(const history::SendEvent& send);

}  // namespace kv::viz
