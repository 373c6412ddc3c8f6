// A JSON field kit for the history reader: field access on one line's
// object with "WHERE: field \"x\" must be ..., not ..." errors, and reading
// the values a history holds (unsigned integers, clocks, versions).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/json_text.h"
#include "base/limits.h"
#include "base/status.h"
#include "history/history.h"
#include "node/clock.h"

namespace kv::history {

// nlohmann's messages start "[json.exception.parse_error.101] "; the bracket
// names the library's error class, which means nothing to a reader: "not
// JSON: " and the rest.
std::string parse_error_text(const char* what);
// "null", "a boolean", "an integer", "a number", "a string", "an array", "an object".
const char* json_type_name(const json::Json& j);
// A non-negative integer that fits in 64 bits.
bool as_uint(const json::Json& j, uint64_t& out);
// A clock: an array of at most kMaxClockSlots non-negative 64-bit integers;
// otherwise bad input whose message completes "the clock ..." ("must be an
// array of ...").
Status as_clock(const json::Json& j, Clock& out);

// Field access for one line's object. The first failure is kept in error();
// later calls after a failure are cheap no-ops returning false.
class Fields {
 public:
  Fields(const json::Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  const json::Json* find(const char* name) const {
    auto it = object_.find(name);
    return it == object_.end() ? nullptr : &*it;
  }

  const json::Json* need(const char* name) {
    if (!ok()) return nullptr;
    const json::Json* j = find(name);
    if (j == nullptr) fail(std::string("field \"") + name + "\" is missing");
    return j;
  }

  bool str(const char* name, std::string& out) {
    const json::Json* j = need(name);
    if (j == nullptr) return false;
    if (!j->is_string()) return wrong(name, "a string", *j);
    out = j->get<std::string>();
    return true;
  }

  // A participant's name: a non-empty string.
  bool name(const char* field, std::string& out) {
    if (!str(field, out)) return false;
    if (out.empty()) return fail(std::string("field \"") + field + "\" is an empty name");
    return true;
  }

  bool uint(const char* name, uint64_t& out) {
    const json::Json* j = need(name);
    if (j == nullptr) return false;
    if (!as_uint(*j, out)) return wrong(name, "a non-negative integer", *j);
    return true;
  }

  bool positive(const char* name, uint64_t& out) {
    if (!uint(name, out)) return false;
    if (out == 0) return fail(std::string("field \"") + name + "\" must be at least 1");
    return true;
  }

  bool boolean(const char* name, bool& out) {
    const json::Json* j = need(name);
    if (j == nullptr) return false;
    if (!j->is_boolean()) return wrong(name, "true or false", *j);
    out = j->get<bool>();
    return true;
  }

  bool clock(const char* name, Clock& out) {
    const json::Json* j = need(name);
    if (j == nullptr) return false;
    if (Status s = as_clock(*j, out); !s.ok()) {
      return fail(std::string("field \"") + name + "\" " + s.message());
    }
    return true;
  }

  bool value(const char* name, std::string& out) {
    const json::Json* j = need(name);
    if (j == nullptr) return false;
    out = kv::json::dump(*j);
    return true;
  }

  bool names(const char* field, const json::Json& j, std::vector<std::string>& out) {
    if (!j.is_array()) return wrong(field, "a list of names", j);
    for (const json::Json& item : j) {
      if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
        return fail(std::string("field \"") + field + "\" must list non-empty names");
      }
      out.push_back(item.get<std::string>());
    }
    return true;
  }

  // `[{"value": V, "clock": [..]}, ...]`
  bool versions(const char* field, const json::Json& j, std::vector<VersionText>& out) {
    if (!j.is_array()) return wrong(field, "a list of versions", j);
    for (const json::Json& item : j) {
      if (!version(field, item, out.emplace_back())) return false;
    }
    return true;
  }

  bool version(const char* field, const json::Json& j, VersionText& out) {
    if (!j.is_object()) {
      return fail(std::string("field \"") + field +
                  "\" must hold versions {\"value\": .., \"clock\": [..]}");
    }
    auto value = j.find("value");
    auto clock = j.find("clock");
    if (value == j.end() || clock == j.end()) {
      return fail(std::string("field \"") + field +
                  "\" holds a version without \"value\" or \"clock\"");
    }
    if (Status s = as_clock(*clock, out.clock); !s.ok()) {
      return fail(std::string("field \"") + field + "\" holds a version whose clock " +
                  s.message());
    }
    out.value = kv::json::dump(*value);
    // lww's "timestamp", [slot, microseconds], names the version as a dot does.
    auto dot = j.find("dot");
    const bool timestamp = dot == j.end();
    if (timestamp) dot = j.find("timestamp");
    if (dot == j.end()) return true;
    if (!this->dot(field, *dot, out)) return false;
    if (timestamp) out.dot.flags |= Dot::kTimestamp;
    return true;
  }

  // A version's "dot": [node, counter].
  bool dot(const char* field, const json::Json& j, VersionText& out) {
    if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() ||
        !j[1].is_number_unsigned() || j[0].get<uint64_t>() >= Dot::kNone) {
      return fail(std::string("field \"") + field +
                  "\" holds a version whose dot is not [node, counter]");
    }
    out.has_dot = true;
    out.dot_node = j[0].get<uint64_t>();
    out.dot_counter = j[1].get<uint64_t>();
    out.dot.node = static_cast<uint32_t>(out.dot_node);
    out.dot.counter = out.dot_counter;
    return true;
  }

  bool fail(std::string what) {
    if (ok()) error_ = where_ + ": " + what;
    return false;
  }

 private:
  // A number is quoted (`not -5`), short as it is; anything else is named
  // by its type (`not a string`).
  bool wrong(const char* name, const char* expected, const json::Json& got) {
    std::string what = json_type_name(got);
    if (got.is_number()) what = kv::json::dump(got);
    return fail(std::string("field \"") + name + "\" must be " + expected + ", not " + what);
  }

  const json::Json& object_;
  std::string where_;
  std::string error_;
};

}  // namespace kv::history
