// The history reader's line-by-line checker (internal to history/): the Reader
// takes one line at a time, checks it against the format and the lines
// before it, and builds the History. history/read.cc holds its rules
// (read_body.cc a message body's, read leniently); history/read_file.cc feeds
// it lines from text or a file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/escape.h"
#include "base/json_text.h"
#include "history/format.h"
#include "history/history.h"
#include "history/json_fields.h"

namespace kv::history {

// A send line's body fields as labels use them (read_body.cc); ill-typed
// ones are left empty.
MessageBody read_body(const json::Json& body);

// "n" followed by decimal digits: a node's name as node/names.h writes it
// (anything else a message end names is a client).
inline bool is_node_name(const std::string& name) {
  if (name.size() < 2 || name[0] != 'n') return false;
  return std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads lines one at a time and keeps the cross-line state the checks need.
class Reader {
 public:
  explicit Reader(const std::string& path) { history_.path = path; }

  // False (with error()) when the line is refused.
  bool line(std::string_view text, size_t number);
  // After the last line: false (with error()) when the history is not whole.
  bool finish(bool partial);
  const std::string& error() const { return error_; }
  History take() { return std::move(history_); }
  // Room for `n` events up front: growing a vector of a million events
  // would hold the old and the new copy at once. Pages never written are
  // never resident, so a guess on the high side costs little.
  void reserve(size_t n) { history_.events.reserve(n); }
  void warn(size_t number, const std::string& what) {
    ++warnings_;
    if (history_.warnings.size() < kMaxWarnings) {
      history_.warnings.push_back(
          escape_control(history_.path + ":" + std::to_string(number) + ": " + what));
    }
  }

 private:
  bool fail(size_t number, const std::string& what) {
    error_ = history_.path + ":" + std::to_string(number) + ": " + what;
    return false;
  }

  // The format's shape for this line (a fault's own when kind is `fault`),
  // or nullptr when the line is to be skipped (warned). False on error.
  bool shape_of(Fields& f, const std::string& kind, size_t number,
                const history::format::Shape*& shape);
  bool read_event(Fields& f, const std::string& kind, EventData& out, size_t number);
  bool read_start(Fields& f, StartEvent& out);
  bool read_fault(Fields& f, FaultEvent& out);
  bool read_apply(Fields& f, ApplyEvent& out);
  // The message `id` must have been sent; for deliver/drop with the same ends.
  bool check_sent(Fields& f, uint64_t id, const std::string* src, const std::string* dest);
  // `name` (from `field`) must be one of the start line's nodes.
  bool check_node(Fields& f, const char* field, const std::string& name);
  // A message end: a node it names must be listed; a client is anything else.
  bool check_end(Fields& f, const char* field, const std::string& name);
  bool check_nodes(Fields& f, const char* field, const std::vector<std::string>& names);
  // `value` must be one of the format's values for `of`'s `field`.
  bool check_value(Fields& f, std::string_view of, const char* field, const std::string& value);

  History history_;
  std::string error_;
  std::map<uint64_t, size_t> sent_;  // id -> index in history_.events
  std::set<std::string> nodes_;      // the start line's
  std::set<std::string> finals_;     // nodes with a `final` line
  int64_t last_t_us_ = 0;
  size_t first_line_ = 0, last_line_ = 0;  // non-blank lines
  std::string first_kind_;
  bool ended_ = false;
  size_t warnings_ = 0;
};

}  // namespace kv::history
