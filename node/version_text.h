// JSON text of clocks, versions and sibling lists, as Python's json.dumps
// writes them: [1, 0], {"value": V, "clock": [1, 0]}, [{...}, {...}].
// Shared by the line protocol's replies (into a std::string) and the
// simulator's history (straight into its output buffer): `Out` takes text
// with `+=` and numbers with append_uint(out, n).
#pragma once

#include <string>
#include <string_view>

#include "base/json_text.h"
#include "node/store.h"

namespace kv {

inline void append_uint(std::string& out, uint64_t value) {
  json::dump_uint(value, out);
}

template <class Out>
void write_clock(const Clock& clock, Out& out) {
  if constexpr (requires { out.put_clock(clock); }) {
    out.put_clock(clock);  // a sink with a faster writer of its own (the history)
    return;
  }
  out += '[';
  bool first = true;
  for (const uint64_t slot : clock.slots()) {
    if (!first) out += std::string_view(", ");
    first = false;
    append_uint(out, slot);
  }
  out += ']';
}

// A server-side mechanism's metadata (node/version.h), after the clock:
// `, "dot": [SLOT, COUNTER]` (and `, "replaced": true`), or lww's
// `, "timestamp": [SLOT, MICROSECONDS]`; nothing under client-vv.
template <class Out>
void write_dot(const Version& version, Out& out) {
  if (!version.dot.set()) [[likely]]
    return;
  out += version.dot.flags & Dot::kTimestamp ? std::string_view(", \"timestamp\": [")
                                             : std::string_view(", \"dot\": [");
  append_uint(out, version.dot.node);
  out += std::string_view(", ");
  append_uint(out, version.dot.counter);
  out += ']';
  if (version.dot.flags & Dot::kReplaced) out += std::string_view(", \"replaced\": true");
}

template <class Out>
void write_version(const Version& version, Out& out) {
  out += std::string_view("{\"value\": ");
  out += std::string_view(version.value);  // already JSON text
  out += std::string_view(", \"clock\": ");
  write_clock(version.clock, out);
  write_dot(version, out);
  out += '}';
}

template <class Out>
void write_siblings(const Siblings& siblings, Out& out) {
  out += '[';
  bool first = true;
  for (const VersionPtr& v : siblings) {
    if (!first) out += std::string_view(", ");
    first = false;
    write_version(*v, out);
  }
  out += ']';
}

}  // namespace kv
