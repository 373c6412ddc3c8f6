// The scenario loader: YAML text in, a valid Scenario or "FILE:LINE: what is
// wrong" out (SPEC §3, "Scenarios (YAML)").
//
// yaml-cpp parses the text into nodes; a syntax error is the first possible
// error. Then one pass walks the nodes, checking each field as it converts
// it. The first problem ends the load: a check throws LoadError, which
// load_scenario_text turns into the LoadResult, so no exception leaves this
// file (yaml-cpp's own are caught there too).
//
// Lines: yaml-cpp's marks count from 0, messages from 1. An empty value
// ("key:" and nothing after it) has no trustworthy mark, so it is reported on
// its key's line. Fields are named by their path ("network.loss"); fields of
// an event by their path inside the event ("put.clock"), the line saying which
// event.
//
// Values (put/resolve values, expect.values) become JSON text by one rule:
// quoted scalars are strings; a plain scalar that YAML 1.2's core schema reads
// as null, a bool, an int or a float becomes that JSON literal, any other a
// string; lists become arrays and maps objects, in file order. The text is
// written by kv::json::dump, as Python's json.dumps would write it.
#include "sim/scenario.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "base/escape.h"
#include "base/file.h"
#include "base/limits.h"
#include "node/json_text.h"
#include "node/protocol.h"

namespace kv::sim {
namespace {

using json::Json;

// A problem in the scenario; caught by load_scenario_text.
struct LoadError {
  int line;
  std::string message;
};

[[noreturn]] void fail(int line, std::string message) {
  throw LoadError{line, std::move(message)};
}

// One value of the scenario: its node, its name for messages, its lines.
struct Field {
  YAML::Node node;
  std::string path;  // "network.loss"; "" for the scenario and for an event
  int line = 1;      // where the value stands
  int key_line = 1;  // where its key stands (the value's own line in a list)
};

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// "network.loss: " or "" at the top: the start of a message about `path`.
std::string prefix(const std::string& path) {
  return path.empty() ? "" : path + ": ";
}

int line_of(const YAML::Node& node, int fallback) {
  if (node.IsNull() || node.Mark().is_null()) return fallback;
  return node.Mark().line + 1;
}

// `text` cut short, so that a huge scalar does not flood a message.
std::string shortened(std::string_view text) {
  constexpr size_t kShown = 40;
  if (text.size() <= kShown) return std::string(text);
  return std::string(text.substr(0, kShown)) + "...";
}

std::string in_quotes(std::string_view text) {
  return "'" + shortened(text) + "'";
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return in_quotes(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

// "a, b or c"
std::string one_of(std::initializer_list<std::string_view> names) {
  std::string out;
  size_t i = 0;
  for (std::string_view name : names) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += name;
    ++i;
  }
  return out;
}

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

// Levenshtein distance, or more than `limit` once it is sure to be.
size_t edit_distance(std::string_view a, std::string_view b, size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit) return limit + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The allowed name closest to `key` within two edits (the first on a tie).
std::optional<std::string_view> suggest(std::string_view key,
                                        const std::vector<std::string_view>& allowed) {
  constexpr size_t kMaxEdits = 2;
  std::optional<std::string_view> best;
  size_t best_distance = kMaxEdits + 1;
  for (std::string_view name : allowed) {
    const size_t distance = edit_distance(key, name, kMaxEdits);
    if (distance < best_distance) {
      best = name;
      best_distance = distance;
    }
  }
  return best;
}

// The entries of a map in file order, each key a scalar given once.
// `label` names the map in messages.
std::vector<std::pair<std::string, Field>> map_entries(const Field& map, const std::string& label) {
  if (!map.node.IsMap()) {
    fail(map.line, prefix(label) + "expected a map (key: value), got " + describe(map.node));
  }
  std::vector<std::pair<std::string, Field>> entries;
  std::map<std::string, int> first_lines;
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const int key_line = line_of(it->first, map.line);
    if (!it->first.IsScalar()) {
      fail(key_line, prefix(label) + "a key must be a single word, got " + describe(it->first));
    }
    std::string key = it->first.Scalar();
    const auto [first, added] = first_lines.emplace(key, key_line);
    if (!added) {
      fail(key_line, join(map.path, key) + ": given twice (first on line " +
                         std::to_string(first->second) + ")");
    }
    Field field{it->second, join(map.path, key), line_of(it->second, key_line), key_line};
    entries.emplace_back(std::move(key), std::move(field));
  }
  return entries;
}

// A map with a fixed set of field names. Messages name it by `label`, or by
// its path when no label is given ("" for the scenario itself).
class MapFields {
 public:
  MapFields(const Field& map, std::vector<std::string_view> allowed, std::string label = "")
      : map_(map), label_(label.empty() ? map.path : std::move(label)) {
    entries_ = map_entries(map, label_);
    for (const auto& [key, field] : entries_) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string message = field.path + ": unknown field";
      if (auto near = suggest(key, allowed)) {
        message += " (did you mean '" + std::string(*near) + "'?)";
      } else {
        message += " (" + (label_.empty() ? "a scenario" : label_) + " takes ";
        for (size_t i = 0; i < allowed.size(); ++i) {
          message += (i == 0 ? "" : ", ") + std::string(allowed[i]);
        }
        message += ")";
      }
      fail(field.key_line, message);
    }
  }

  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::optional<Field> get(std::string_view key) const {
    const Field* field = find(key);
    if (field == nullptr) return std::nullopt;
    return *field;
  }

  Field need(std::string_view key) const {
    const Field* field = find(key);
    if (field == nullptr) {
      fail(map_.key_line, prefix(label_) + "missing field '" + std::string(key) + "'");
    }
    return *field;
  }

  const Field& map() const { return map_; }

 private:
  const Field* find(std::string_view key) const {
    for (const auto& [name, field] : entries_) {
      if (name == key) return &field;
    }
    return nullptr;
  }

  Field map_;
  std::string label_;
  std::vector<std::pair<std::string, Field>> entries_;
};

std::vector<Field> list_items(const Field& list) {
  if (!list.node.IsSequence()) {
    fail(list.line, prefix(list.path) + "expected a list, got " + describe(list.node));
  }
  std::vector<Field> items;
  items.reserve(list.node.size());
  for (const YAML::Node& item : list.node) {
    const int line = line_of(item, list.line);
    items.push_back(Field{item, list.path, line, line});
  }
  return items;
}

std::string scalar_text(const Field& field) {
  if (field.node.IsNull()) fail(field.line, prefix(field.path) + "has no value");
  if (!field.node.IsScalar()) {
    fail(field.line, prefix(field.path) + "expected a single value, got " + describe(field.node));
  }
  return field.node.Scalar();
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

// Everything a scenario needs while it is read.
class Loader {
 public:
  Scenario load(const Field& root);

 private:
  void read_name(const Field& field);
  void read_network(const Field& field);
  DelaySpec read_delay(const Field& field);
  void read_clients(const Field& field);
  void read_events(const Field& field);
  void check_crashes() const;
  TimelineEvent read_event(const Field& field);
  void read_client_op(const MapFields& event, TimelineEvent& out);
  ClientOp read_op(const Field& field, OpKind kind);
  PartitionSpec read_partition(const Field& field);
  PartitionSpec read_groups(const Field& field);
  std::vector<NodeIndex> read_node_list(const Field& field);
  NodeIndex read_node(const Field& field);
  std::string read_client_name(const Field& field);
  std::string read_key(const Field& field);
  std::optional<std::vector<uint64_t>> read_clock(const Field& field);
  void read_workload(const Field& field);
  void read_expect(const Field& field);

  std::string value_text(const Field& field);
  Json to_json(const Field& field, size_t depth);
  Json plain_scalar(const Field& field);
  std::string object_key(const Field& key);
  void check_tag(const Field& field);

  Scenario scenario_;
  uint64_t value_elements_ = 0;  // against kMaxValueElements
};

Scenario Loader::load(const Field& root) {
  if (!root.node.IsMap()) {
    fail(root.line, "a scenario is a map of fields (name: ..., nodes: ..., run_until: ...), got " +
                        describe(root.node));
  }
  const MapFields fields(root, {"name", "description", "seed", "nodes", "network", "anti_entropy",
                                "clients", "events", "workload", "run_until", "expect"});
  read_name(fields.need("name"));
  if (auto field = fields.get("description")) {
    scenario_.description = field->node.IsNull() ? "" : scalar_text(*field);
  }
  if (auto field = fields.get("seed")) scenario_.seed = read_uint(*field, 0, UINT64_MAX);
  scenario_.nodes = static_cast<uint32_t>(read_uint(fields.need("nodes"), 1, kMaxNodes));
  const Field run_until = fields.need("run_until");
  scenario_.run_until = SimTime{read_positive_duration(run_until).us};
  if (auto field = fields.get("network")) read_network(*field);
  if (auto field = fields.get("anti_entropy")) {
    const MapFields anti_entropy(*field, {"interval"});
    scenario_.anti_entropy_interval = read_positive_duration(anti_entropy.need("interval"));
  }
  if (auto field = fields.get("clients")) read_clients(*field);
  if (auto field = fields.get("events")) read_events(*field);
  if (auto field = fields.get("workload")) read_workload(*field);
  if (auto field = fields.get("expect")) read_expect(*field);
  return std::move(scenario_);
}

void Loader::read_name(const Field& field) {
  const std::string name = scalar_text(field);
  const bool allowed_chars = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (!allowed_chars) {
    fail(field.line, "name: " + in_quotes(name) +
                         " may use only letters, digits, '.', '_' and '-' (it names the output "
                         "folder)");
  }
  if (name == "." || name == "..") {
    fail(field.line, "name: " + in_quotes(name) + " cannot name a folder");
  }
  if (name.size() > kMaxNameLength) {
    fail(field.line, "name: longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  scenario_.name = name;
}

void Loader::read_network(const Field& field) {
  const MapFields fields(field, {"delay", "loss", "duplicate"});
  if (auto delay = fields.get("delay")) scenario_.network.delay = read_delay(*delay);
  if (auto loss = fields.get("loss")) scenario_.network.loss = read_probability(*loss);
  if (auto duplicate = fields.get("duplicate")) {
    scenario_.network.duplicate = read_probability(*duplicate);
  }
}

DelaySpec Loader::read_delay(const Field& field) {
  const MapFields fields(field, {"dist", "value", "min", "max", "mean"});
  DelaySpec delay;
  const Field dist_field = fields.need("dist");
  const size_t dist = read_choice(dist_field, {"uniform", "constant", "exponential"});
  // The fields each distribution takes, in the order of the choices above.
  const std::vector<std::vector<std::string_view>> kTakes = {{"min", "max"}, {"value"}, {"mean"}};
  const char* const kTakesText[] = {"min and max", "value", "mean"};
  for (std::string_view key : {"value", "min", "max", "mean"}) {
    const std::optional<Field> extra = fields.get(key);
    const auto& takes = kTakes[dist];
    if (extra && std::find(takes.begin(), takes.end(), key) == takes.end()) {
      fail(extra->key_line, extra->path + ": does not go with dist: " + dist_field.node.Scalar() +
                                " (it takes " + kTakesText[dist] + ")");
    }
  }
  switch (dist) {
    case 0: {
      delay.dist = DelaySpec::Dist::kUniform;
      delay.min = Duration{read_time(fields.need("min"))};
      delay.max = Duration{read_time(fields.need("max"))};
      if (delay.min > delay.max) {
        fail(field.key_line, field.path + ": min (" + format_time(delay.min.us) +
                                 ") is greater than max (" + format_time(delay.max.us) + ")");
      }
      break;
    }
    case 1:
      delay.dist = DelaySpec::Dist::kConstant;
      delay.value = Duration{read_time(fields.need("value"))};
      break;
    default:
      delay.dist = DelaySpec::Dist::kExponential;
      delay.mean = read_positive_duration(fields.need("mean"));
      break;
  }
  return delay;
}

void Loader::read_clients(const Field& field) {
  const MapFields fields(field, {"timeout", "retries", "retry"});
  ClientSpec& clients = scenario_.clients;
  if (auto timeout = fields.get("timeout")) clients.timeout = read_positive_duration(*timeout);
  if (auto retries = fields.get("retries")) {
    clients.retries = static_cast<uint32_t>(read_uint(*retries, 0, UINT32_MAX));
  }
  if (auto retry = fields.get("retry")) {
    clients.retry_next_node = read_choice(*retry, {"same", "next"}) == 1;
  }
}

void Loader::read_events(const Field& field) {
  if (field.node.IsSequence() && field.node.size() > kMaxTimelineEvents) {
    fail(field.key_line, "events: " + std::to_string(field.node.size()) + " events; at most " +
                             std::to_string(kMaxTimelineEvents) + " are allowed");
  }
  for (const Field& item : list_items(field)) {
    scenario_.events.push_back(read_event(Field{item.node, "", item.line, item.line}));
  }
  std::stable_sort(scenario_.events.begin(), scenario_.events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  check_crashes();
}

// In time order (file order for equal times), a node alternates: crash,
// restart, crash... A second crash of a node that is down, or a restart of
// one that is up, is refused: it would do nothing, and says the author
// meant something else.
void Loader::check_crashes() const {
  std::vector<const TimelineEvent*> last(scenario_.nodes, nullptr);  // crash or restart
  for (const TimelineEvent& e : scenario_.events) {
    const bool crash = e.kind == TimelineEvent::Kind::kCrash;
    if (!crash && e.kind != TimelineEvent::Kind::kRestart) continue;
    const TimelineEvent* before = last[e.node];
    const bool down = before != nullptr && before->kind == TimelineEvent::Kind::kCrash;
    const std::string node = "n" + std::to_string(e.node + 1);
    if (crash && down) {
      fail(e.line, "crash: " + node + " is already down at " + format_time(e.at.us) +
                       " (it crashed at " + format_time(before->at.us) + ", line " +
                       std::to_string(before->line) + "); restart it first" +
                       (e.amnesia ? ", or give that crash amnesia: true" : ""));
    }
    if (!crash && !down) {
      fail(e.line, "restart: " + node + " is running at " + format_time(e.at.us) +
                       (before == nullptr ? std::string(" (no crash before it)")
                                          : " (it restarted at " + format_time(before->at.us) +
                                                ", line " + std::to_string(before->line) + ")") +
                       "; a restart follows a crash");
    }
    last[e.node] = &e;
  }
}

TimelineEvent Loader::read_event(const Field& field) {
  const MapFields fields(field,
                         {"at", "partition", "heal", "crash", "amnesia", "restart", "client",
                          "node", "put", "get", "resolve"},
                         "event");
  TimelineEvent event;
  event.line = field.line;
  const Field at = fields.need("at");
  event.at = SimTime{read_time(at)};
  if (event.at > scenario_.run_until) {
    fail(at.line, "at: " + format_time(event.at.us) + " is after run_until (" +
                      format_time(scenario_.run_until.us) + ")");
  }
  std::vector<std::string_view> actions;
  for (std::string_view key : {"partition", "heal", "crash", "restart"}) {
    if (fields.has(key)) actions.push_back(key);
  }
  for (std::string_view key : {"client", "node", "put", "get", "resolve"}) {
    if (fields.has(key)) {
      actions.push_back(key);
      break;
    }
  }
  if (actions.empty()) {
    fail(field.line,
         "event: no action (partition, heal, crash, restart, or client with node and put, get or "
         "resolve)");
  }
  if (actions.size() > 1) {
    fail(field.line, "event: more than one action ('" + std::string(actions[0]) + "' and '" +
                         std::string(actions[1]) + "'); give each its own event");
  }
  if (auto amnesia = fields.get("amnesia")) {
    if (actions[0] != "crash") fail(amnesia->key_line, "amnesia: goes only with crash");
    event.amnesia = read_bool(*amnesia);
  }
  const std::string_view action = actions[0];
  if (action == "partition") {
    event.kind = TimelineEvent::Kind::kPartition;
    event.partition = read_partition(fields.need("partition"));
  } else if (action == "heal") {
    event.kind = TimelineEvent::Kind::kHeal;
    const Field heal = fields.need("heal");
    if (!read_bool(heal)) fail(heal.line, "heal: must be true (heal: true ends every partition)");
  } else if (action == "crash") {
    event.kind = TimelineEvent::Kind::kCrash;
    event.node = read_node(fields.need("crash"));
  } else if (action == "restart") {
    event.kind = TimelineEvent::Kind::kRestart;
    event.node = read_node(fields.need("restart"));
  } else {
    event.kind = TimelineEvent::Kind::kClient;
    read_client_op(fields, event);
  }
  return event;
}

void Loader::read_client_op(const MapFields& event, TimelineEvent& out) {
  out.client = read_client_name(event.need("client"));
  out.node = read_node(event.need("node"));
  std::vector<std::string_view> ops;
  for (std::string_view key : {"put", "get", "resolve"}) {
    if (event.has(key)) ops.push_back(key);
  }
  const int line = event.map().line;
  if (ops.empty()) fail(line, "event: a client operation needs one of put, get or resolve");
  if (ops.size() > 1) {
    fail(line, "event: a client operation takes one of put, get or resolve, not both '" +
                   std::string(ops[0]) + "' and '" + std::string(ops[1]) + "'");
  }
  const OpKind kind = ops[0] == "put"   ? OpKind::kPut
                      : ops[0] == "get" ? OpKind::kGet
                                        : OpKind::kResolve;
  out.op = read_op(event.need(ops[0]), kind);
}

ClientOp Loader::read_op(const Field& field, OpKind kind) {
  ClientOp op;
  op.kind = kind;
  if (kind == OpKind::kGet) {
    const MapFields fields(field, {"key"});
    op.key = read_key(fields.need("key"));
    return op;
  }
  const MapFields fields(field, {"key", "value", "clock"});
  op.key = read_key(fields.need("key"));
  op.value_json = value_text(fields.need("value"));
  op.clock = read_clock(fields.need("clock"));
  return op;
}

PartitionSpec Loader::read_partition(const Field& field) {
  if (field.node.IsSequence()) return read_groups(field);
  if (!field.node.IsMap()) {
    fail(field.line,
         "partition: expected a list of groups or a map (isolate, shape, from/to), got " +
             describe(field.node));
  }
  const MapFields fields(field, {"isolate", "shape", "from", "to"});
  const int forms = int{fields.has("isolate")} + int{fields.has("shape")} +
                    int{fields.has("from") || fields.has("to")};
  if (forms != 1) {
    fail(field.line, "partition: give exactly one of isolate, shape, or from and to");
  }
  PartitionSpec partition;
  if (auto isolate = fields.get("isolate")) {
    partition.shape = PartitionSpec::Shape::kIsolate;
    partition.isolate = read_node(*isolate);
  } else if (auto shape = fields.get("shape")) {
    partition.shape = read_choice(*shape, {"halves", "majorities-ring"}) == 0
                          ? PartitionSpec::Shape::kHalves
                          : PartitionSpec::Shape::kMajoritiesRing;
  } else {
    partition.shape = PartitionSpec::Shape::kOneWay;
    partition.from = read_node_list(fields.need("from"));
    partition.to = read_node_list(fields.need("to"));
    for (NodeIndex node : partition.from) {
      if (std::find(partition.to.begin(), partition.to.end(), node) != partition.to.end()) {
        fail(field.line, "partition: n" + std::to_string(node + 1) + " is in both from and to");
      }
    }
  }
  return partition;
}

PartitionSpec Loader::read_groups(const Field& field) {
  PartitionSpec partition;
  partition.shape = PartitionSpec::Shape::kGroups;
  const std::vector<Field> groups = list_items(field);
  if (groups.empty()) fail(field.line, "partition: needs at least one group");
  std::vector<bool> placed(scenario_.nodes, false);
  for (size_t i = 0; i < groups.size(); ++i) {
    std::vector<NodeIndex> group;
    for (const Field& item : list_items(groups[i])) {
      const NodeIndex node = read_node(item);
      if (placed[node]) {
        fail(item.line, "partition: n" + std::to_string(node + 1) + " is in more than one group");
      }
      placed[node] = true;
      group.push_back(node);
    }
    if (group.empty()) {
      fail(groups[i].line, "partition: group " + std::to_string(i + 1) + " is empty");
    }
    partition.groups.push_back(std::move(group));
  }
  return partition;
}

std::vector<NodeIndex> Loader::read_node_list(const Field& field) {
  std::vector<NodeIndex> nodes;
  for (const Field& item : list_items(field)) {
    const NodeIndex node = read_node(item);
    if (std::find(nodes.begin(), nodes.end(), node) != nodes.end()) {
      fail(item.line, field.path + ": n" + std::to_string(node + 1) + " is listed twice");
    }
    nodes.push_back(node);
  }
  if (nodes.empty()) fail(field.line, field.path + ": needs at least one node");
  return nodes;
}

NodeIndex Loader::read_node(const Field& field) {
  const std::string name = scalar_text(field);
  const std::string_view digits = std::string_view(name).substr(std::min<size_t>(1, name.size()));
  const std::optional<uint64_t> number =
      (name.size() > 1 && name[0] == 'n' && name[1] != '0') ? parse_decimal(digits) : std::nullopt;
  if (!number || *number > scenario_.nodes) {
    const std::string nodes =
        scenario_.nodes == 1 ? "n1" : "n1..n" + std::to_string(scenario_.nodes);
    fail(field.line, prefix(field.path) + "unknown node " + in_quotes(name) +
                         " (this scenario has " + nodes + ")");
  }
  return static_cast<NodeIndex>(*number - 1);
}

std::string Loader::read_client_name(const Field& field) {
  const std::string name = scalar_text(field);
  const bool ok = name.size() > 1 && name[0] == 'c' && name[1] != '0' &&
                  all_digits(std::string_view(name).substr(1));
  if (!ok) {
    fail(field.line, prefix(field.path) + "expected a client name like c1, got " + in_quotes(name));
  }
  // The simulator numbers workload clients after the highest scripted one.
  const std::optional<uint64_t> number = parse_decimal(std::string_view(name).substr(1));
  if (!number || *number > kMaxClients) {
    fail(field.line, prefix(field.path) + "client numbers go up to c" +
                         std::to_string(kMaxClients) + ", got " + in_quotes(name));
  }
  return name;
}

// A key is any single value, taken as its text.
std::string Loader::read_key(const Field& field) {
  return scalar_text(field);
}

std::optional<std::vector<uint64_t>> Loader::read_clock(const Field& field) {
  const std::string where = prefix(field.path) + "malformed clock: ";
  if (field.node.IsScalar() && field.node.Scalar() == "auto") return std::nullopt;
  if (!field.node.IsSequence()) {
    fail(field.line,
         where + "expected a list of non-negative integers or auto, got " + describe(field.node));
  }
  if (field.node.size() > kMaxClockSlots) {
    fail(field.line, where + std::to_string(field.node.size()) + " entries, at most " +
                         std::to_string(kMaxClockSlots));
  }
  std::vector<uint64_t> clock;
  for (const Field& item : list_items(field)) {
    const std::string entry = "entry " + std::to_string(clock.size() + 1);
    if (item.node.IsScalar() && item.node.Tag() != "?") {
      fail(item.line, where + entry + " is the quoted string " + describe(item.node) +
                          ", not a non-negative integer");
    }
    if (!item.node.IsScalar() || !all_digits(item.node.Scalar())) {
      fail(item.line,
           where + entry + " is " + describe(item.node) + ", not a non-negative integer");
    }
    const std::optional<uint64_t> value = parse_decimal(item.node.Scalar());
    if (!value) {
      fail(item.line,
           where + entry + " (" + shortened(item.node.Scalar()) + ") does not fit in 64 bits");
    }
    clock.push_back(*value);
  }
  return clock;
}

void Loader::read_workload(const Field& field) {
  const MapFields fields(
      field, {"clients", "keys", "ops", "start", "interval", "mix", "target", "colocated"});
  WorkloadSpec workload;
  if (auto clients = fields.get("clients")) {
    workload.clients = static_cast<uint32_t>(read_uint(*clients, 1, kMaxClients));
  }
  if (auto keys = fields.get("keys")) {
    workload.keys = static_cast<uint32_t>(read_uint(*keys, 1, UINT32_MAX));
  }
  workload.ops = read_uint(fields.need("ops"), 1, kMaxWorkloadOps);
  if (auto start = fields.get("start")) workload.start = SimTime{read_time(*start)};
  if (auto interval = fields.get("interval")) workload.interval = read_positive_duration(*interval);
  if (auto mix = fields.get("mix")) {
    const MapFields weights(*mix, {"put", "get", "resolve"});
    auto weight = [&](std::string_view kind) -> uint32_t {
      auto field = weights.get(kind);
      return field ? static_cast<uint32_t>(read_uint(*field, 0, UINT32_MAX)) : 0;
    };
    workload.put_weight = weight("put");
    workload.get_weight = weight("get");
    workload.resolve_weight = weight("resolve");
    if (workload.put_weight == 0 && workload.get_weight == 0 && workload.resolve_weight == 0) {
      fail(mix->line, "workload.mix: at least one weight must be greater than 0");
    }
  }
  if (auto target = fields.get("target")) {
    workload.target = read_choice(*target, {"random", "round-robin"}) == 0
                          ? WorkloadSpec::Target::kRandom
                          : WorkloadSpec::Target::kRoundRobin;
  }
  if (auto colocated = fields.get("colocated")) {
    workload.colocated = read_bool(*colocated);
    if (workload.colocated && (workload.get_weight > 0 || workload.resolve_weight > 0)) {
      fail(colocated->line,
           "workload.colocated: colocated clients only put, but mix has get or resolve weights");
    }
  }
  // start + (ops - 1) * interval <= run_until, without overflow.
  const int64_t run_until = scenario_.run_until.us;
  const bool fits = workload.start.us <= run_until &&
                    workload.ops - 1 <= static_cast<uint64_t>(run_until - workload.start.us) /
                                            static_cast<uint64_t>(workload.interval.us);
  if (!fits) {
    fail(field.key_line, "workload: the last of " + std::to_string(workload.ops) +
                             " operations (every " + format_time(workload.interval.us) + " from " +
                             format_time(workload.start.us) + ") comes after run_until (" +
                             format_time(run_until) + ")");
  }
  scenario_.workload = workload;
}

void Loader::read_expect(const Field& field) {
  const MapFields fields(field, {"converged", "lost_writes", "maximal", "siblings", "values"});
  Expectations& expect = scenario_.expect;
  expect.line = field.key_line;
  if (auto converged = fields.get("converged")) expect.converged = read_bool(*converged);
  if (auto lost_writes = fields.get("lost_writes")) expect.lost_writes = read_bool(*lost_writes);
  if (auto maximal = fields.get("maximal")) expect.maximal = read_bool(*maximal);
  if (auto siblings = fields.get("siblings")) {
    for (const auto& [key, count] : map_entries(*siblings, siblings->path)) {
      expect.siblings[key] = read_uint(count, 0, UINT64_MAX);
    }
  }
  if (auto values = fields.get("values")) {
    for (const auto& [key, list] : map_entries(*values, values->path)) {
      std::vector<std::string> texts;
      for (const Field& item : list_items(list)) texts.push_back(value_text(item));
      expect.values[key] = std::move(texts);
    }
  }
}

std::string Loader::value_text(const Field& field) {
  return json::dump(to_json(field, 0));
}

// `depth`: how many lists and maps enclose the value.
Json Loader::to_json(const Field& field, size_t depth) {
  if (++value_elements_ > kMaxValueElements) {
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
Json Loader::plain_scalar(const Field& field) {
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
std::string Loader::object_key(const Field& key) {
  if (!key.node.IsScalar() && !key.node.IsNull()) {
    fail(key.line,
         prefix(key.path) + "a key in a value must be a single value, got " + describe(key.node));
  }
  const Json value = to_json(key, 0);
  if (value.is_string()) return value.get<std::string>();
  return json::dump(value);
}

void Loader::check_tag(const Field& field) {
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

int yaml_line(const YAML::Exception& e) {
  return e.mark.is_null() ? 1 : e.mark.line + 1;
}

// Notes where each YAML document starts and whether it holds anything.
class DocumentScan : public YAML::EventHandler {
 public:
  YAML::Mark start;
  std::optional<YAML::Mark> first_content;  // none: an empty document

  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    first_content.reset();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { saw(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    saw(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    saw(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    saw(mark);
  }
  void OnMapEnd() override {}

 private:
  void saw(const YAML::Mark& mark) {
    if (!first_content) first_content = mark;
  }
};

// A scenario file holds one YAML document (empty ones around it, as a
// trailing "---" makes, are harmless). Returns the problem if it holds more.
// Throws YAML::Exception on a syntax error anywhere in the text.
//
// Documents are walked with the parser rather than YAML::LoadAll, which in
// yaml-cpp 0.7 loops forever, allocating, on a stray ',' where a document
// should start (jbeder/yaml-cpp#1040, fixed upstream by #1319): the parser
// reports an empty document there without moving on, so a document that
// starts where the previous one started is the same stray token again.
std::optional<LoadError> check_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentScan scan;
  std::optional<int> previous_start;
  for (int index = 0; parser.HandleNextDocument(scan); ++index) {
    const int line = scan.start.line + 1;
    if (previous_start == scan.start.pos) {
      const size_t pos = static_cast<size_t>(scan.start.pos);
      const std::string token = pos < text.size() ? in_quotes(text.substr(pos, 1)) : "end of text";
      return LoadError{line, "YAML syntax error: unexpected " + token};
    }
    if (index > 0 && scan.first_content) {
      return LoadError{scan.first_content->line + 1,
                       "a second YAML document; a scenario file holds one"};
    }
    previous_start = scan.start.pos;
  }
  return std::nullopt;
}

std::string located(const std::string& path, int line, const std::string& message) {
  return path + ":" + std::to_string(line) + ": " + message;
}

// Control characters (from the file, or in yaml-cpp's messages) are written
// as \xNN, so that an error is one clean line on a terminal.
std::string printable(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  return escape_control(text);
}

LoadResult failure(const std::string& error) {
  LoadResult result;
  result.error = printable(error);
  return result;
}

std::string too_big(const std::string& path) {
  return path + ": larger than " + std::to_string(kMaxScenarioBytes) +
         " bytes, the limit for a scenario";
}

// YAML 1.2 reads a lone CR as a line break, as it reads LF and CRLF;
// yaml-cpp knows only the last two (a file ending in CR with no LF was a
// syntax error). Each lone CR becomes an LF, so lines count as YAML's do.
std::string lone_cr_as_lf(const std::string& text) {
  std::string out = text;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && (i + 1 == out.size() || out[i + 1] != '\n')) out[i] = '\n';
  }
  return out;
}

}  // namespace

LoadResult load_scenario_text(const std::string& raw_text, const std::string& path) {
  if (raw_text.size() > kMaxScenarioBytes) return failure(too_big(path));
  const std::string text = lone_cr_as_lf(raw_text);
  YAML::Node root;
  try {
    if (auto problem = check_documents(text))
      return failure(located(path, problem->line, problem->message));
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return failure(located(path, yaml_line(e), "YAML syntax error: " + e.msg));
  }
  try {
    const int line = line_of(root, 1);
    LoadResult result;
    result.scenario = Loader().load(Field{root, "", line, line});
    result.scenario->path = path;
    return result;
  } catch (const LoadError& e) {
    return failure(located(path, e.line, e.message));
  } catch (const YAML::Exception& e) {
    // Reading parsed nodes is not expected to throw; if yaml-cpp does, the
    // scenario is still refused cleanly.
    return failure(located(path, yaml_line(e), "cannot read the YAML: " + e.msg));
  }
}

LoadResult load_scenario_file(const std::string& path) {
  const FileRead file = read_file(path, kMaxScenarioBytes, "a scenario");
  if (!file.ok()) return failure(file.error);
  return load_scenario_text(file.text, path);
}

}  // namespace kv::sim
