// The fast reader of request lines; see request_scan.h for the subset it
// accepts and why its Request equals the full path's.
//
// Every reader below returns false to decline the line; nothing it did is
// used then. Depth counts open containers from the envelope (depth 1), as
// json::nesting_depth does, so a line accepted here is never too deep for the
// full path.
#include "node/request_scan.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace kv {

namespace {

// Printable ASCII other than '"' and '\\': written as is by json::dump.
bool is_plain(char c) {
  return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

// The escapes json::dump writes back as they came: the character after '\\'.
bool is_kept_escape(char c) {
  return c == '"' || c == '\\' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't';
}

// For a member that may come once: false when it came already.
bool first_time(bool& seen) {
  return !std::exchange(seen, true);
}

}  // namespace

bool RequestScanner::skip(char c) {
  skip_space();
  if (p_ == end_ || *p_ != c) return false;
  ++p_;
  return true;
}

void RequestScanner::skip_space() {
  while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
}

// A string of plain characters only; `text` is its content, unquoted.
bool RequestScanner::plain_string(std::string_view& text) {
  if (!skip('"')) return false;
  const char* begin = p_;
  while (p_ != end_ && is_plain(*p_)) ++p_;
  if (p_ == end_ || *p_ != '"') return false;
  text = std::string_view(begin, static_cast<size_t>(p_ - begin));
  ++p_;
  return true;
}

// A string of plain characters and kept escapes, appended quoted as it is.
bool RequestScanner::value_string(std::string& out) {
  if (!skip('"')) return false;
  const char* begin = p_ - 1;
  for (;;) {
    while (p_ != end_ && is_plain(*p_)) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '"') break;
    if (*p_ != '\\' || end_ - p_ < 2 || !is_kept_escape(p_[1])) return false;
    p_ += 2;
  }
  ++p_;
  out.append(begin, p_);
  return true;
}

// -?(0|[1-9][0-9]*) that fits in int64 (negative) or uint64, not "-0" and not
// followed by a fraction or an exponent. Such text is json::dump's text of
// the integer nlohmann reads from it.
bool RequestScanner::integer(std::string_view& text, bool& negative) {
  skip_space();
  const char* begin = p_;
  negative = p_ != end_ && *p_ == '-';
  if (negative) ++p_;
  const char* digits = p_;
  while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  const size_t count = static_cast<size_t>(p_ - digits);
  if (count == 0 || (*digits == '0' && (count > 1 || negative))) return false;
  if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
  std::from_chars_result fit;
  if (negative) {
    int64_t parsed;
    fit = std::from_chars(begin, p_, parsed);
  } else {
    uint64_t parsed;
    fit = std::from_chars(begin, p_, parsed);
  }
  if (fit.ec != std::errc() || fit.ptr != p_) return false;
  text = std::string_view(begin, static_cast<size_t>(p_ - begin));
  return true;
}

bool RequestScanner::literal(std::string_view word, std::string& out) {
  if (static_cast<size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return false;
  }
  p_ += word.size();
  out.append(word);
  return true;
}

// Any value of the subset, appended to `out` in json::dump form. `depth`
// counts the containers open around it.
bool RequestScanner::value(std::string& out, size_t depth) {
  skip_space();
  if (p_ == end_) return false;
  switch (*p_) {
    case '"':
      return value_string(out);
    case '{':
      return object(out, depth + 1);
    case '[':
      return array(out, depth + 1);
    case 't':
      return literal("true", out);
    case 'f':
      return literal("false", out);
    case 'n':
      return literal("null", out);
    default:
      break;
  }
  std::string_view text;
  bool negative;
  if (!integer(text, negative)) return false;
  out.append(text);
  return true;
}

// An object of a value, `depth` counting it; no key repeated.
bool RequestScanner::object(std::string& out, size_t depth) {
  if (depth > kMaxNestingDepth) return false;
  ++p_;  // '{'
  out.push_back('{');
  if (skip('}')) {
    out.push_back('}');
    return true;
  }
  const size_t first_key = keys_.size();
  for (;;) {
    const size_t key_begin = out.size();
    if (!value_string(out)) return false;
    const std::string_view key(out.data() + key_begin, out.size() - key_begin);
    for (size_t k = first_key; k < keys_.size(); ++k) {
      if (std::string_view(out.data() + keys_[k].first, keys_[k].second) == key) return false;
    }
    keys_.emplace_back(key_begin, key.size());
    if (!skip(':')) return false;
    out.append(": ", 2);
    if (!value(out, depth)) return false;
    if (skip(',')) {
      out.append(", ", 2);
      continue;
    }
    if (!skip('}')) return false;
    out.push_back('}');
    keys_.resize(first_key);
    return true;
  }
}

bool RequestScanner::array(std::string& out, size_t depth) {
  if (depth > kMaxNestingDepth) return false;
  ++p_;  // '['
  out.push_back('[');
  if (skip(']')) {
    out.push_back(']');
    return true;
  }
  for (;;) {
    if (!value(out, depth)) return false;
    if (skip(',')) {
      out.append(", ", 2);
      continue;
    }
    if (!skip(']')) return false;
    out.push_back(']');
    return true;
  }
}

bool RequestScanner::clock(std::vector<uint64_t>& slots) {
  if (!skip('[')) return false;
  if (skip(']')) return true;
  for (;;) {
    std::string_view text;
    bool negative;
    if (!integer(text, negative) || negative || slots.size() == kMaxClockSlots) return false;
    uint64_t slot = 0;
    std::from_chars(text.data(), text.data() + text.size(), slot);  // fits: integer() checked
    slots.push_back(slot);
    if (skip(',')) continue;
    return skip(']');
  }
}

bool RequestScanner::node_ids(std::vector<std::string>& names) {
  if (!skip('[')) return false;
  if (skip(']')) return true;
  for (;;) {
    std::string_view name;
    if (!plain_string(name)) return false;
    names.emplace_back(name);
    if (skip(',')) continue;
    return skip(']');
  }
}

// The body object (depth 2): its type, msg_id and the fields its type needs.
bool RequestScanner::body(Request& request) {
  if (!skip('{')) return false;
  bool has_type = false, has_msg_id = false, has_key = false, has_value = false;
  bool has_clock = false, has_node_id = false, has_node_ids = false;
  std::string_view type;
  if (skip('}')) return false;  // no msg_id
  for (;;) {
    std::string_view name;
    if (!plain_string(name) || !skip(':')) return false;
    std::string_view text;
    bool ok;
    if (name == "type") {
      ok = first_time(has_type) && plain_string(type);
    } else if (name == "msg_id") {
      bool negative;
      ok = first_time(has_msg_id) && integer(text, negative);
      request.msg_id.assign(text);
    } else if (name == "key") {
      ok = first_time(has_key) && plain_string(text);
      request.key.assign(text);
    } else if (name == "value") {
      ok = first_time(has_value) && value(request.value, 2);
    } else if (name == "clock") {
      ok = first_time(has_clock) && clock(request.clock);
    } else if (name == "node_id") {
      ok = first_time(has_node_id) && plain_string(text);
      request.node_id.assign(text);
    } else if (name == "node_ids") {
      ok = first_time(has_node_ids) && node_ids(request.node_ids);
    } else {
      ignored_.clear();
      ok = value(ignored_, 2);
    }
    if (!ok) return false;
    if (skip(',')) continue;
    if (!skip('}')) return false;
    break;
  }
  if (!has_type || !has_msg_id) return false;
  // Only the fields of the request's type are kept, as the full path reads
  // only those.
  const std::optional<MsgType> t = request_type_named(type);
  if (!t) return false;
  request.type = *t;
  if (*t == MsgType::kInit) {
    request.key.clear();
    request.value.clear();
    request.clock.clear();
    return has_node_id && has_node_ids;
  }
  request.node_id.clear();
  request.node_ids.clear();
  if (*t == MsgType::kGet) {
    request.value.clear();
    request.clock.clear();
    return has_key;
  }
  return has_key && has_value && has_clock;
}

bool RequestScanner::scan(std::string_view line, Request& request) {
  p_ = line.data();
  end_ = line.data() + line.size();
  keys_.clear();
  request.key.clear();
  request.value.clear();
  request.clock.clear();
  request.node_id.clear();
  request.node_ids.clear();
  request.dest.reset();

  if (!skip('{') || skip('}')) return false;
  bool has_src = false, has_dest = false, has_body = false;
  for (;;) {
    std::string_view name;
    if (!plain_string(name) || !skip(':')) return false;
    bool ok;
    if (name == "src") {
      std::string_view src;
      ok = first_time(has_src) && plain_string(src);
      request.src.assign(src);
    } else if (name == "dest") {
      std::string_view dest;
      ok = first_time(has_dest) && plain_string(dest);
      request.dest.emplace(dest);
    } else if (name == "body") {
      ok = first_time(has_body) && body(request);
    } else {
      ignored_.clear();
      ok = value(ignored_, 1);
    }
    if (!ok) return false;
    if (skip(',')) continue;
    if (!skip('}')) return false;
    break;
  }
  skip_space();
  return p_ == end_ && has_src && has_body;
}

}  // namespace kv
