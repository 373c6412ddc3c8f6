#include "viz/text.h"

#include <algorithm>

namespace kv::viz {
namespace {

constexpr char kHex[] = "0123456789abcdef";

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

}  // namespace kv::viz
