// Scalar values of a scenario (whole numbers, bools, choices, times,
// probabilities) and values as JSON: see sim/yaml_values.h.
#include "sim/yaml_values.h"

#include <charconv>
#include <cmath>
#include <set>
#include <string_view>

#include "base/json_text.h"
#include "base/time_text.h"
#include "sim/scenario.h"

namespace kv::sim::yaml {
namespace {

using json::Json;

// YAML 1.2 core schema: does a plain scalar read as an int / a float?
bool looks_like_int(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'x')) {
    const std::string_view digits = text.substr(2);
    const char* allowed = text[1] == 'o' ? "01234567" : "0123456789abcdefABCDEF";
    return digits.find_first_not_of(allowed) == std::string_view::npos;
  }
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return all_digits(text);
}

bool looks_like_float(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  const size_t exponent = text.find_first_of("eE");
  std::string_view mantissa = text.substr(0, exponent);
  if (exponent != std::string_view::npos) {
    std::string_view power = text.substr(exponent + 1);
    if (!power.empty() && (power[0] == '-' || power[0] == '+')) power.remove_prefix(1);
    if (!all_digits(power)) return false;
  }
  const size_t dot = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  if (dot == std::string_view::npos) return all_digits(whole);
  return (whole.empty() || all_digits(whole)) && (fraction.empty() || all_digits(fraction)) &&
         !(whole.empty() && fraction.empty());
}

bool is_infinity_or_nan(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return text == ".inf" || text == ".Inf" || text == ".INF" || text == ".nan" || text == ".NaN" ||
         text == ".NAN";
}

// "tag:yaml.org,2002:int" as people write it: "!!int".
std::string tag_text(const std::string& tag) {
  const std::string_view kCore = "tag:yaml.org,2002:";
  if (tag.compare(0, kCore.size(), kCore) == 0) return "!!" + tag.substr(kCore.size());
  return tag;
}

}  // namespace

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Decimal digits to a number; nullopt if `text` is not all digits or the
// number does not fit in 64 bits.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<std::pair<uint64_t, uint64_t>> parse_seed_range(std::string_view text) {
  const size_t dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  const std::optional<uint64_t> first = parse_decimal(text.substr(0, dots));
  const std::optional<uint64_t> last = parse_decimal(text.substr(dots + 2));
  if (!first || !last || *first > *last) return std::nullopt;
  return std::pair{*first, *last};
}

std::optional<uint64_t> parse_percent(std::string_view text) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  const std::optional<uint64_t> value = parse_decimal(text);
  if (!value || *value > 100) return std::nullopt;
  return value;
}

std::pair<uint64_t, uint64_t> read_seed_range(const Field& field) {
  const std::string text = scalar_text(field);
  const auto range = parse_seed_range(text);
  if (!range) {
    fail(field.line, prefix(field.path) + "expected a range of seeds A..B with A <= B (e.g. " +
                         "1..1000), got " + in_quotes(text));
  }
  return *range;
}

uint64_t read_percent(const Field& field) {
  const std::string text = scalar_text(field);
  const std::optional<uint64_t> percent = parse_percent(text);
  if (!percent) {
    fail(field.line, prefix(field.path) + "expected a percentage from 0 to 100 (e.g. 50%), got " +
                         in_quotes(text));
  }
  return *percent;
}

uint64_t read_uint(const Field& field, uint64_t min, uint64_t max) {
  const std::string text = scalar_text(field);
  const bool negative = text.size() > 1 && text[0] == '-' && all_digits(text.substr(1));
  if (!negative && !all_digits(text)) {
    fail(field.line, prefix(field.path) + "expected a whole number, got " + in_quotes(text));
  }
  const std::optional<uint64_t> value = parse_decimal(text);
  if (!value || *value < min || *value > max) {
    fail(field.line, prefix(field.path) + "must be between " + std::to_string(min) + " and " +
                         std::to_string(max) + ", got " + shortened(text));
  }
  return *value;
}

bool read_bool(const Field& field) {
  const std::string text = scalar_text(field);
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail(field.line, prefix(field.path) + "expected true or false, got " + in_quotes(text));
}

// The index in `choices` of the field's word.
size_t read_choice(const Field& field, std::initializer_list<std::string_view> choices) {
  const std::string text = scalar_text(field);
  size_t i = 0;
  for (std::string_view choice : choices) {
    if (text == choice) return i;
    ++i;
  }
  fail(field.line, prefix(field.path) + "expected " + one_of(choices) + ", got " + in_quotes(text));
}

// A time by base/time_text.h's grammar ("250us", "12ms", "2s", "1.5ms"), at
// most kMaxRunUntilUs.
int64_t read_time(const Field& field) {
  const std::string text = scalar_text(field);
  const std::string where = prefix(field.path);
  const ParsedTime time = parse_time(text, kMaxRunUntilUs);
  switch (time.error) {
    case TimeTextError::kNone:
      return time.us;
    case TimeTextError::kNegative:
      fail(field.line, where + "time cannot be negative, got " + in_quotes(text));
    case TimeTextError::kMalformed:
      fail(field.line, where + "expected a time like 250us, 12ms or 2s, got " + in_quotes(text));
    case TimeTextError::kNoUnit:
      fail(field.line, where + "time needs a unit (us, ms or s), got " + in_quotes(text));
    case TimeTextError::kUnknownUnit:
      fail(field.line, where + "unknown time unit " + in_quotes(time.unit) + " in " +
                           in_quotes(text) + " (use us, ms or s)");
    case TimeTextError::kNotWholeUs:
      fail(field.line, where + in_quotes(text) + " is not a whole number of microseconds");
    case TimeTextError::kTooLarge:
      break;
  }
  fail(field.line, where + "time too large, got " + in_quotes(text) + " (at most 1000 days)");
}

Duration read_positive_duration(const Field& field) {
  const int64_t us = read_time(field);
  if (us == 0) fail(field.line, prefix(field.path) + "must be greater than 0");
  return Duration{us};
}

// "0", "1", "0.05", ".5", "1.0": exactly, as parts per billion.
Probability read_probability(const Field& field) {
  const std::string text = scalar_text(field);
  const std::string where = prefix(field.path);
  const size_t dot = text.find('.');
  const std::string_view whole = std::string_view(text).substr(0, dot);
  const std::string_view fraction =
      dot == std::string::npos ? std::string_view() : std::string_view(text).substr(dot + 1);
  const bool negative = !whole.empty() && whole[0] == '-';
  const std::string_view whole_digits = negative ? whole.substr(1) : whole;
  const bool digits_ok = (whole_digits.empty() || all_digits(whole_digits)) &&
                         (fraction.empty() || all_digits(fraction)) &&
                         !(whole_digits.empty() && fraction.empty());
  if (!digits_ok) {
    fail(field.line, where + "expected a probability like 0.05, got " + in_quotes(text));
  }
  const size_t nonzero = whole_digits.find_first_not_of('0');
  const std::string_view significant =
      nonzero == std::string_view::npos ? std::string_view() : whole_digits.substr(nonzero);
  const bool fraction_zero = fraction.find_first_not_of('0') == std::string_view::npos;
  const bool is_zero = significant.empty() && fraction_zero;
  const bool in_range =
      (!negative || is_zero) && (significant.empty() || (significant == "1" && fraction_zero));
  if (!in_range) {
    fail(field.line, where + "probability must be between 0 and 1, got " + shortened(text));
  }
  constexpr size_t kDigits = 9;  // parts per billion
  if (fraction.size() > kDigits) {
    fail(field.line, where + "more than 9 decimals in " + shortened(text) +
                         " (probabilities are exact to one part per billion)");
  }
  if (significant == "1") return Probability{Probability::kOne};
  std::string digits(fraction);
  digits.resize(kDigits, '0');
  return Probability{*parse_decimal(digits)};
}

std::string JsonFromYaml::value_text(const Field& field) {
  return json::dump(to_json(field, 0));
}

// `depth`: how many lists and maps enclose the value.
Json JsonFromYaml::to_json(const Field& field, size_t depth) {
  if (++elements_ > kMaxValueElements) {
    fail(field.line, prefix(field.path) + "the scenario's values hold more than " +
                         std::to_string(kMaxValueElements) + " elements (aliases expanded)");
  }
  check_tag(field);
  switch (field.node.Type()) {
    case YAML::NodeType::Scalar:
      return field.node.Tag() == "?" ? plain_scalar(field) : Json(field.node.Scalar());
    case YAML::NodeType::Sequence:
    case YAML::NodeType::Map:
      break;
    default:
      return Json(nullptr);
  }
  if (depth >= kMaxValueDepth) {
    fail(field.line,
         prefix(field.path) + "nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
  }
  if (field.node.IsSequence()) {
    Json array = Json::array();
    for (const Field& item : list_items(field)) array.push_back(to_json(item, depth + 1));
    return array;
  }
  Json object = Json::object();
  // ordered_json's own insert looks keys up one by one; a set finds repeats
  // and the members are appended, so a map of N keys costs N log N.
  Json::object_t& members = object.get_ref<Json::object_t&>();
  std::set<std::string> keys;
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const int key_line = line_of(it->first, field.line);
    std::string key = object_key(Field{it->first, field.path, key_line, key_line});
    if (!keys.insert(key).second) {
      fail(key_line, prefix(field.path) + "key " + in_quotes(key) + " is given twice");
    }
    Json value =
        to_json(Field{it->second, field.path, line_of(it->second, key_line), key_line}, depth + 1);
    members.emplace_back(std::move(key), std::move(value));
  }
  return object;
}

// A plain scalar, read by YAML 1.2's core schema.
Json JsonFromYaml::plain_scalar(const Field& field) {
  const std::string& text = field.node.Scalar();
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return Json(nullptr);
  }
  if (text == "true" || text == "True" || text == "TRUE") return Json(true);
  if (text == "false" || text == "False" || text == "FALSE") return Json(false);
  if (is_infinity_or_nan(text)) {
    fail(field.line,
         prefix(field.path) + in_quotes(text) + " has no JSON form (quote it for a string)");
  }
  const std::string out_of_range = prefix(field.path) + "number " + in_quotes(text) +
                                   " is out of range (integers must fit in 64 bits, other "
                                   "numbers in a double)";
  if (looks_like_int(text)) {
    const bool negative = text[0] == '-';
    std::string_view digits = text;
    if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'x')) {
      base = digits[1] == 'o' ? 8 : 16;
      digits.remove_prefix(2);
    }
    uint64_t magnitude = 0;
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    const uint64_t int64_min_magnitude = uint64_t{1} << 63;
    if (error != std::errc() || end != digits.data() + digits.size() ||
        (negative && magnitude > int64_min_magnitude)) {
      fail(field.line, out_of_range);
    }
    if (!negative) return Json(magnitude);
    if (magnitude == 0) return Json(int64_t{0});
    return Json(static_cast<int64_t>(~(magnitude - 1)));  // -magnitude without overflow
  }
  if (looks_like_float(text)) {
    std::string_view digits = text;
    if (digits[0] == '+') digits.remove_prefix(1);
    double value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value)) {
      fail(field.line, out_of_range);
    }
    return Json(value);
  }
  return Json(text);
}

// A map key in a value becomes a JSON object key as Python's json.dumps
// writes a dict key: strings as they are, numbers, bools and null as their
// JSON text ("1", "true", "null").
std::string JsonFromYaml::object_key(const Field& key) {
  if (!key.node.IsScalar() && !key.node.IsNull()) {
    fail(key.line,
         prefix(key.path) + "a key in a value must be a single value, got " + describe(key.node));
  }
  const Json value = to_json(key, 0);
  if (value.is_string()) return value.get<std::string>();
  return json::dump(value);
}

void JsonFromYaml::check_tag(const Field& field) {
  const std::string& tag = field.node.Tag();
  if (tag.empty() || tag == "?" || tag == "!") return;
  const YAML::NodeType::value type = field.node.Type();
  if ((type == YAML::NodeType::Scalar && tag == "tag:yaml.org,2002:str") ||
      (type == YAML::NodeType::Sequence && tag == "tag:yaml.org,2002:seq") ||
      (type == YAML::NodeType::Map && tag == "tag:yaml.org,2002:map") ||
      (type == YAML::NodeType::Null && tag == "tag:yaml.org,2002:null")) {
    return;
  }
  fail(field.line, prefix(field.path) + "unsupported tag " + in_quotes(tag_text(tag)) +
                       " (write the value plain or quoted)");
}

}  // namespace kv::sim::yaml
