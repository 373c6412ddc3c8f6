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

namespace kv::sim {

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

  uint64_t next();
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t between(int64_t lo, int64_t hi);
  bool chance(Probability p);
  // Exponentially distributed with the given mean, in integer steps, computed
  // without floating point (inverse CDF via a fixed-point logarithm).
  int64_t exponential(int64_t mean);

 private:
  uint64_t s_[4];
};

uint64_t splitmix64(uint64_t& state);

}  // namespace kv::sim
