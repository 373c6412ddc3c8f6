// JSON text of clocks, versions and sibling lists, as Python's json.dumps
// writes them: [1, 0], {"value": V, "clock": [1, 0]}, [{...}, {...}].
// Shared by the line protocol's replies and the simulator's history.
#pragma once

#include <string>

#include "node/store.h"

namespace kv {

void write_clock(const Clock& clock, std::string& out);
void write_version(const Version& version, std::string& out);
void write_siblings(const Siblings& siblings, std::string& out);

}  // namespace kv
