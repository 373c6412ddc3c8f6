// Fuzz target: history files as `kvsim render` / `kvsim explain` read them
// (kv::history::read_history_text), and everything drawn from an accepted one.
//
// The bytes are the file. The reader must answer a History or one error line
// "PATH:LINE: ..." / "PATH: ...", never both. An accepted History must keep
// the invariants history.h states (t never goes backwards, every message id
// an event names was sent earlier, send_index sorted and pointing at its
// SendEvent), and every picture, the story and the report must be drawn from
// it without crashing: those are what a fuzzed file reaches next in the CLI.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "history/history.h"
#include "viz/causal_graph.h"
#include "viz/report.h"
#include "viz/spacetime.h"
#include "viz/story.h"

namespace {

using namespace kv::viz;

constexpr char kPath[] = "fuzz.jsonl";

[[noreturn]] void fail(const std::string& what, std::string_view text) {
  std::fprintf(stderr, "fuzz_history: %s\n--- history ---\n%.*s\n", what.c_str(),
               static_cast<int>(std::min<size_t>(text.size(), 4000)), text.data());
  std::abort();
}

bool one_clean_line(const std::string& message) {
  return std::none_of(message.begin(), message.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

void check_error(const kv::history::ReadResult& r, std::string_view text) {
  if (r.ok()) fail("a history where an error was expected", text);
  if (!r.status().is_bad_input()) fail("text refused, but not as bad input: " + r.error(), text);
  const std::string prefix = std::string(kPath) + ":";
  if (r.error().compare(0, prefix.size(), prefix) != 0)
    fail("error without the path: " + r.error(), text);
  if (!one_clean_line(r.error())) fail("error not one clean line: " + r.error(), text);
}

uint64_t named_message(const kv::history::EventData& data) {
  if (const auto* e = std::get_if<kv::history::DuplicateEvent>(&data)) return e->id;
  if (const auto* e = std::get_if<kv::history::DeliverEvent>(&data)) return e->id;
  if (const auto* e = std::get_if<kv::history::DropEvent>(&data)) return e->id;
  if (const auto* e = std::get_if<kv::history::ApplyEvent>(&data)) return e->msg;
  return 0;
}

void check_history(const kv::history::History& h, std::string_view text) {
  int64_t last = 0;
  for (size_t i = 0; i < h.events.size(); ++i) {
    const kv::history::Event& e = h.events[i];
    if (e.t_us < last) fail("t goes backwards in an accepted history", text);
    last = e.t_us;
    if (i > 0 && e.line <= h.events[i - 1].line) fail("events out of file order", text);
    const uint64_t id = named_message(e.data);
    if (id != 0) {
      const kv::history::SendEvent* send = h.find_send(id);
      if (send == nullptr) fail("an event names a message never sent", text);
    }
  }
  for (size_t i = 0; i < h.send_index.size(); ++i) {
    const auto& [id, index] = h.send_index[i];
    if (i > 0 && h.send_index[i - 1].first >= id) fail("send_index not sorted and unique", text);
    if (index >= h.events.size()) fail("send_index points past the events", text);
    const auto* send = std::get_if<kv::history::SendEvent>(&h.events[index].data);
    if (send == nullptr || send->id != id) fail("send_index points at the wrong event", text);
  }
  if (h.warnings.size() > kv::history::kMaxWarnings + 1)
    fail("more warnings than kv::history::kMaxWarnings + 1", text);
  for (const std::string& w : h.warnings) {
    if (!one_clean_line(w)) fail("warning not one clean line: " + w, text);
  }
}

void draw(const kv::history::History& h, std::string_view text) {
  h.nodes();
  h.clients();
  const std::string graph = causal_graph_dot(build_causal_graph(h));
  SpacetimeOptions whole;
  const SpacetimeResult fitted = spacetime_dot(h, whole);
  if (!fitted.ok) fail("spacetime refuses the whole run: " + fitted.error, text);
  SpacetimeOptions lines;
  lines.window = Window{Window::Kind::kLines, 2, 5};
  if (!spacetime_dot(h, lines).ok) fail("spacetime refuses a window", text);
  ReportInput report;
  report.history = &h;
  report.summary_json = "{\"checks\": {\"converged\": {\"ok\": true}}}";
  report.story = tell_story(h);
  report.spacetime.svg = inline_svg(fitted.dot);
  report_html(report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Partial: a history cut before its end is drawn too, which reaches more
  // of the drawing code than refusing it would.
  kv::history::ReadOptions partial;
  partial.partial = true;
  const kv::history::ReadResult r = kv::history::read_history_text(text, kPath, partial);
  if (!r.ok()) {
    check_error(r, text);
    return 0;
  }
  if (!r.ok() || !r.error().empty()) {
    fail("a history and an error: " + r.error(), text);
  }
  check_history(*r, text);
  draw(*r, text);
  return 0;
}
