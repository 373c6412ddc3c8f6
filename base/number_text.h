// Number text for people: a value written with a fixed number of decimals,
// the one way reports, pages and tables print a rate or a share ("12.5").
#pragma once

#include <string>

namespace kv {

// `value` with exactly `digits` decimals (printf's "%.*f"), e.g.
// fixed_text(0.94321, 3) == "0.943".
std::string fixed_text(double value, int digits);

}  // namespace kv
