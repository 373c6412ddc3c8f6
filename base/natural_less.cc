#include "base/natural_less.h"

#include <string_view>

namespace kv {

bool NaturalLess::operator()(const std::string& a, const std::string& b) const {
  // Split each name into its leading non-digits and the number that follows
  // (if the rest is all digits); compare prefix, then number, then bytes.
  auto split = [](const std::string& s, std::string_view& prefix, std::string_view& digits) {
    size_t i = s.size();
    while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') --i;
    prefix = std::string_view(s).substr(0, i);
    digits = std::string_view(s).substr(i);
  };
  std::string_view pa, da, pb, db;
  split(a, pa, da);
  split(b, pb, db);
  if (pa != pb) return a < b;
  // Compare numbers of any length without overflow: strip leading zeros,
  // then the longer is larger, then digit by digit.
  auto strip = [](std::string_view d) {
    while (d.size() > 1 && d.front() == '0') d.remove_prefix(1);
    return d;
  };
  const std::string_view na = strip(da), nb = strip(db);
  if (na.size() != nb.size()) return na.size() < nb.size();
  if (na != nb) return na < nb;
  return a < b;
}

}  // namespace kv
