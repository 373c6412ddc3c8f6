// A written version: a value with its vector clock.
//
// Versions are immutable once made and shared (a replicated write is the same
// Version object on every node that holds it), so copying one is a reference
// count, not a string and an array.
//
// The value is kept as its JSON text, written as json::dump writes it, so
// "the same value" is the same text and a reply can splice it back unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "node/clock.h"

namespace kv {

struct Version {
  std::string value;  // JSON text
  Clock clock;
  // Hash of (value, clock with trailing zeros ignored): equal versions hash
  // equal on every replica, which is what anti-entropy digests rely on.
  uint64_t hash = 0;
  // Which write created this version: the simulator numbers client writes
  // from 1 so its checker can tell an accepted version from an invented one
  // in O(1). 0 where nobody numbers them (the line protocol).
  uint64_t origin = 0;
};

using VersionPtr = std::shared_ptr<const Version>;

VersionPtr make_version(std::string value_json, Clock clock, uint64_t origin = 0);

// Same value text and equal clocks (under zero padding).
bool same_version(const Version& a, const Version& b);

// A small, stable 64-bit hash (FNV-1a then a finaliser); the same on every
// platform and build, unlike std::hash.
uint64_t stable_hash(const void* data, size_t size, uint64_t seed = 0);

}  // namespace kv
