// Endpoint names as messages, scenarios and histories write them: the node
// of clock slot i is "n<i+1>", clients are "c<k>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kv {

// "n1" for slot 0.
std::string node_name(size_t slot);

// The number after a name's one-letter prefix: 3 for "n3", 12 for "c12".
// REQUIRES: `name` is a letter followed by decimal digits whose value fits in
// 32 bits (a loader checked it).
uint32_t name_number(std::string_view name);

}  // namespace kv
