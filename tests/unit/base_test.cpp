// Tests for base/: time text (written and read by one grammar each, and the
// places that used to disagree now agree), escaping, bounded file reads and
// writes.
//
// Expected texts are worked out by hand in the comments.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "base/escape.h"
#include "base/file.h"
#include "base/time_text.h"
#include "sim/checks.h"
#include "sim/scenario.h"
#include "viz/spacetime.h"
#include "viz/text.h"

namespace {

using kv::format_time;
using kv::parse_time;
using kv::parse_time_us;
using kv::TimeTextError;

TEST_CASE("format_time: us below 1ms, ms below 1s, else s, exact with the fewest decimals") {
  CHECK(format_time(0) == "0us");
  CHECK(format_time(250) == "250us");
  CHECK(format_time(999) == "999us");
  CHECK(format_time(1000) == "1ms");
  CHECK(format_time(1001) == "1.001ms");
  CHECK(format_time(1500) == "1.5ms");
  CHECK(format_time(12400) == "12.4ms");
  CHECK(format_time(999999) == "999.999ms");
  CHECK(format_time(1000000) == "1s");
  CHECK(format_time(1000001) == "1.000001s");
  CHECK(format_time(1500000) == "1.5s");
  CHECK(format_time(-1500) == "-1.5ms");
  // 2^63 us = 9223372036854.775808 s.
  CHECK(format_time(INT64_MIN) == "-9223372036854.775808s");
  CHECK(format_time(INT64_MAX) == "9223372036854.775807s");
}

TEST_CASE("parse_time reads the grammar: digits, an optional fraction, a unit") {
  CHECK(parse_time_us("150ms") == 150000);
  CHECK(parse_time_us("1.5s") == 1500000);
  CHECK(parse_time_us("300us") == 300);
  CHECK(parse_time_us("0.001ms") == 1);
  // Extra fraction digits are allowed while they are zero.
  CHECK(parse_time_us("1.0us") == 1);
  CHECK(parse_time_us("1.5000ms") == 1500);
  CHECK(parse_time_us("2.0000000s") == 2000000);
  CHECK(parse_time("-1ms").error == TimeTextError::kNegative);
  CHECK(parse_time("ms").error == TimeTextError::kMalformed);
  CHECK(parse_time(".5ms").error == TimeTextError::kMalformed);
  CHECK(parse_time("1.ms").error == TimeTextError::kMalformed);
  CHECK(parse_time("").error == TimeTextError::kMalformed);
  CHECK(parse_time("150").error == TimeTextError::kNoUnit);
  const kv::ParsedTime minutes = parse_time("3min");
  CHECK(minutes.error == TimeTextError::kUnknownUnit);
  CHECK(minutes.unit == "min");
  CHECK(parse_time("1 ms").error == TimeTextError::kUnknownUnit);
  CHECK(parse_time("1.5us").error == TimeTextError::kNotWholeUs);
  CHECK(parse_time("0.0001ms").error == TimeTextError::kNotWholeUs);
  CHECK(parse_time("99999999999999999999s").error == TimeTextError::kTooLarge);
  // 9223372036854775807 s is 10^6 times past INT64_MAX microseconds.
  CHECK(parse_time("9223372036854775807s").error == TimeTextError::kTooLarge);
  CHECK(parse_time_us("9223372036854775807us") == INT64_MAX);
  CHECK(parse_time("2s", 1999999).error == TimeTextError::kTooLarge);
  CHECK(parse_time_us("2s", 2000000) == 2000000);
}

TEST_CASE("format_time then parse_time gives the value back") {
  // Every value below 2.1ms, then a spread up to INT64_MAX: powers of ten
  // and their neighbours, and a multiplicative walk.
  for (int64_t us = 0; us < 2100; ++us) {
    INFO(us);
    CHECK(parse_time_us(format_time(us)) == us);
  }
  int64_t power = 1;
  for (int i = 0; i < 18; ++i, power *= 10) {
    for (int64_t us : {power - 1, power, power + 1, 7 * power + 3}) {
      INFO(us);
      CHECK(parse_time_us(format_time(us)) == us);
    }
  }
  for (uint64_t us = 1; us < static_cast<uint64_t>(INT64_MAX) / 3; us = us * 3 + 1) {
    INFO(us);
    CHECK(parse_time_us(format_time(static_cast<int64_t>(us))) == static_cast<int64_t>(us));
  }
  CHECK(parse_time_us(format_time(INT64_MAX)) == INT64_MAX);
}

// The sites that used to disagree (issue 11): a check message wrote
// 999999us where the story wrote 999.999ms; a scenario took 1.0us where
// `kvsim render --from` refused it.
TEST_CASE("a check message writes times as the story does") {
  kv::sim::Oracle oracle;
  oracle.on_crash(0, 5000);
  const std::string refusal = oracle.refusal(0, kv::sim::Oracle::Act::kApply, 999999);
  INFO(refusal);
  CHECK(refusal.find("t=999.999ms") != std::string::npos);
  CHECK(refusal.find("t=5ms") != std::string::npos);
  CHECK(kv::format_time(999999) == "999.999ms");
}

TEST_CASE("a time a scenario takes, --from and --to take too, with the same value") {
  for (const char* text : {"1.0us", "1.5000ms", "2s", "0us"}) {
    INFO(text);
    const kv::sim::LoadResult loaded = kv::sim::load_scenario_text(
        std::string(
            "name: t\nnodes: 3\nrun_until: 10s\nnetwork:\n  delay: {dist: constant, value: ") +
            text + "}\n",
        "t.yaml");
    INFO(loaded.error());
    REQUIRE(loaded.ok());
    const kv::Result<kv::viz::Window> window = kv::viz::parse_window(text, "");
    REQUIRE(window.ok());
    CHECK(window->kind == kv::viz::Window::Kind::kTime);
    CHECK(window->from == loaded->network.delay.value.us);
  }
}

TEST_CASE("escape_control writes control characters as \\xNN and keeps the rest") {
  CHECK(kv::escape_control("plain é") == "plain é");
  CHECK(kv::escape_control(std::string("a\nb\x1b[0m\x7f\0", 9)) == "a\\x0ab\\x1b[0m\\x7f\\x00");
}

TEST_CASE("html_escape escapes the five special characters") {
  CHECK(kv::html_escape("<a href=\"x\">&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE("read_file reads a whole file within its bound and names the path otherwise") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kvsim_base_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "f.txt").string();
  REQUIRE(kv::write_file(path, "0123456789").ok());
  const kv::Result<std::string> whole = kv::read_file(path, 10);
  CHECK(whole.ok());
  CHECK(*whole == "0123456789");
  // Too big is bad input; what the file system refuses is an I/O error.
  const kv::Result<std::string> big = kv::read_file(path, 9, "a test");
  CHECK(big.status().is_bad_input());
  CHECK(big.error() == path + ": larger than 9 bytes, the limit for a test");
  const kv::Result<std::string> missing = kv::read_file((dir / "none").string(), 10);
  CHECK(missing.status().is_io_error());
  CHECK(missing.error().rfind((dir / "none").string() + ": cannot open: ", 0) == 0);
  const kv::Result<std::string> directory = kv::read_file(dir.string(), 10);
  CHECK(directory.status().is_io_error());
  CHECK(directory.error().rfind(dir.string() + ": cannot read: ", 0) == 0);
  // An endless stream is refused, not read forever.
  CHECK(kv::read_file("/dev/zero", 1 << 20).status().is_bad_input());
  const kv::Status unwritable = kv::write_file((dir / "no" / "such").string(), "x");
  CHECK(unwritable.is_io_error());
  CHECK(unwritable.message().rfind((dir / "no" / "such").string() + ": cannot write: ", 0) == 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
