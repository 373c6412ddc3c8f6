// Python-compatible JSON text; see json_text.h for the contract.
//
// The writer is iterative (an explicit stack of open containers), so a value
// nested deeper than the C++ stack could recurse through is still written
// rather than crashing the node: nlohmann's parser and destructor are
// iterative too, so such a value can reach us from a single input line.
#include "base/json_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <system_error>
#include <vector>

#include "base/assert.h"

namespace kv::json {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// What a byte of UTF-8 text needs when written inside a JSON string.
enum ByteClass : uint8_t {
  kPlain = 0,     // printable ASCII written as is: 0x20..0x7e except '"' and '\\'
  kEscape = 1,    // ASCII that Python escapes: '"', '\\', controls, and DEL (0x7f)
  kNonAscii = 2,  // a byte of a multi-byte UTF-8 sequence
};

constexpr std::array<uint8_t, 256> make_byte_classes() {
  std::array<uint8_t, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    if (b >= 0x80) {
      classes[b] = kNonAscii;
    } else if (b < 0x20 || b == 0x7f || b == '"' || b == '\\') {
      classes[b] = kEscape;
    } else {
      classes[b] = kPlain;
    }
  }
  return classes;
}

constexpr std::array<uint8_t, 256> kByteClasses = make_byte_classes();

void append_u_escape(uint32_t unit, std::string& out) {
  const char text[6] = {'\\',
                        'u',
                        kHexDigits[(unit >> 12) & 0xf],
                        kHexDigits[(unit >> 8) & 0xf],
                        kHexDigits[(unit >> 4) & 0xf],
                        kHexDigits[unit & 0xf]};
  out.append(text, sizeof text);
}

void append_ascii_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"':
      out.append("\\\"", 2);
      return;
    case '\\':
      out.append("\\\\", 2);
      return;
    case '\n':
      out.append("\\n", 2);
      return;
    case '\r':
      out.append("\\r", 2);
      return;
    case '\t':
      out.append("\\t", 2);
      return;
    case '\b':
      out.append("\\b", 2);
      return;
    case '\f':
      out.append("\\f", 2);
      return;
    default:
      append_u_escape(c, out);
      return;
  }
}

// Decodes one UTF-8 sequence starting at text[i] (a byte >= 0x80) and returns
// its length; `code_point` receives U+FFFD when the sequence is ill-formed
// (the length is then 1, so each bad byte becomes one replacement character).
// Well-formed means exactly Unicode's table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF.
size_t decode_utf8(std::string_view text, size_t i, uint32_t& code_point) {
  constexpr uint32_t kReplacement = 0xfffd;
  const auto byte = [&](size_t k) -> uint32_t {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const auto is_cont = [](uint32_t b) { return (b & 0xc0) == 0x80; };
  const uint32_t b0 = byte(0);
  const uint32_t b1 = byte(1);
  if (b0 >= 0xc2 && b0 <= 0xdf && is_cont(b1)) {
    code_point = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
    return 2;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const uint32_t lo = b0 == 0xe0 ? 0xa0 : 0x80;
    const uint32_t hi = b0 == 0xed ? 0x9f : 0xbf;
    const uint32_t b2 = byte(2);
    if (b1 >= lo && b1 <= hi && is_cont(b2)) {
      code_point = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      return 3;
    }
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const uint32_t lo = b0 == 0xf0 ? 0x90 : 0x80;
    const uint32_t hi = b0 == 0xf4 ? 0x8f : 0xbf;
    const uint32_t b2 = byte(2);
    const uint32_t b3 = byte(3);
    if (b1 >= lo && b1 <= hi && is_cont(b2) && is_cont(b3)) {
      code_point = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      return 4;
    }
  }
  code_point = kReplacement;
  return 1;
}

void append_code_point_escape(uint32_t code_point, std::string& out) {
  if (code_point < 0x10000) {
    append_u_escape(code_point, out);
    return;
  }
  const uint32_t offset = code_point - 0x10000;
  append_u_escape(0xd800 | (offset >> 10), out);
  append_u_escape(0xdc00 | (offset & 0x3ff), out);
}

// Python's float repr switches to exponent notation when the decimal
// exponent of the shortest digits is below -4 or at least 16.
constexpr int kMinFixedExponent = -4;
constexpr int kMaxFixedExponent = 15;

// Rewrites a shortest scientific form "[-]d[.ddd]e±XX" in positional
// notation, as repr() does for exponents in [-4, 15]: "0.0001", "100.0",
// "12345.678", "1000000000000000.0".
void append_fixed(std::string_view sign, std::string_view digits, int exponent, std::string& out) {
  // At most 17 digits, 4 leading zeros or 15 trailing ones, a sign, ".0".
  char text[48];
  size_t n = 0;
  for (char c : sign) text[n++] = c;
  const int point = exponent + 1;  // digits before the decimal point
  const int count = static_cast<int>(digits.size());
  if (point <= 0) {
    text[n++] = '0';
    text[n++] = '.';
    for (int k = point; k < 0; ++k) text[n++] = '0';
    for (char c : digits) text[n++] = c;
  } else if (point < count) {
    for (int k = 0; k < point; ++k) text[n++] = digits[k];
    text[n++] = '.';
    for (int k = point; k < count; ++k) text[n++] = digits[k];
  } else {
    for (char c : digits) text[n++] = c;
    for (int k = count; k < point; ++k) text[n++] = '0';
    text[n++] = '.';
    text[n++] = '0';
  }
  out.append(text, n);
}

void dump_scalar(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::null:
      out.append("null", 4);
      return;
    case Json::value_t::boolean:
      if (value.get<bool>()) {
        out.append("true", 4);
      } else {
        out.append("false", 5);
      }
      return;
    case Json::value_t::string:
      dump_string(value.get_ref<const Json::string_t&>(), out);
      return;
    case Json::value_t::number_integer:
      dump_int(value.get<Json::number_integer_t>(), out);
      return;
    case Json::value_t::number_unsigned:
      dump_uint(value.get<Json::number_unsigned_t>(), out);
      return;
    case Json::value_t::number_float:
      dump_double(value.get<Json::number_float_t>(), out);
      return;
    case Json::value_t::object:
    case Json::value_t::array:
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  // Containers are handled by dump(); binary and discarded values have no
  // JSON text and nlohmann's parse never produces them.
  KV_ASSERT(false && "dump_scalar: not a JSON scalar");
}

// One container being written: the elements (or members) not yet written
// are those from `next` on.
struct OpenContainer {
  const Json::object_t* object = nullptr;  // set for an object
  const Json::array_t* array = nullptr;    // set for an array
  size_t next = 0;
  size_t size = 0;
};

void open_container(const Json& value, std::string& out, std::vector<OpenContainer>& stack) {
  OpenContainer open;
  if (value.is_object()) {
    open.object = &value.get_ref<const Json::object_t&>();
    open.size = open.object->size();
    out.push_back('{');
  } else {
    open.array = &value.get_ref<const Json::array_t&>();
    open.size = open.array->size();
    out.push_back('[');
  }
  stack.push_back(open);
}

}  // namespace

void dump(const Json& value, std::string& out) {
  if (!value.is_structured()) {
    dump_scalar(value, out);
    return;
  }
  std::vector<OpenContainer> stack;
  stack.reserve(8);
  open_container(value, out, stack);
  while (!stack.empty()) {
    OpenContainer& top = stack.back();
    if (top.next == top.size) {
      out.push_back(top.object != nullptr ? '}' : ']');
      stack.pop_back();
      continue;
    }
    if (top.next > 0) out.append(", ", 2);
    const Json* child;
    if (top.object != nullptr) {
      const auto& member = *(top.object->begin() + static_cast<std::ptrdiff_t>(top.next));
      dump_string(member.first, out);
      out.append(": ", 2);
      child = &member.second;
    } else {
      child = &(*top.array)[top.next];
    }
    ++top.next;  // before open_container, whose push_back may move `top`
    if (child->is_structured()) {
      open_container(*child, out, stack);
    } else {
      dump_scalar(*child, out);
    }
  }
}

std::string dump(const Json& value) {
  std::string out;
  dump(value, out);
  return out;
}

void dump_string(std::string_view utf8, std::string& out) {
  out.push_back('"');
  size_t i = 0;
  const size_t n = utf8.size();
  while (i < n) {
    // Fast path: copy a run of plain ASCII in one append.
    size_t run_end = i;
    while (run_end < n && kByteClasses[static_cast<unsigned char>(utf8[run_end])] == kPlain) {
      ++run_end;
    }
    if (run_end != i) {
      out.append(utf8.data() + i, run_end - i);
      i = run_end;
      if (i == n) break;
    }
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (kByteClasses[c] == kEscape) {
      append_ascii_escape(c, out);
      ++i;
      continue;
    }
    uint32_t code_point;
    i += decode_utf8(utf8, i, code_point);
    append_code_point_escape(code_point, out);
  }
  out.push_back('"');
}

void dump_uint(uint64_t value, std::string& out) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, value);
  KV_ASSERT(result.ec == std::errc());
  out.append(text, result.ptr);
}

void dump_int(int64_t value, std::string& out) {
  char text[24];
  const auto result = std::to_chars(text, text + sizeof text, value);
  KV_ASSERT(result.ec == std::errc());
  out.append(text, result.ptr);
}

void dump_double(double value, std::string& out) {
  // json.dumps writes these JavaScript names (allow_nan=True); a NaN of
  // either sign is "NaN".
  if (std::isnan(value)) {
    out.append("NaN", 3);
    return;
  }
  if (std::isinf(value)) {
    if (value < 0) {
      out.append("-Infinity", 9);
    } else {
      out.append("Infinity", 8);
    }
    return;
  }
  // Shortest round-trip digits in scientific form, e.g. "-1.5e-07". That is
  // already repr()'s text when repr uses an exponent (two exponent digits at
  // least, explicit sign); otherwise it is rewritten positionally.
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific);
  KV_ASSERT(result.ec == std::errc());
  const std::string_view scientific(text, static_cast<size_t>(result.ptr - text));
  const size_t e_pos = scientific.find('e');
  KV_ASSERT(e_pos != std::string_view::npos);
  int exponent = 0;
  const char* exponent_begin = scientific.data() + e_pos + 1;
  if (*exponent_begin == '+') ++exponent_begin;
  const auto parsed = std::from_chars(exponent_begin, result.ptr, exponent);
  KV_ASSERT(parsed.ec == std::errc() && parsed.ptr == result.ptr);
  if (exponent < kMinFixedExponent || exponent > kMaxFixedExponent) {
    out.append(scientific);
    return;
  }
  const size_t sign_size = scientific[0] == '-' ? 1 : 0;
  char digits[20];
  size_t digit_count = 0;
  for (size_t k = sign_size; k < e_pos; ++k) {
    if (scientific[k] != '.') digits[digit_count++] = scientific[k];
  }
  append_fixed(scientific.substr(0, sign_size), std::string_view(digits, digit_count), exponent,
               out);
}

size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace kv::json
