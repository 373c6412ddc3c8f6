// The run's fingerprint (issue 12; history/writer.h, docs/RUNNING.md): a hash of the
// bytes that reached history.jsonl, computed as the HistoryWriter flushes,
// the same whether the history goes to a file (1 MiB buffer) or is only
// fingerprinted (64 KiB buffer, flushed at other line boundaries), and the
// same as the definition applied to the file's bytes in one go. The
// definition is written out again here, from docs/RUNNING.md, sharing no code
// with history/writer.cc.
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

// docs/RUNNING.md's definition, word by word.
uint64_t reference_fingerprint(const std::string& bytes) {
  uint64_t h = 0x243f6a8885a308d3ull;
  std::string padded = bytes;
  padded.resize((bytes.size() + 7) / 8 * 8, '\0');
  for (size_t i = 0; i < padded.size(); i += 8) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = w << 8 | static_cast<unsigned char>(padded[i + b]);
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    h = h << 29 | h >> 35;
  }
  h ^= bytes.size();
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ h >> 31;
}

Scenario fingerprint_scenario() {
  return testing::busy_scenario("fingerprint", 3000, 2000000);
}

using testing::slurp_and_remove;

struct FileRun {
  std::string text;
  uint64_t fingerprint = 0;
};

FileRun run_to_file(const Scenario& s, uint64_t seed, uint64_t limit, const std::string& path) {
  kv::history::HistoryWriter history;
  REQUIRE(history.open(path).ok());
  history.set_limit(limit);
  history.enable_fingerprint();
  Simulation sim(s, seed, history);
  sim.run();
  (void)history.close();
  return {slurp_and_remove(path), history.fingerprint()};
}

uint64_t run_fingerprint_only(const Scenario& s, uint64_t seed, uint64_t limit,
                              kv::history::HistoryWriter& history) {
  history.open_fingerprint_only();
  history.set_limit(limit);
  Simulation sim(s, seed, history);
  sim.run();
  (void)history.close();
  return history.fingerprint();
}

}  // namespace

TEST_CASE("the fingerprint is the definition applied to history.jsonl, with or without a file") {
  const Scenario s = fingerprint_scenario();
  kv::history::HistoryWriter reused;  // kept from run to run, as a sweep's thread keeps it
  for (uint64_t seed : {1, 2}) {
    INFO("seed " << seed);
    const FileRun file = run_to_file(s, seed, UINT64_MAX, "fingerprint_test.jsonl");
    REQUIRE(file.text.size() > 2 * (1 << 20));
    CHECK(file.fingerprint == reference_fingerprint(file.text));
    CHECK(run_fingerprint_only(s, seed, UINT64_MAX, reused) == file.fingerprint);
  }
  // Different seeds, different histories, different fingerprints.
  CHECK(run_fingerprint_only(s, 1, UINT64_MAX, reused) !=
        run_fingerprint_only(s, 2, UINT64_MAX, reused));
}

TEST_CASE("a history cut at its limit is fingerprinted as the whole lines the file keeps") {
  const Scenario s = fingerprint_scenario();
  kv::history::HistoryWriter reused;
  for (uint64_t limit : {uint64_t{1}, uint64_t{150}, uint64_t{70000}, uint64_t{1500000}}) {
    INFO("limit " << limit);
    const FileRun file = run_to_file(s, 1, limit, "fingerprint_cut.jsonl");
    CHECK(file.text.size() <= limit);
    CHECK(file.fingerprint == reference_fingerprint(file.text));
    CHECK(run_fingerprint_only(s, 1, limit, reused) == file.fingerprint);
  }
}

TEST_CASE("a writer that does not fingerprint reports 0") {
  kv::history::HistoryWriter history;
  REQUIRE(history.open("fingerprint_off.jsonl").ok());
  history.begin(SimTime{0}, "start");
  history.end();
  (void)history.close();
  std::remove("fingerprint_off.jsonl");
  CHECK(history.fingerprint() == 0);
}
