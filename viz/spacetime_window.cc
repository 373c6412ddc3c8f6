// The window of the space-time diagram: --from/--to read into a Window
// (parse_window), and the part of a window drawn when it holds more
// messages than a picture does (window_to_draw), with the note saying which
// part and how to draw the next one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "viz/spacetime.h"
#include "viz/spacetime_diagram.h"
#include "viz/text.h"

namespace kv::viz {
namespace {

using spacetime_internal::Diagram;

Status parse_bound(const std::string& text, const char* flag, Window::Kind& kind, int64_t& out) {
  std::string_view s = text;
  const bool hash = !s.empty() && s.front() == '#';
  if (hash) s.remove_prefix(1);
  const bool digits = !s.empty() && s.size() <= 18 &&
                      std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    out = std::stoll(std::string(s));
    if (out < 1) return Status::bad_input(std::string(flag) + ": history lines count from 1");
    kind = Window::Kind::kLines;
    return Status();
  }
  if (const std::optional<int64_t> us = kv::parse_time_us(s); !hash && us) {
    out = *us;
    kind = Window::Kind::kTime;
    return Status();
  }
  return Status::bad_input(
      std::string(flag) + ": \"" + text +
      "\" is neither a time (150ms, 1.5s, 300us) nor a history line number (120 or #120)");
}

}  // namespace

Result<Window> parse_window(const std::string& from, const std::string& to) {
  Window out;
  Window::Kind from_kind = Window::Kind::kAll, to_kind = Window::Kind::kAll;
  if (!from.empty()) {
    if (Status s = parse_bound(from, "--from", from_kind, out.from); !s.ok()) return s;
  }
  if (!to.empty()) {
    if (Status s = parse_bound(to, "--to", to_kind, out.to); !s.ok()) return s;
  }
  if (from_kind != Window::Kind::kAll && to_kind != Window::Kind::kAll && from_kind != to_kind) {
    return Status::bad_input("--from and --to must both be times or both be history line numbers");
  }
  out.kind = from_kind != Window::Kind::kAll ? from_kind : to_kind;
  if (out.kind == Window::Kind::kLines && from.empty()) out.from = 1;
  if (out.from > out.to) {
    return Status::bad_input("--from \"" + from + "\" is after --to \"" + to + "\"");
  }
  return out;
}

namespace {

// 187000 -> "187,000"
std::string with_commas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// What a window is, in words: "the run", "the window 1s to 2s", ...
std::string window_words(const Window& w) {
  auto end = [&](auto text) { return w.to == INT64_MAX ? std::string("the end") : text(w.to); };
  switch (w.kind) {
    case Window::Kind::kAll:
      return "the run";
    case Window::Kind::kTime:
      return "the window " + format_time(w.from) + " to " +
             end([](int64_t t) { return format_time(t); });
    case Window::Kind::kLines:
      return "the window of lines #" + std::to_string(w.from) + " to " +
             end([](int64_t l) { return "#" + std::to_string(l); });
  }
  return "";
}

}  // namespace

Window window_to_draw(const history::History& history, const SpacetimeOptions& options,
                      std::string& note) {
  note.clear();
  Diagram whole(history, options.window, options.fold_quiet_anti_entropy);
  whole.index_messages();
  const size_t count = whole.count_messages();
  if (count <= kMaxSpacetimeMessages) return options.window;
  // Too many: the window's first messages, by send. Messages sent before the
  // window and delivered in it are drawn too, so the cut may move up until
  // the part holds no more than the limit.
  const std::vector<size_t> sends = whole.send_lines();
  const auto extent = whole.extent();
  const int64_t first_line = extent ? static_cast<int64_t>(extent->first->line) : 1;
  size_t take = std::min(kMaxSpacetimeMessages, sends.size());
  Window part{Window::Kind::kLines, first_line, INT64_MAX};
  size_t drawn = 0;
  while (true) {
    part.to = take < sends.size() ? static_cast<int64_t>(sends[take]) - 1 : INT64_MAX;
    Diagram d(history, part, options.fold_quiet_anti_entropy);
    d.index_messages();
    drawn = d.count_messages();
    if (drawn <= kMaxSpacetimeMessages || take == 0) break;
    take -= std::min(take, drawn - kMaxSpacetimeMessages);
  }
  Diagram d(history, part, options.fold_quiet_anti_entropy);
  d.index_messages();
  const auto drawn_extent = d.extent();
  note = "Drew messages 1.." + std::to_string(drawn) + " of the " + with_commas(count) + " in " +
         window_words(options.window);
  if (drawn_extent) {
    note += " (history lines #" + std::to_string(drawn_extent->first->line) + "..#" +
            std::to_string(drawn_extent->second->line) +
            ", t=" + format_time(drawn_extent->first->t_us) + ".." +
            format_time(drawn_extent->second->t_us) + ")";
  }
  note += ": a picture holds at most " + std::to_string(kMaxSpacetimeMessages) + ".";
  if (take < sends.size()) {
    // The next part, in the same words kvsim render takes.
    const size_t next = std::min(take + kMaxSpacetimeMessages * 9 / 10, sends.size());
    note +=
        "\nThe next ones: kvsim render " + history.path + " --from #" + std::to_string(sends[take]);
    if (next < sends.size()) note += " --to #" + std::to_string(sends[next] - 1);
    note += " (or any --from/--to window).";
  }
  return part;
}

}  // namespace kv::viz
