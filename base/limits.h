// Limits on what kvsim reads, shared by the node protocol, the scenario
// loader and the history reader, so that what one writes the other accepts.
#pragma once

#include <cstddef>

namespace kv {

// A line of the node protocol or of a history: longer is refused (a history)
// or skipped (the node), never held whole.
inline constexpr size_t kMaxLineBytes = size_t{16} << 20;

// JSON (a message, a history line, a value) nested deeper is refused before
// it is built: a parser recursing that far could exhaust the stack. A history
// line nests at most 4 levels around a value (final -> store -> key ->
// version), and a scenario's values nest at most kv::sim::kMaxValueDepth
// (100) levels: the limit must stay above their sum, or `kvsim render` would
// refuse the history of a valid run.
inline constexpr size_t kMaxNestingDepth = 128;

// A vector clock has at most this many slots (one per node).
inline constexpr size_t kMaxClockSlots = 4096;

}  // namespace kv
