#include "base/time_text.h"

#include <algorithm>

namespace kv {
namespace {

// `value` / 10^decimals with trailing zeros of the fraction removed.
std::string scaled(uint64_t value, int decimals) {
  uint64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  std::string out = std::to_string(value / unit);
  const uint64_t fraction = value % unit;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, static_cast<size_t>(decimals) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

std::string format_magnitude(uint64_t us) {
  if (us < 1000) return std::to_string(us) + "us";
  if (us < 1000000) return scaled(us, 3) + "ms";
  return scaled(us, 6) + "s";
}

// Leading decimal digits of `text` as a number; nullopt on overflow.
std::optional<uint64_t> decimal(std::string_view digits) {
  uint64_t value = 0;
  for (const char c : digits) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

size_t digits_at(std::string_view text, size_t from) {
  size_t end = from;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  return end;
}

}  // namespace

std::string format_time(int64_t us) {
  if (us >= 0) return format_magnitude(static_cast<uint64_t>(us));
  // -(us + 1) + 1 avoids negating INT64_MIN.
  return "-" + format_magnitude(static_cast<uint64_t>(-(us + 1)) + 1);
}

ParsedTime parse_time(std::string_view text, int64_t max_us) {
  ParsedTime out;
  if (!text.empty() && text[0] == '-') {
    out.error = TimeTextError::kNegative;
    return out;
  }
  const size_t whole_end = digits_at(text, 0);
  size_t number_end = whole_end;
  if (number_end < text.size() && text[number_end] == '.')
    number_end = digits_at(text, whole_end + 1);
  const std::string_view whole = text.substr(0, whole_end);
  const std::string_view fraction =
      number_end > whole_end ? text.substr(whole_end + 1, number_end - whole_end - 1) : "";
  if (whole.empty() || (number_end > whole_end && fraction.empty())) {
    out.error = TimeTextError::kMalformed;
    return out;
  }
  out.unit = text.substr(number_end);
  uint64_t scale = 1;
  size_t scale_digits = 0;
  if (out.unit.empty()) {
    out.error = TimeTextError::kNoUnit;
    return out;
  } else if (out.unit == "ms") {
    scale = 1000;
    scale_digits = 3;
  } else if (out.unit == "s") {
    scale = 1000000;
    scale_digits = 6;
  } else if (out.unit != "us") {
    out.error = TimeTextError::kUnknownUnit;
    return out;
  }
  // Digits of the fraction past the unit's microseconds must all be zero.
  const size_t kept = std::min(fraction.size(), scale_digits);
  if (fraction.find_first_not_of('0', kept) != std::string_view::npos) {
    out.error = TimeTextError::kNotWholeUs;
    return out;
  }
  const std::optional<uint64_t> whole_value = decimal(whole);
  const auto limit = static_cast<uint64_t>(max_us < 0 ? 0 : max_us);
  if (!whole_value || *whole_value > limit / scale) {
    out.error = TimeTextError::kTooLarge;
    return out;
  }
  uint64_t fraction_us = 0;
  for (size_t i = 0; i < scale_digits; ++i) {
    fraction_us = fraction_us * 10 + (i < kept ? static_cast<uint64_t>(fraction[i] - '0') : 0);
  }
  const uint64_t us = *whole_value * scale + fraction_us;
  if (us > limit) {
    out.error = TimeTextError::kTooLarge;
    return out;
  }
  out.us = static_cast<int64_t>(us);
  return out;
}

std::optional<int64_t> parse_time_us(std::string_view text, int64_t max_us) {
  const ParsedTime parsed = parse_time(text, max_us);
  if (parsed.error != TimeTextError::kNone) return std::nullopt;
  return parsed.us;
}

}  // namespace kv
