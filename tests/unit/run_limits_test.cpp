// A run's limits (issue 10, item 7): the history stops taking lines when a
// write fails (a full disk: /dev/full) or when it reaches its size limit,
// and the simulation stops with it; the history then holds whole lines, a
// prefix of the complete run's; estimate_events tells an absurd scenario.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "history/writer.h"
#include "sim/simulation.h"
#include "tests/unit/run_helpers.h"

using namespace kv::sim;
using namespace kv;

namespace {

Scenario busy_scenario() {
  return testing::busy_scenario("limits", 6000, 3000000);
}

using testing::slurp_and_remove;

struct Outcome {
  std::string text;  // the history file
  RunStats stats;
  kv::history::HistoryWriter::Stop stop = kv::history::HistoryWriter::Stop::kNone;
  bool closed = false;
};

// Runs `s` with its history in `path`, limited to `limit` bytes.
Outcome run_limited(const Scenario& s, uint64_t limit, const std::string& path) {
  Outcome o;
  kv::history::HistoryWriter history;
  REQUIRE(history.open(path).ok());
  history.set_limit(limit);
  Simulation sim(s, 1, history);
  sim.run();
  o.closed = history.close().ok();
  o.stop = history.stop();
  o.stats = sim.stats();
  o.text = slurp_and_remove(path);
  return o;
}

// The "t" of a history line (its first field, by the format).
int64_t time_of(const std::string& line) {
  REQUIRE(line.rfind("{\"t\": ", 0) == 0);
  return std::stoll(line.substr(6));
}

}  // namespace

TEST_CASE("a history on a full disk stops at its first write, and the run stops with it") {
  const Scenario s = busy_scenario();
  kv::history::HistoryWriter off;
  Simulation whole(s, 1, off);
  whole.run();
  REQUIRE_FALSE(whole.stats().stopped);

  kv::history::HistoryWriter history;
  REQUIRE(history.open("/dev/full").ok());
  Simulation sim(s, 1, history);
  sim.run();
  CHECK(history.stop() == kv::history::HistoryWriter::Stop::kWriteError);
  CHECK(history.write_error() == "No space left on device");
  CHECK(history.bytes_written() == 0);  // /dev/full takes nothing
  CHECK(sim.stats().stopped);
  // Stopped at the first flush (1 MiB of lines, a few thousand events), far
  // from the end: before, the run went on to its end and said nothing.
  CHECK(sim.stats().events < whole.stats().events / 4);
  CHECK(sim.stats().end_us < s.run_until.us);
  const kv::Status closed = history.close();
  CHECK(closed.is_io_error());
  CHECK(closed.message() == "writing the history failed: No space left on device");
}

TEST_CASE(
    "a history limit keeps the whole lines that fit, and the run stops at the first "
    "that does not") {
  const Scenario s = busy_scenario();
  const Outcome full = run_limited(s, UINT64_MAX, "limits_full.jsonl");
  REQUIRE(full.closed);
  REQUIRE(full.stop == kv::history::HistoryWriter::Stop::kNone);
  REQUIRE(full.text.size() > 3000000);

  for (uint64_t limit : {uint64_t{1}, uint64_t{150}, uint64_t{1000000}, uint64_t{1048576},
                         uint64_t{2500000}, uint64_t{full.text.size() - 1}}) {
    INFO("limit " << limit);
    const Outcome cut = run_limited(s, limit, "limits_cut.jsonl");
    CHECK(cut.closed);  // reaching the limit is not a write failure
    CHECK(cut.stop == kv::history::HistoryWriter::Stop::kLimit);
    // A prefix of the whole history, ending at a line's end, within the
    // limit; the next line would not have fit.
    REQUIRE(cut.text.size() <= limit);
    CHECK(full.text.compare(0, cut.text.size(), cut.text) == 0);  // no texts printed: MBs
    CHECK((cut.text.empty() || cut.text.back() == '\n'));
    const size_t next_end = full.text.find('\n', cut.text.size());
    REQUIRE(next_end != std::string::npos);
    CHECK(next_end + 1 > limit);
    // The run stopped at the event that wrote that line (the final lines at
    // the end are written after the loop: a limit there stops nothing).
    const std::string next = full.text.substr(cut.text.size(), next_end - cut.text.size());
    if (next.find("\"kind\": \"final\"") == std::string::npos &&
        next.find("\"kind\": \"end\"") == std::string::npos && !cut.text.empty()) {
      CHECK(cut.stats.stopped);
      CHECK(cut.stats.end_us == time_of(next));
      CHECK(cut.stats.events < full.stats.events);
    }
  }

  const Outcome exact = run_limited(s, full.text.size(), "limits_exact.jsonl");
  CHECK(exact.stop == kv::history::HistoryWriter::Stop::kNone);
  CHECK((exact.text == full.text));
}

TEST_CASE("a line longer than the buffer reaches the file whole, between the others") {
  kv::history::HistoryWriter history;
  REQUIRE(history.open("limits_long.jsonl").ok());
  const std::string big(3 << 20, 'x');
  for (int i = 0; i < 3; ++i) {
    history.begin(SimTime{i}, "note");
    history.field_string("v", i == 1 ? big : std::string(1000, 'y'));
    history.end();
  }
  REQUIRE(history.close().ok());
  const std::string small = "\"" + std::string(1000, 'y') + "\"}\n";
  CHECK(slurp_and_remove("limits_long.jsonl") ==
        "{\"t\": 0, \"kind\": \"note\", \"v\": " + small +
            "{\"t\": 1, \"kind\": \"note\", \"v\": \"" + big + "\"}\n" +
            "{\"t\": 2, \"kind\": \"note\", \"v\": " + small);
}

TEST_CASE("estimate_events: the disk-filling scenario of issue 10 is absurd, small ones are not") {
  // 1000 nodes, anti-entropy every 1us, run_until 1000s: 10^9 intervals,
  // each node ticks and sends a digest in each, 2 events: 2 * 10^12.
  Scenario huge;
  huge.nodes = 1000;
  huge.anti_entropy_interval = Duration{1};
  huge.run_until = SimTime{1000 * int64_t{1000000}};
  CHECK(estimate_events(huge) == 2000000000000u);

  // Measured against a real run: within a factor of 3 either way.
  const Scenario s = busy_scenario();
  kv::history::HistoryWriter off;
  Simulation sim(s, 1, off);
  sim.run();
  const double estimate = static_cast<double>(estimate_events(s));
  const double actual = static_cast<double>(sim.stats().events);
  CHECK(estimate > actual / 3);
  CHECK(estimate < actual * 3);

  // Saturates rather than wrapping: 1000 days of 1us anti-entropy on 1000
  // nodes is 1.7 * 10^17 events, plus 10^9 ops of 1002 events each.
  Scenario most;
  most.nodes = 1000;
  most.anti_entropy_interval = Duration{1};
  most.run_until = SimTime{kMaxRunUntilUs};
  WorkloadSpec w;
  w.ops = kMaxWorkloadOps;
  w.interval = Duration{1};
  most.workload = w;
  CHECK(estimate_events(most) ==
        2 * 1000 * static_cast<uint64_t>(kMaxRunUntilUs) + kMaxWorkloadOps * 1002);
}
