// Tests for the explorer page's data (viz/explorer_data.h) and for what a
// run leaves under way at its end (sim/run_end.h). Expectations come from
// reading tests/data/viz_partition_heal.jsonl by hand (line numbers in the
// comments), not from the program's output.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "base/json_text.h"
#include "history/history.h"
#include "sim/run_end.h"
#include "viz/explorer_data.h"

namespace {

using kv::json::Json;
using namespace kv::viz;
using kv::history::History;
using kv::history::read_history_file;
using kv::history::ReadResult;

History partition_heal() {
#ifdef KVSIM_TEST_DATA
  const std::string dir = KVSIM_TEST_DATA;
#else
  const std::string dir =
      (std::filesystem::path(__FILE__).parent_path().parent_path() / "data").string();
#endif
  ReadResult r = read_history_file(dir + "/viz_partition_heal.jsonl");
  REQUIRE(r.ok());
  return std::move(r.value());
}

// The version of `data`'s table at `index`, as "value@[clock]".
std::string version(const Json& data, const Json& index) {
  const Json& v = data["versions"][index.get<size_t>()];
  std::string out = v[1].get<std::string>() + "@[";
  for (size_t i = 0; i < v[2].size(); ++i)
    out += (i ? "," : "") + std::to_string(v[2][i].get<int>());
  return out + "]";
}

}  // namespace

TEST_CASE("a window's page starts from the state replayed from the lines before it") {
  const History h = partition_heal();
  ExplorerInput in;
  in.history = &h;
  in.window = Window{Window::Kind::kLines, 20, INT64_MAX};
  in.max_events = 3;
  in.history_name = "history.jsonl";
  const Json data = Json::parse(explorer_data_json(in));
  // Lines 20..22 (deliver 6, drop 7, deliver 8), then the note says how to
  // see line 23 on.
  REQUIRE(data["events"].size() == 3);
  CHECK(data["events"][0][0] == 20);
  CHECK(data["events"][2][0] == 22);
  const std::string note = data["window"]["note"].get<std::string>();
  CHECK(note.find("history lines #20..#22") != std::string::npos);
  CHECK(note.find("kvsim render history.jsonl --from #23") != std::string::npos);
  // Before line 20: n1 holds v1 (line 7), n2 v2 (line 13), n3 nothing yet
  // (line 24 comes later).
  const Json& stores = data["initial"]["stores"];
  REQUIRE(stores.size() == 2);
  CHECK(stores[0][0] == 0);
  CHECK(version(data, stores[0][2][0]) == "v1@[1,0,0]");
  CHECK(stores[1][0] == 1);
  CHECK(version(data, stores[1][2][0]) == "v2@[0,1,0]");
  // The partition of line 2, [n1] | [n2 n3]: n1 to and from n2 and n3.
  CHECK(data["initial"]["cut"] == Json::parse("[[0,1],[0,2],[1,0],[2,0]]"));
  CHECK(data["initial"]["down"].empty());
  // Messages 1..8 sent; 1, 2 and 3 delivered (lines 5, 11, 17), 4 and 5
  // dropped (18, 19): 6, 7 and 8 in flight.
  const Json& flight = data["initial"]["flight"];
  REQUIRE(flight.size() == 3);
  CHECK(flight[0][0] == 6);
  CHECK(flight[1][0] == 7);
  CHECK(flight[1][3] == "replicate");
  CHECK(version(data, flight[1][5]) == "v2@[0,1,0]");
  CHECK(flight[2][0] == 8);
}

TEST_CASE("the whole run fits: no note, every line, and the heal clears the cuts") {
  const History h = partition_heal();
  ExplorerInput in;
  in.history = &h;
  const Json data = Json::parse(explorer_data_json(in));
  CHECK(data["window"]["note"] == "");
  CHECK(data["events"].size() == h.events.size());
  CHECK(data["initial"]["stores"].empty());
  for (const Json& e : data["events"]) {
    if (e[2] != "fault") continue;
    // Line 2 cuts 4 links; the heal (line 25) leaves none.
    CHECK(e[8].size() == (e[5] == "partition" ? 4u : 0u));
  }
}

TEST_CASE("the page's data never closes its script element") {
  const History h = partition_heal();
  ExplorerInput in;
  in.history = &h;
  in.run_end = "</script><script>alert(1)</script>";
  const std::string text = explorer_data_json(in);
  CHECK(text.find('<') == std::string::npos);
  CHECK(Json::parse(text)["run_end"] == in.run_end);
}

TEST_CASE("what a run leaves under way, in one sentence") {
  kv::sim::RunEnd quiet;
  CHECK_FALSE(quiet.early());
  CHECK(quiet.sentence(10000000) == "");
  kv::sim::RunEnd e;
  e.ops_unsent = 79;
  e.requests_in_flight = 3;
  e.last_op_sent_us = 9960000;
  CHECK(e.sentence(10000000) ==
        "the run ended with 79 operations never sent and 3 requests in flight (the last "
        "operation was sent at 9.96s): the workload outlasts run_until = 10s; a longer run_until "
        "leaves a quiet tail");
  kv::sim::RunEnd f;
  f.writes_in_flight = 1;
  f.nodes_down = {1};
  f.links_cut = 2;
  CHECK(f.sentence(2000000) ==
        "the run ended with 1 write still travelling between nodes, n2 down and a partition in "
        "place (2 links cut): writes were still being replicated or repaired at run_until = 2s; "
        "a longer run_until leaves a quiet tail; the faults outlast the run; a heal and restarts "
        "before the end would let the cluster settle");
}
