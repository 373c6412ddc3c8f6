// A run's summary.json in the words a reader uses, for the page: each check
// as a sentence with its verdict in words ("holds, as expected"), the
// figures with labels ("dropped because the receiver was down"), and the
// run's facts (the scenario file, seed, swarm draw, fingerprint) as
// label-value pairs, never as JSON.
//
// summary.json is read as untrusted: anything of an unexpected shape is
// shown in words as far as it goes (a number as a number, a string as
// text, a list or object flattened into "label: value; ..."), never
// refused. All text comes out HTML-escaped.
#pragma once

#include <cstdint>
#include <string>

namespace kv::viz {

struct SummaryWords {
  // False when the text is not a JSON object; `error` says why.
  bool read = false;
  std::string error;
  bool failed = false;  // some check is not as the scenario expects
  std::string overall;  // "All 4 checks came out as the scenario expects."
  std::string run_end;  // `run_end.sentence` ("" when the run ended quiet)
  std::string stopped;  // the run stopped early (history cap, write error), in words
  std::string checks_html;
  std::string figures_html;
  std::string facts_html;
};

// `page_dir` is the folder of the page, so that the scenario file's path is
// written relative to it when it was recorded as an absolute path.
SummaryWords summary_words(const std::string& summary_json, const std::string& page_dir);

// summary.json's run_end.sentence, or "" (no summary, or no such field).
std::string run_end_sentence(const std::string& summary_json);

// A figure's label: "messages_sent" -> "messages sent", "dropped_crashed"
// -> "dropped because the receiver was down".
std::string figure_label(const std::string& name);

// A check's verdict in words, with a symbol that does not rely on colour:
// "✔ holds, as expected", "✘ FAILS (expected to hold)", ...
std::string verdict_words(bool holds, bool expected);

// A byte count for people: "130 kB", "1.2 MB".
std::string size_words(uint64_t bytes);

}  // namespace kv::viz
