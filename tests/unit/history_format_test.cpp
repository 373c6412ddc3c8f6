// Tests for the history format's one definition (history/format.h):
// - docs/HISTORY.md's tables say what the table says: the kinds, faults and
//   bodies with their fields in order (and which are only on some lines),
//   and every enumerated value;
// - every line the simulator writes, for every shipped scenario and a run
//   that reaches the sibling bound, has a kind the table lists, exactly the
//   table's fields in its order, and values the table lists;
// - the reader reads each of those histories back whole.
#include <doctest/doctest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "history/format.h"
#include "history/history.h"
#include "history/writer.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace {

namespace fmt = kv::history::format;
namespace fs = std::filesystem;
using kv::json::Json;

fs::path data_dir() {
#ifdef KVSIM_TEST_DATA
  return KVSIM_TEST_DATA;
#else
  return fs::path(__FILE__).parent_path() / "data";
#endif
}

fs::path source_root() {
  return data_dir().parent_path().parent_path();
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- reading docs/HISTORY.md -------------------------------------------------

// The rows of the Markdown table under the heading `## title`: cells split on
// '|', trimmed; the header and the --- row left out.
std::vector<std::vector<std::string>> table_under(const std::string& doc,
                                                  const std::string& title) {
  std::vector<std::vector<std::string>> rows;
  const size_t at = doc.find("\n## " + title + "\n");
  REQUIRE_MESSAGE(at != std::string::npos, "docs/HISTORY.md has no section " << title);
  std::istringstream in(doc.substr(at + 1));
  std::string line;
  std::getline(in, line);  // the heading
  bool in_table = false;
  size_t seen = 0;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) break;
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    if (seen++ < 2) continue;  // header, ---
    std::vector<std::string> cells;
    std::string cell;
    for (size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|') {
        const size_t a = cell.find_first_not_of(' ');
        const size_t b = cell.find_last_not_of(' ');
        cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

// The `code` words of a cell, in order.
std::vector<std::string> code_words(const std::string& cell) {
  std::vector<std::string> out;
  for (size_t at = cell.find('`'); at != std::string::npos;) {
    const size_t end = cell.find('`', at + 1);
    if (end == std::string::npos) break;
    out.push_back(cell.substr(at + 1, end - at - 1));
    at = cell.find('`', end + 1);
  }
  return out;
}

// A "fields, in order" cell: each `field`, and whether "(when" follows it.
// Code words inside the parentheses are not fields.
std::vector<fmt::FieldSpec> documented_fields(const std::string& cell,
                                              std::vector<std::string>& names) {
  std::vector<fmt::FieldSpec> out;
  size_t depth = 0;
  for (size_t i = 0; i < cell.size(); ++i) {
    if (cell[i] == '(') ++depth;
    if (cell[i] == ')' && depth > 0) --depth;
    if (cell[i] != '`' || depth > 0) continue;
    const size_t end = cell.find('`', i + 1);
    REQUIRE(end != std::string::npos);
    names.push_back(cell.substr(i + 1, end - i - 1));
    const bool when = cell.compare(end + 1, 6, " (when") == 0;
    out.push_back(
        {std::string_view(names.back()), when ? fmt::Presence::kWhen : fmt::Presence::kAlways});
    i = end;
  }
  return out;
}

// Compares a documented table (name cell, fields cell) with `shapes`.
void check_shapes(const std::vector<std::vector<std::string>>& rows,
                  std::span<const fmt::Shape> shapes, const std::string& what) {
  CHECK_MESSAGE(rows.size() == shapes.size(),
                what << ": the docs list " << rows.size() << ", the format " << shapes.size());
  for (size_t i = 0; i < rows.size() && i < shapes.size(); ++i) {
    REQUIRE(rows[i].size() >= 2);
    const std::vector<std::string> name = code_words(rows[i][0]);
    REQUIRE(name.size() == 1);
    CHECK_MESSAGE(name[0] == shapes[i].name, what << " row " << i + 1);
    std::vector<std::string> storage;
    storage.reserve(64);
    const std::vector<fmt::FieldSpec> fields = documented_fields(rows[i][1], storage);
    std::string documented, defined;
    for (const fmt::FieldSpec& f : fields) {
      documented += std::string(f.name) + (f.presence == fmt::Presence::kWhen ? "? " : " ");
    }
    for (const fmt::FieldSpec& f : shapes[i].fields) {
      defined += std::string(f.name) + (f.presence == fmt::Presence::kWhen ? "? " : " ");
    }
    CHECK_MESSAGE(documented == defined, what << " " << name[0]);
  }
}

}  // namespace

TEST_CASE("docs/HISTORY.md lists the format's kinds, fields and values") {
  const std::string doc = slurp(source_root() / "docs" / "HISTORY.md");
  REQUIRE(!doc.empty());
  check_shapes(table_under(doc, "Lines"), fmt::kLines, "line kind");
  check_shapes(table_under(doc, "Faults"), fmt::kFaults, "fault");
  check_shapes(table_under(doc, "Message bodies"), fmt::kBodies, "body");

  const auto values = table_under(doc, "Values");
  CHECK(values.size() == std::size(fmt::kEnumerations));
  for (size_t i = 0; i < values.size() && i < std::size(fmt::kEnumerations); ++i) {
    const fmt::Enumeration& e = fmt::kEnumerations[i];
    REQUIRE(values[i].size() >= 3);
    CHECK(code_words(values[i][0]) == std::vector<std::string>{std::string(e.of)});
    CHECK(code_words(values[i][1]) == std::vector<std::string>{std::string(e.field)});
    std::vector<std::string> defined(e.values.begin(), e.values.end());
    CHECK_MESSAGE(code_words(values[i][2]) == defined, e.of << "." << e.field);
  }
}

TEST_CASE("the docs test notices a field left out of the docs") {
  // The same check on a doctored copy: `status` missing from apply.
  std::string doc = slurp(source_root() / "docs" / "HISTORY.md");
  const std::string status = "`status` (when a client wrote), ";
  const size_t at = doc.find(status);
  REQUIRE(at != std::string::npos);
  doc.erase(at, status.size());
  const auto rows = table_under(doc, "Lines");
  std::vector<std::string> storage;
  storage.reserve(64);
  const auto apply =
      std::find_if(rows.begin(), rows.end(), [](const auto& row) { return row[0] == "`apply`"; });
  REQUIRE(apply != rows.end());
  const auto fields = documented_fields((*apply)[1], storage);
  CHECK(fields.size() + 1 == fmt::find(fmt::kLines, "apply")->fields.size());
}

namespace {

// Checks `object`'s keys from `first` on against `fields`, in order: every
// kAlways field present, kWhen ones optional, nothing else. Returns "" or
// what is wrong.
std::string check_keys(const Json& object, size_t first, std::span<const fmt::FieldSpec> fields) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  size_t k = first;
  for (const fmt::FieldSpec& f : fields) {
    if (k < keys.size() && keys[k] == f.name) {
      ++k;
    } else if (f.presence == fmt::Presence::kAlways) {
      return "field " + std::string(f.name) + " missing or out of order";
    }
  }
  if (k != keys.size()) return "unexpected field " + keys[k];
  return "";
}

// The value of `of`'s `field` in `object`, if enumerated, must be listed.
std::string check_values(const Json& object, std::string_view of) {
  for (const fmt::Enumeration& e : fmt::kEnumerations) {
    if (e.of != of) continue;
    auto it = object.find(std::string(e.field));
    if (it == object.end()) continue;
    if (!it->is_string() || !fmt::is_one_of(e.values, it->get<std::string>())) {
      return std::string(e.field) + " has an unlisted value " + it->dump();
    }
  }
  return "";
}

// Every line of `text` against the format. Returns "" or "LINE: what".
std::string conforms(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const Json j = Json::parse(line);
    const auto where = [&](const std::string& what) {
      return std::to_string(number) + ": " + what + " in " + line.substr(0, 200);
    };
    const auto it = j.begin();
    if (j.size() < 2 || it.key() != "t" || std::next(it).key() != "kind") {
      return where("t and kind are not first");
    }
    const std::string kind = j["kind"].get<std::string>();
    const fmt::Shape* shape = fmt::find(fmt::kLines, kind);
    if (shape == nullptr) return where("unknown kind");
    if (kind == fmt::kind::kFault) {
      shape = fmt::find(fmt::kFaults, j["fault"].get<std::string>());
      if (shape == nullptr) return where("unknown fault");
    }
    if (const std::string e = check_keys(j, 2, shape->fields); !e.empty()) return where(e);
    if (const std::string e = check_values(j, kind); !e.empty()) return where(e);
    if (kind != fmt::kind::kSend) continue;
    const Json& body = j["body"];
    if (body.begin().key() != "type") return where("the body does not start with type");
    const std::string type = body["type"].get<std::string>();
    if (const std::string e = check_values(body, fmt::kind::kSend); !e.empty()) return where(e);
    const fmt::Shape* body_shape = fmt::find(fmt::kBodies, type);
    if (body_shape == nullptr) return where("unknown body type");
    if (const std::string e = check_keys(body, 1, body_shape->fields); !e.empty()) {
      return where("body: " + e);
    }
    if (const std::string e = check_values(body, type); !e.empty()) return where("body: " + e);
  }
  return "";
}

// Runs `scenario` with `seed`, writing its history to a temporary file;
// returns the history's text.
std::string run_history(const fs::path& scenario, uint64_t seed) {
  const kv::sim::LoadResult loaded = kv::sim::load_scenario_file(scenario.string());
  REQUIRE_MESSAGE(loaded.ok(), loaded.error());
  const fs::path path =
      fs::temp_directory_path() / ("kvsim_format_" + scenario.stem().string() + ".jsonl");
  {
    kv::history::HistoryWriter history;
    REQUIRE(history.open(path.string()).ok());
    kv::sim::Simulation simulation(*loaded, seed, history);
    simulation.run();
    REQUIRE(history.close().ok());
  }
  const std::string text = slurp(path);
  fs::remove(path);
  return text;
}

std::vector<fs::path> format_scenarios() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(source_root() / "scenarios")) {
    if (entry.path().extension() == ".yaml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  out.push_back(data_dir() / "sibling-bound.yaml");
  return out;
}

}  // namespace

TEST_CASE("every line the simulator writes has the format's kinds, fields, order and values") {
  for (const fs::path& scenario : format_scenarios()) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const std::string text = run_history(scenario, seed);
      CHECK_MESSAGE(conforms(text) == "", scenario.filename().string() << " seed " << seed);
    }
  }
}

TEST_CASE("the conformance check notices a line that strays from the format") {
  const std::string start =
      R"({"t": 0, "kind": "start", "scenario": "s", "seed": 1, "nodes": ["n1"], "description": ""})";
  CHECK(conforms(start + "\n") == "");
  CHECK(
      conforms(
          R"({"t": 0, "kind": "start", "seed": 1, "scenario": "s", "nodes": ["n1"], "description": ""})") !=
      "");
  CHECK(
      conforms(R"({"t": 0, "kind": "drop", "id": 1, "src": "n1", "dest": "n2", "reason": "gone"})")
          .find("reason has an unlisted value") != std::string::npos);
  CHECK(
      conforms(
          R"({"t": 0, "kind": "fault", "fault": "crash", "node": "n1", "amnesia": false, "x": 1})")
          .find("unexpected field x") != std::string::npos);
}

TEST_CASE("the reader reads back every scenario's history and a run past the sibling bound") {
  for (const fs::path& scenario : format_scenarios()) {
    const std::string text = run_history(scenario, 1);
    const kv::history::ReadResult r =
        kv::history::read_history_text(text, scenario.stem().string());
    CHECK_MESSAGE(r.ok(), r.error());
    if (r.ok()) CHECK(r->complete);
  }
  // The bound run has a refused write, its reply an `error` body.
  const std::string text = run_history(data_dir() / "sibling-bound.yaml", 1);
  CHECK(text.find(R"("result": "refused")") != std::string::npos);
  CHECK(text.find(R"("status": "too_many_siblings")") != std::string::npos);
  CHECK(text.find(R"({"type": "error", )") != std::string::npos);
}
