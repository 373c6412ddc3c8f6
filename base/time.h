// Simulated time: integer microseconds since the start of the run.
//
// SimTime is a point in time, Duration a span; both are strong types so that
// a time and a span (or a bare count) cannot be swapped by accident.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "base/time_text.h"

namespace kv {

// GCC and Clang's 128-bit integer (for exact products in the generator and
// the event order key); __extension__ keeps -Wpedantic quiet about it.
__extension__ typedef unsigned __int128 uint128;

struct Duration {
  int64_t us = 0;
  auto operator<=>(const Duration&) const = default;
};

struct SimTime {
  int64_t us = 0;
  auto operator<=>(const SimTime&) const = default;
  SimTime operator+(Duration d) const { return {us + d.us}; }
  Duration operator-(SimTime other) const { return {us - other.us}; }
};

inline constexpr Duration microseconds(int64_t n) {
  return {n};
}
inline constexpr Duration milliseconds(int64_t n) {
  return {n * 1000};
}
inline constexpr Duration seconds(int64_t n) {
  return {n * 1000000};
}

// Time text (format_time, parse_time) is base/time_text.h's.

}  // namespace kv
