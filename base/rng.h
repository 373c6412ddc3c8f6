// The run's only source of randomness: xoshiro256** seeded through splitmix64.
//
// Determinism rules (STYLE.md): no std::*_distribution, no floating point in
// draws that order events. Probabilities are integer ratios (parts per
// billion); bounded integers use Lemire's multiply-shift with rejection, so
// the result is exact and the same on every platform.
//
// Seed tree: a subsystem never shares its generator. `Rng::derive(seed,
// stream)` gives a generator for one named stream (network, workload, node i,
// ...), so an extra draw in one subsystem never shifts another's draws.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "base/time.h"

namespace kv {

// A probability as parts per billion: 0 = never, 1e9 = always.
struct Probability {
  static constexpr uint64_t kOne = 1000000000;
  uint64_t ppb = 0;
  bool never() const { return ppb == 0; }
};

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // The generator for stream `stream` of a run seeded with `seed`.
  static Rng derive(uint64_t seed, std::string_view stream, uint64_t index = 0);

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). REQUIRES: n > 0.
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  uint64_t below(uint64_t n) {
    KV_ASSERT(n > 0);
    uint128 m = static_cast<uint128>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<uint128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t between(int64_t lo, int64_t hi) {
    KV_ASSERT(lo <= hi);
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(next());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
  }

  bool chance(Probability p) {
    if (p.ppb == 0) return false;
    if (p.ppb >= Probability::kOne) return true;
    return below(Probability::kOne) < p.ppb;
  }

  // Exponentially distributed with the given mean, in integer steps, computed
  // without floating point (inverse CDF via a fixed-point logarithm).
  int64_t exponential(int64_t mean);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

uint64_t splitmix64(uint64_t& state);

}  // namespace kv
