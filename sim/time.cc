// format_time: a time in microseconds as people write it ("12.4ms", "3s",
// "250us"). Of the renderings in s, ms and us that need no leading "0.", the
// shortest wins; on a tie the larger unit. Every rendering is exact.
#include "sim/time.h"

#include <cstdint>
#include <string>

namespace kv::sim {
namespace {

// `us` in units of `scale` microseconds: the whole part, then the fraction
// with its trailing zeros dropped.
std::string render(uint64_t us, uint64_t scale, int fraction_digits, const char* unit) {
  std::string out = std::to_string(us / scale);
  uint64_t fraction = us % scale;
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, static_cast<size_t>(fraction_digits) - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += '.' + digits;
  }
  return out + unit;
}

std::string format_magnitude(uint64_t us) {
  if (us == 0) return "0s";
  struct Unit {
    uint64_t scale;
    int fraction_digits;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1000000, 6, "s"}, {1000, 3, "ms"}, {1, 0, "us"}};
  std::string best;
  for (const Unit& unit : kUnits) {
    if (us < unit.scale) continue;
    std::string text = render(us, unit.scale, unit.fraction_digits, unit.name);
    if (best.empty() || text.size() < best.size()) best = std::move(text);
  }
  return best;
}

}  // namespace

std::string format_time(int64_t us) {
  if (us >= 0) return format_magnitude(static_cast<uint64_t>(us));
  // -(us + 1) + 1 avoids negating INT64_MIN.
  return "-" + format_magnitude(static_cast<uint64_t>(-(us + 1)) + 1);
}

}  // namespace kv::sim
