// The run's only source of randomness: xoshiro256** seeded through splitmix64.
//
// Determinism rules: no std::*_distribution, no floating point in
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

  // next, below, between and chance run for every draw: forced inline (see
  // sim/event_queue.h).
  [[gnu::always_inline]] uint64_t next() {
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
  [[gnu::always_inline]] uint64_t below(uint64_t n) {
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
  [[gnu::always_inline]] int64_t between(int64_t lo, int64_t hi) {
    KV_ASSERT(lo <= hi);
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(next());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + below(span + 1));
  }

  [[gnu::always_inline]] bool chance(Probability p) {
    if (p.ppb == 0) return false;
    if (p.ppb >= Probability::kOne) return true;
    return below(Probability::kOne) < p.ppb;
  }

  // Exponentially distributed with the given mean, in integer steps, computed
  // without floating point (inverse CDF via a fixed-point logarithm).
  int64_t exponential(int64_t mean);

  // Pareto distributed with scale `xm` (the least value) and shape
  // alpha = alpha_num / alpha_den, in integer steps, without floating point:
  // the inverse CDF xm * u^(-1/alpha), with u uniform in (0, 1] on 2^32
  // steps, computed as xm * 2^(-log2(u) / alpha) in Q32 fixed point
  // (log2_q32, then exp2_q32), rounded down. u's least step, 2^-32, bounds
  // the largest draw at xm * 2^(32 / alpha); draws are capped at kMaxDraw.
  // REQUIRES: xm >= 0, alpha_num > 0, alpha_den > 0.
  int64_t pareto(int64_t xm, uint64_t alpha_num, uint64_t alpha_den);
  static constexpr int64_t kMaxDraw = int64_t{1} << 42;

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

uint64_t splitmix64(uint64_t& state);

// log2(x) for x in [1, 2^32], as a Q32 fixed-point number (integers only:
// the integer part from the top bit, then one fraction bit per squaring).
uint64_t log2_q32(uint64_t x);
// 2^f for f in [0, 1) given as a Q32 fraction, as a Q62 number in [1, 2)
// (integers only: a product of the constants 2^(2^-k) for f's set bits).
uint128 exp2_frac_q62(uint32_t f);

}  // namespace kv
