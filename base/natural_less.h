// Names in the order people count them ("c2" before "c10").
#pragma once

#include <string>

namespace kv {

// Orders names the way people count: "c2" before "c10"; ties on the numeric
// part ("n01" vs "n1") fall back to byte order, so the order is total.
struct NaturalLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

}  // namespace kv
