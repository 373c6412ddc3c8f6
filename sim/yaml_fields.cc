// The YAML field kit: see sim/yaml_fields.h.
#include "sim/yaml_fields.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>

#include <yaml-cpp/eventhandler.h>

namespace kv::sim::yaml {
namespace {

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

}  // namespace

[[noreturn]] void fail(int line, std::string message) {
  throw LoadError{line, std::move(message)};
}

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

MapFields::MapFields(const Field& map, std::vector<std::string_view> allowed, std::string label)
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

std::optional<Field> MapFields::get(std::string_view key) const {
  const Field* field = find(key);
  if (field == nullptr) return std::nullopt;
  return *field;
}

Field MapFields::need(std::string_view key) const {
  const Field* field = find(key);
  if (field == nullptr) {
    fail(map_.key_line, prefix(label_) + "missing field '" + std::string(key) + "'");
  }
  return *field;
}

const Field* MapFields::find(std::string_view key) const {
  for (const auto& [name, field] : entries_) {
    if (name == key) return &field;
  }
  return nullptr;
}

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

int yaml_line(const YAML::Exception& e) {
  return e.mark.is_null() ? 1 : e.mark.line + 1;
}

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

}  // namespace kv::sim::yaml
