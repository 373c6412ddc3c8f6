#include "base/rng.h"

#include "base/assert.h"
#include "base/hash.h"

namespace kv {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = splitmix64(state);
}

Rng Rng::derive(uint64_t seed, std::string_view stream, uint64_t index) {
  uint64_t state = seed;
  const uint64_t a = splitmix64(state);
  const uint64_t b = stable_hash(stream.data(), stream.size(), index * 0x9e3779b97f4a7c15ull);
  return Rng(a ^ b);
}

uint64_t log2_q32(uint64_t x) {
  KV_ASSERT(x >= 1);
  uint64_t int_part = 63 - static_cast<uint64_t>(__builtin_clzll(x));
  // y in [1, 2) as Q62.
  uint128 y = static_cast<uint128>(x) << (62 - int_part);
  uint64_t frac = 0;
  for (int bit = 31; bit >= 0; --bit) {
    y = (y * y) >> 62;
    if (y >= (static_cast<uint128>(2) << 62)) {
      y >>= 1;
      frac |= uint64_t{1} << bit;
    }
  }
  return (int_part << 32) | frac;
}

namespace {

constexpr uint128 isqrt(uint128 x) {
  uint128 r = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const uint128 c = r | (static_cast<uint128>(1) << bit);
    if (c * c <= x) r = c;
  }
  return r;
}

// kExp2[k] = 2^(2^-(k+1)) as Q62: sqrt(2), its square root, and so on.
struct Exp2Table {
  uint128 v[32];
  constexpr Exp2Table() : v() {
    uint128 x = static_cast<uint128>(2) << 62;
    for (int k = 0; k < 32; ++k) {
      x = isqrt(x << 62);
      v[k] = x;
    }
  }
};
constexpr Exp2Table kExp2;
static_assert(kExp2.v[0] == 6521908912666391106ull);  // sqrt(2) * 2^62, rounded down

}  // namespace

uint128 exp2_frac_q62(uint32_t f) {
  uint128 y = static_cast<uint128>(1) << 62;
  for (int k = 0; k < 32; ++k) {
    if (f & (uint32_t{1} << (31 - k))) y = (y * kExp2.v[k]) >> 62;
  }
  return y;
}

int64_t Rng::pareto(int64_t xm, uint64_t alpha_num, uint64_t alpha_den) {
  KV_ASSERT(xm >= 0 && alpha_num > 0 && alpha_den > 0);
  // u uniform in [1, 2^32] (in units of 2^-32); -log2(u / 2^32) in Q32.
  const uint64_t u = (next() >> 32) + 1;
  const uint64_t neg_log2_q32 = (uint64_t{32} << 32) - log2_q32(u);
  // e = -log2(u) / alpha, Q32: at most 32 * alpha_den / alpha_num.
  const uint128 e = static_cast<uint128>(neg_log2_q32) * alpha_den / alpha_num;
  const uint64_t whole = static_cast<uint64_t>(e >> 32);
  if (whole >= 40) return kMaxDraw;
  const uint128 scaled = (static_cast<uint128>(xm) * exp2_frac_q62(static_cast<uint32_t>(e))) >> 62;
  const uint128 draw = scaled << whole;
  return draw > static_cast<uint128>(kMaxDraw) ? kMaxDraw : static_cast<int64_t>(draw);
}

int64_t Rng::exponential(int64_t mean) {
  KV_ASSERT(mean >= 0);
  if (mean == 0) return 0;
  // u uniform in [1, 2^32]; -ln(u / 2^32) = (32 - log2 u) * ln 2.
  const uint64_t u = (next() >> 32) + 1;
  const uint64_t neg_log2_q32 = (uint64_t{32} << 32) - log2_q32(u);
  constexpr uint64_t kLn2Q32 = 2977044472ull;  // ln(2) * 2^32, rounded
  const uint128 e_q32 = (static_cast<uint128>(neg_log2_q32) * kLn2Q32) >> 32;
  const uint128 delay = (e_q32 * static_cast<uint64_t>(mean)) >> 32;
  // The longest draw is ln(2^32) ~ 22.2 times the mean; cap it there anyway.
  const uint128 cap = static_cast<uint128>(mean) * 23;
  return static_cast<int64_t>(delay > cap ? cap : delay);
}

}  // namespace kv
