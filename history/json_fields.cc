#include "history/json_fields.h"

#include <string_view>

namespace kv::history {

using json::Json;

std::string parse_error_text(const char* what) {
  std::string_view text(what);
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find("] ");
    if (close != std::string_view::npos) text.remove_prefix(close + 2);
  }
  return "not JSON: " + std::string(text);
}

const char* json_type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

bool as_uint(const Json& j, uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

Status as_clock(const Json& j, Clock& out) {
  if (!j.is_array()) {
    return Status::bad_input(std::string("must be an array of non-negative integers, not ") +
                             json_type_name(j));
  }
  if (j.size() > kMaxClockSlots) {
    return Status::bad_input("has " + std::to_string(j.size()) + " slots, more than " +
                             std::to_string(kMaxClockSlots));
  }
  std::vector<uint64_t> slots;
  slots.reserve(j.size());
  for (const Json& slot : j) {
    uint64_t value = 0;
    if (!as_uint(slot, value)) {
      return Status::bad_input("must hold non-negative integers that fit in 64 bits");
    }
    slots.push_back(value);
  }
  out = Clock(std::move(slots));
  return Status();
}

}  // namespace kv::history
