#include "grade/explain.h"

#include <vector>

#include "base/json_text.h"

namespace kv::grade {

namespace {

using Loose = nlohmann::json;

std::string plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string key_text(const Situation& s) {
  return s.key ? value_text(json::dump(json::Json(*s.key))) : std::string("?");
}

std::string version_text(const HeldVersion& v) {
  return value_text(v.value) + " " + clock_text(v.clock);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

// "[1] is [1,0]": the first sibling whose length differs from the write's,
// the shorter of the two padded to the longer.
std::string padding_note(const Situation& s) {
  if (!s.padded || !s.clock) return "";
  const Clock incoming(*s.clock);
  for (const HeldVersion& v : s.before) {
    if (v.clock.size() == incoming.size()) continue;
    const Clock& shorter = v.clock.size() < incoming.size() ? v.clock : incoming;
    const size_t length = std::max(v.clock.size(), incoming.size());
    Clock padded = shorter;
    while (padded.size() < length) padded.merge(Clock::zeros(length));
    return " (clocks of different lengths compare as if the shorter had zeros at the end: " +
           clock_text(shorter) + " is " + clock_text(padded) + ")";
  }
  return "";
}

}  // namespace

std::string clock_text(const Clock& clock) {
  std::string out = "[";
  for (size_t i = 0; i < clock.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(clock.at(i));
  }
  return out + "]";
}

std::string value_text(const std::string& json_text) {
  const json::Json v = json::Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json_text : v.dump();
}

std::string summarize(const Loose& body) {
  if (!body.is_object()) return "no reply";
  const Loose type = body.value("type", Loose());
  if (type == "error") {
    const Loose code = body.value("code", Loose());
    const Loose text = body.value("text", Loose());
    std::string out = "an error (code " + code.dump();
    if (text.is_string()) out += ": " + text.get<std::string>();
    return out + ")";
  }
  if (type == "kv_put_ok" || type == "kv_resolve_ok") {
    const Loose status = body.value("status", Loose());
    if (!status.is_string()) return type.get<std::string>() + " without a status";
    std::string out = "status " + status.get<std::string>();
    if (status == "conflict") {
      const Loose siblings = body.value("siblings", Loose());
      out += siblings.is_number_integer() && siblings.get<int64_t>() == 1
                 ? " with 1 sibling"
                 : " with " + (siblings.is_null() ? std::string("no count of") : siblings.dump()) +
                       " siblings";
    }
    return out;
  }
  if (type == "kv_get_ok") {
    const Loose values = body.value("values", Loose());
    if (!values.is_array()) return "kv_get_ok without values";
    return "values " + values.dump();
  }
  return type.is_string() ? type.get<std::string>() : "a reply without a type";
}

std::string explain_write(const Situation& s) {
  if (!s.clock) return describe(s);
  const Clock incoming(*s.clock);
  const std::string in = clock_text(incoming);
  std::vector<std::string> dominated, concurrent, equal;
  std::string stale_by;
  for (const HeldVersion& v : s.before) {
    switch (compare(incoming, v.clock)) {
      case Order::kDominates:
        dominated.push_back(clock_text(v.clock));
        break;
      case Order::kDominated:
        if (stale_by.empty()) stale_by = clock_text(v.clock);
        break;
      case Order::kConcurrent:
        concurrent.push_back(clock_text(v.clock));
        break;
      case Order::kEqual:
        equal.push_back(version_text(v));
        break;
    }
  }
  const bool resolving = s.type == "kv_resolve";
  std::string out;
  switch (s.write_case) {
    case Case::kEmpty:
      out = "key " + key_text(s) + " holds nothing yet, so the write is stored";
      break;
    case Case::kStale:
      out = "stored " + stale_by + " dominates incoming " + in +
            ": the write is stale, so it is rejected and nothing changes";
      break;
    case Case::kDuplicate:
      out = "stored " + join(equal) + " is this very write (same value, equal clock)";
      break;
    case Case::kEqualClock:
      out = "stored " + join(equal) + " and incoming " + value_text(s.value) + " " + in +
            " have equal clocks: neither dominates (that needs an entry greater), so both are kept";
      if (!dominated.empty()) out += ", and the write replaces " + join(dominated);
      break;
    case Case::kOverwrite:
      out = "incoming " + in + " dominates " +
            (dominated.size() == 1
                 ? "stored " + dominated[0] + ", so it overwrites it"
                 : "every stored clock (" + join(dominated) + "), so it replaces them all");
      if (resolving) out += ": one value is left";
      break;
    case Case::kConcurrent:
      if (dominated.empty() && concurrent.size() == 1) {
        out = "stored " + concurrent[0] + " and incoming " + in +
              ": neither dominates, so both are kept";
      } else if (dominated.empty()) {
        out = "incoming " + in + " and stored " + join(concurrent) +
              ": none dominates another, so all " + std::to_string(concurrent.size() + 1) +
              " are kept";
      } else {
        out = "incoming " + in + " dominates stored " + join(dominated) +
              " (replaced) and neither dominates stored " + join(concurrent) + " (kept), so " +
              std::to_string(concurrent.size() + 1) + " siblings are left";
      }
      break;
    case Case::kNone:
      return describe(s);
  }
  return (resolving ? "kv_resolve: " : "") + out + padding_note(s);
}

std::string explain_read(const Situation& s, const Loose& expected_values,
                         const Loose& got_values) {
  std::string out;
  if (s.before.empty()) {
    out = "key " + key_text(s) + " was never written (or holds nothing): the read returns []";
  } else {
    std::vector<std::string> held;
    for (const HeldVersion& v : s.before) held.push_back(version_text(v));
    out = "key " + key_text(s) + " holds " + plural(held.size(), "value", "siblings") +
          ", every write it kept (those no other write dominates): " + join(held);
  }
  if (got_values.is_null()) return out;
  std::vector<std::string> missing, extra;
  auto text = [](const Loose& v) {
    return v.is_object() ? v.value("value", Loose()).dump() + " " + v.value("clock", Loose()).dump()
                         : v.dump();
  };
  if (expected_values.is_array() && got_values.is_array()) {
    Loose left = got_values;
    for (const Loose& e : expected_values) {
      bool found = false;
      for (size_t i = 0; i < left.size() && !found; ++i) {
        if (left[i] == e) {
          left.erase(i);
          found = true;
        }
      }
      if (!found) missing.push_back(text(e));
    }
    for (const Loose& g : left) extra.push_back(text(g));
  }
  std::vector<std::string> returned;
  if (got_values.is_array()) {
    for (const Loose& g : got_values) returned.push_back(text(g));
  }
  out += "; the read returned " + (!got_values.is_array() ? got_values.dump()
                                   : returned.empty()     ? std::string("nothing")
                                                          : join(returned));
  if (!missing.empty()) out += ", missing " + join(missing);
  if (!extra.empty()) out += ", with " + join(extra) + " that the key does not hold";
  return out;
}

std::string explain_unservable(const Situation& s, const Loose& expected_body) {
  const Loose text = expected_body.value("text", Loose());
  std::string why = text.is_string() ? text.get<std::string>() : "it is malformed";
  return describe(s) + " cannot be served (" + why +
         "), so the reply is an error and nothing "
         "changes";
}

std::string explain_choice(const Situation& s, Choice choice) {
  (void)s;
  return "kvsim's own choice where the task is silent (" + std::string(choice_info(choice).title) +
         ": " + std::string(choice_info(choice).words) + ")";
}

}  // namespace kv::grade
