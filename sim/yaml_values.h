// Values of a scenario read from YAML fields (sim/yaml_fields.h): whole
// numbers, bools, choices, times (by base/time_text.h's grammar, at most
// kMaxRunUntilUs), probabilities, and values as JSON text. Each refuses a bad
// value with LoadError, naming the field.
//
// Values (put/resolve values, expect.values) become JSON text by one rule:
// quoted scalars are strings; a plain scalar that YAML 1.2's core schema reads
// as null, a bool, an int or a float becomes that JSON literal, any other a
// string; lists become arrays and maps objects, in file order. The text is
// written by kv::json::dump, as Python's json.dumps would write it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/json_text.h"
#include "base/rng.h"
#include "base/time.h"
#include "sim/yaml_fields.h"

namespace kv::sim::yaml {

// Whether `text` is one or more decimal digits.
bool all_digits(std::string_view text);
// Decimal digits to a number; nullopt if `text` is not all digits or the
// number does not fit in 64 bits.
std::optional<uint64_t> parse_decimal(std::string_view text);

// "A..B" with A <= B (decimal): a range of seeds, as `kvsim sweep --seeds`
// and a scenario's `sweep: seeds:` write it.
std::optional<std::pair<uint64_t, uint64_t>> parse_seed_range(std::string_view text);
// "50%" or "50": a percentage from 0 to 100, as `--require` and a
// scenario's `sweep: require:` write it.
std::optional<uint64_t> parse_percent(std::string_view text);

uint64_t read_uint(const Field& field, uint64_t min, uint64_t max);
std::pair<uint64_t, uint64_t> read_seed_range(const Field& field);
uint64_t read_percent(const Field& field);
// true/True/TRUE or false/False/FALSE.
bool read_bool(const Field& field);
// The index in `choices` of the field's word.
size_t read_choice(const Field& field, std::initializer_list<std::string_view> choices);
// A time in microseconds, 0 to kMaxRunUntilUs.
int64_t read_time(const Field& field);
// A time above 0.
Duration read_positive_duration(const Field& field);
// "0", "1", "0.05", ".5", "1.0": exactly, as parts per billion.
Probability read_probability(const Field& field);

// Values as JSON, counting every element read across all the values it
// converts against kMaxValueElements (aliases expanded), and each value's
// nesting against kMaxValueDepth.
class JsonFromYaml {
 public:
  // The field's value as JSON text (json::dump form).
  std::string value_text(const Field& field);

 private:
  json::Json to_json(const Field& field, size_t depth);
  json::Json plain_scalar(const Field& field);
  std::string object_key(const Field& key);
  void check_tag(const Field& field);

  uint64_t elements_ = 0;
};

}  // namespace kv::sim::yaml
