#include "viz/text.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

#include "node/names.h"

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

// A JSON array of ascending distinct integers with a run of three or more
// consecutive ones, written with each such run as "first..last":
// [0, 1, 2, 3, 5] -> "[0..3, 5]" (Riak's union values read at a glance).
// False (out untouched) for anything else.
bool integer_runs(std::string_view json, std::string& out) {
  if (json.size() < 2 || json.front() != '[' || json.back() != ']') return false;
  std::vector<int64_t> ints;
  std::string_view rest = json.substr(1, json.size() - 2);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int64_t x = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), x);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size()) return false;
    if (!ints.empty() && x <= ints.back()) return false;
    ints.push_back(x);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::string text = "[";
  bool shorter = false;
  for (size_t i = 0; i < ints.size();) {
    size_t j = i;
    while (j + 1 < ints.size() && ints[j + 1] == ints[j] + 1) ++j;
    if (i > 0) text += ", ";
    if (j >= i + 2) {
      text += std::to_string(ints[i]) + ".." + std::to_string(ints[j]);
      shorter = true;
    } else {
      text += std::to_string(ints[i]);
      if (j > i) text += ", " + std::to_string(ints[j]);
    }
    i = j + 1;
  }
  if (!shorter) return false;
  out = text + "]";
  return true;
}

bool hex4(std::string_view s, size_t at, uint32_t& out) {
  if (at + 4 > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    const uint32_t digit = c >= '0' && c <= '9'   ? static_cast<uint32_t>(c - '0')
                           : c >= 'a' && c <= 'f' ? static_cast<uint32_t>(c - 'a' + 10)
                           : c >= 'A' && c <= 'F' ? static_cast<uint32_t>(c - 'A' + 10)
                                                  : 16;
    if (digit == 16) return false;
    out = out * 16 + digit;
  }
  return true;
}

// Characters the story writes as themselves: printable non-ASCII. Controls
// (C1), lone surrogates, zero-width and direction marks, line and paragraph
// separators and the byte-order mark stay escaped: they would hide or
// rearrange the text around them.
bool shown_as_text(uint32_t cp) {
  return cp >= 0xa0 && !(cp >= 0xd800 && cp <= 0xdfff) && !(cp >= 0x200b && cp <= 0x200f) &&
         !(cp >= 0x2028 && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069) && cp != 0xfeff;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
  }
  out += static_cast<char>(0x80 | (cp & 0x3f));
}

}  // namespace

std::string readable(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  size_t i = 0;
  while (i < json_text.size()) {
    uint32_t cp = 0;
    if (json_text[i] != '\\' || i + 1 == json_text.size()) {
      out += json_text[i++];
      continue;
    }
    if (json_text[i + 1] != 'u' || !hex4(json_text, i + 2, cp)) {
      out.append(json_text.substr(i, 2));  // \n, \\, \" ...: kept, never split
      i += 2;
      continue;
    }
    size_t length = 6;
    uint32_t low = 0;
    if (cp >= 0xd800 && cp <= 0xdbff && json_text.substr(i + 6, 2) == "\\u" &&
        hex4(json_text, i + 8, low) && low >= 0xdc00 && low <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      length = 12;
    }
    if (shown_as_text(cp)) {
      append_utf8(out, cp);
      i += length;
    } else {
      out.append(json_text.substr(i, 6));
      i += 6;
    }
  }
  return out;
}

std::string key_text(const std::string& key) {
  std::string json;
  kv::json::dump_string(key, json);
  return readable(value_text(json, 64));
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
  if (out.empty() && !integer_runs(value_json, out)) out = value_json;
  if (out.size() > max_chars && max_chars >= 4) {
    out.resize(max_chars - 3);
    out += "...";
  }
  return out;
}

std::string version_text(std::string_view value_json, const Clock& clock) {
  return value_text(value_json) + "@" + clock_text(clock);
}

std::string timestamp_text(const Dot& dot) {
  return node_name(dot.node) + ":" + format_time(static_cast<int64_t>(dot.counter));
}

std::string version_text(std::string_view value_json, const Clock& clock, const Dot& dot) {
  if (!(dot.flags & Dot::kTimestamp)) return version_text(value_json, clock);
  return value_text(value_json) + "@" + timestamp_text(dot);
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
