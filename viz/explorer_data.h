// The data the explorer page steps through (index.html; viz/explorer/*.js
// reads it), built from a history alone: one JSON text, embedded in the page
// as <script type="application/json" id="kvsim-data">.
//
// Layout (every index is 0-based into the tables; -1 means none):
//
//   {"format": 1, "nodes": [names], "keys": [key as the story writes it],
//    "versions": [[key, value text, clock (padded to the nodes), graph id]],
//    "events": [[line, t_us, kind, key, sentence, ...fields of the kind]],
//    "window": {"first_line", "last_line", "lines", "complete", "note"},
//    "initial": {"stores": [[node, key, [versions]]], "down": [nodes],
//                "cut": [[from node, to node]],
//                "flight": [[id, src, dest, type, key, version, copies,
//                            sent t_us, words]]},
//    "run_end": sentence}
//
// Fields of each kind, after the common five:
//   op        client, request number, op, node
//   send      id, src, dest, wire type, version, [values of a read reply]
//   duplicate id                  deliver   id
//   drop      id, reason          siblings  node, [versions]
//   apply     node, version, op, result, siblings after, status, client
//   fault     fault, node, amnesia, [[from, to] links cut after it]
//   timeout   client, request number, attempt, node
//   give_up   client, request number
//   final     node, live          start/end (no fields)
//
// A *version* is a distinct (key, value, clock) with clocks compared with
// zero padding, as the store compares them; its graph id is the id of its
// box in the causal graph's SVG (viz/causal_graph.h), "" when not drawn.
// The sentence is viz/event_words.h's.
//
// Large runs: the page holds at most kMaxExplorerEvents history lines — the
// window asked for (kvsim render --from/--to), or the whole run, cut to its
// first lines that fit — and `initial` is the state just before the first
// of them (stores, nodes down, links cut, messages in flight), replayed here
// from the lines before it. `window.note` says what was left out and how
// to see it; "" when nothing was.
#pragma once

#include <cstddef>
#include <string>

#include "history/history.h"
#include "viz/causal_graph.h"
#include "viz/spacetime.h"

namespace kv::viz {

// Past this many lines a page takes more than about a second to open in
// Chromium on a 2-core machine (measured in bench/explorer.py).
inline constexpr size_t kMaxExplorerEvents = 50000;

struct ExplorerInput {
  const history::History* history = nullptr;  // REQUIRES: not null
  const CausalGraph* graph = nullptr;         // for the versions' graph ids; may be null
  Window window;                              // kAll: the whole run
  std::string run_end;                        // summary.json's run_end.sentence, may be ""
  std::string history_name;                   // how the note names the history ("history.jsonl")
  size_t max_events = kMaxExplorerEvents;
};

// The JSON text described above, safe to place inside a <script> element
// (every '<' is written as \u003c).
std::string explorer_data_json(const ExplorerInput& input);

}  // namespace kv::viz
