// A kit for reading YAML files field by field, with "LINE: what is wrong"
// errors: a field knows its node, its path ("network.loss") and its lines;
// a map is checked against the names it allows (an unknown one gets a
// did-you-mean); lists, scalars and quoting for messages.
//
// A check that fails throws LoadError; the loader that uses the kit catches
// it (sim/scenario.cc turns it into "FILE:LINE: message"), so no exception
// leaves the loader.
//
// Lines: yaml-cpp's marks count from 0, messages from 1. An empty value
// ("key:" and nothing after it) has no trustworthy mark, so it is reported on
// its key's line.
//
// Two workarounds for yaml-cpp live here too: check_documents (YAML::LoadAll
// can loop forever) and lone_cr_as_lf (yaml-cpp does not read a lone CR as a
// line break).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace kv::sim::yaml {

// A problem in the file, at `line` (from 1).
struct LoadError {
  int line;
  std::string message;
};

[[noreturn]] void fail(int line, std::string message);

// One value of the file: its node, its name for messages, its lines.
struct Field {
  YAML::Node node;
  std::string path;  // "network.loss"; "" for the top and for a list item's map
  int line = 1;      // where the value stands
  int key_line = 1;  // where its key stands (the value's own line in a list)
};

// "network" + "loss" -> "network.loss"; "" + "loss" -> "loss".
std::string join(const std::string& path, std::string_view key);
// "network.loss: " or "" at the top: the start of a message about `path`.
std::string prefix(const std::string& path);
// The node's line, or `fallback` when it has no trustworthy mark.
int line_of(const YAML::Node& node, int fallback);
// `text` cut to 40 characters and "...", so a huge scalar does not flood a
// message; in_quotes adds single quotes.
std::string shortened(std::string_view text);
std::string in_quotes(std::string_view text);
// 'scalar', "a list", "a map" or "nothing".
std::string describe(const YAML::Node& node);
// "a, b or c"
std::string one_of(std::initializer_list<std::string_view> names);
// The allowed name closest to `key` within two edits (the first on a tie).
std::optional<std::string_view> suggest(std::string_view key,
                                        const std::vector<std::string_view>& allowed);

// The entries of a map in file order, each key a scalar given once.
// `label` names the map in messages.
std::vector<std::pair<std::string, Field>> map_entries(const Field& map, const std::string& label);

// A map with a fixed set of field names: any other is refused (with a
// did-you-mean when one is close). Messages name it by `label`, or by its
// path when no label is given ("" for the scenario itself).
class MapFields {
 public:
  MapFields(const Field& map, std::vector<std::string_view> allowed, std::string label = "");

  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::optional<Field> get(std::string_view key) const;
  // The field, or a "missing field" error on the map's line.
  Field need(std::string_view key) const;
  const Field& map() const { return map_; }

 private:
  const Field* find(std::string_view key) const;

  Field map_;
  std::string label_;
  std::vector<std::pair<std::string, Field>> entries_;
};

// The items of a list (an error if `list` is not one).
std::vector<Field> list_items(const Field& list);
// A scalar's text (an error if empty or not a scalar).
std::string scalar_text(const Field& field);

// The line (from 1) of one of yaml-cpp's exceptions.
int yaml_line(const YAML::Exception& e);

// A file holds one YAML document (empty ones around it, as a trailing "---"
// makes, are harmless). Returns the problem if it holds more. Throws
// YAML::Exception on a syntax error anywhere in the text.
std::optional<LoadError> check_documents(const std::string& text);

// `text` with each lone CR made an LF, so lines count as YAML 1.2's do.
std::string lone_cr_as_lf(const std::string& text);

}  // namespace kv::sim::yaml
