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

#include <string>

#include "history/history.h"

namespace kv::viz {

// The whole story, lines ending in '\n'.
std::string tell_story(const history::History& history);

}  // namespace kv::viz
