#include "viz/text.h"

#include <algorithm>
#include <charconv>

namespace kv::viz {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// `value` / 10^decimals with trailing zeros of the fraction removed.
std::string scaled(uint64_t value, int decimals) {
  uint64_t unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  std::string out = std::to_string(value / unit);
  uint64_t fraction = value % unit;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, static_cast<size_t>(decimals) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

bool is_plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-' || c == '.' || c == ':' || c == '/';
}

// Would `text` unquoted read as something other than a string?
bool looks_like_non_string(std::string_view text) {
  if (text == "true" || text == "false" || text == "null") return true;
  const char c = text.front();
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
}

}  // namespace

std::string format_time_us(int64_t us) {
  if (us < 0) return std::string("-").append(format_time_us(us == INT64_MIN ? INT64_MAX : -us));
  const auto u = static_cast<uint64_t>(us);
  if (u < 1000) return std::to_string(u) + "us";
  if (u < 1000000) return scaled(u, 3) + "ms";
  return scaled(u, 6) + "s";
}

std::string clock_text(const Clock& clock) {
  std::string out = "[";
  for (size_t i = 0; i < clock.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(clock.slots()[i]);
  }
  out += ']';
  return out;
}

std::string value_text(std::string_view value_json, size_t max_chars) {
  std::string out;
  if (value_json.size() >= 3 && value_json.front() == '"' && value_json.back() == '"') {
    const std::string_view inner = value_json.substr(1, value_json.size() - 2);
    if (std::all_of(inner.begin(), inner.end(), is_plain_char) && !looks_like_non_string(inner)) {
      out = inner;
    }
  }
  if (out.empty()) out = value_json;
  if (out.size() > max_chars && max_chars >= 4) {
    out.resize(max_chars - 3);
    out += "...";
  }
  return out;
}

std::string version_text(std::string_view value_json, const Clock& clock) {
  return value_text(value_json) + "@" + clock_text(clock);
}

std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      // Shown, not interpreted: DOT would read "\x" as an unknown escape.
      out += "\\\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

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

bool parse_time_us(std::string_view text, int64_t& out) {
  int decimals_allowed = 0;
  uint64_t unit = 1;
  if (text.size() > 2 && text.substr(text.size() - 2) == "us") {
    text.remove_suffix(2);
  } else if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    text.remove_suffix(2);
    decimals_allowed = 3;
    unit = 1000;
  } else if (text.size() > 1 && text.back() == 's') {
    text.remove_suffix(1);
    decimals_allowed = 6;
    unit = 1000000;
  } else {
    return false;
  }
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return false;
  if (static_cast<int>(fraction.size()) > decimals_allowed) return false;
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(whole) || !all_digits(fraction)) return false;
  uint64_t w = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
  if (ec != std::errc() || end != whole.data() + whole.size()) return false;
  uint64_t f = 0;
  for (int i = 0; i < decimals_allowed; ++i) {
    const size_t index = static_cast<size_t>(i);
    f = f * 10 + (index < fraction.size() ? static_cast<uint64_t>(fraction[index] - '0') : 0);
  }
  if (w > static_cast<uint64_t>(INT64_MAX) / unit) return false;
  const uint64_t total = w * unit + f;
  if (total > static_cast<uint64_t>(INT64_MAX)) return false;
  out = static_cast<int64_t>(total);
  return true;
}

}  // namespace kv::viz
