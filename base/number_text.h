// Number text for people: a value written with a fixed number of decimals,
// the one way reports, pages and tables print a rate or a share ("12.5");
// and a count read back from plain decimal digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kv {

// `value` with exactly `digits` decimals (printf's "%.*f"), e.g.
// fixed_text(0.94321, 3) == "0.943".
std::string fixed_text(double value, int digits);

// `text` as a 64-bit count: decimal digits only (no sign, no spaces), at
// most UINT64_MAX; nothing otherwise.
std::optional<uint64_t> parse_u64(std::string_view text);

}  // namespace kv
