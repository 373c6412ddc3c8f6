// Reading a run's history (`history.jsonl`, docs/HISTORY.md) into typed
// records.
//
// A history is untrusted input: a saved file may be truncated, edited by
// hand, or fuzzed. The reader never crashes, hangs or asserts on it; it
// answers a History or an error value "HISTORY:LINE: what is wrong", one line
// (control characters quoted from the file are written as \xNN, in warnings
// too).
//
// Policy, decided once here:
// - What a line must hold comes from the format's one definition
//   (history/format.h): its kinds, the fields every line of a kind has,
//   and the values enumerated fields may take.
// - A line that is not JSON, is not an object, lacks a field its `kind`
//   needs, or has an ill-typed field or a value the format does not list
//   refuses the whole file with an error naming that line: a picture drawn
//   from a half-read history would teach something that did not happen.
// - A history is whole: its first line is `start`, listing 1 to
//   kMaxNodes distinct nodes; every line that names a node names one of
//   them; it ends with a `final` line for every node and then `end`. A file
//   that stops before its `end` (a run killed, or still going) is refused,
//   unless the caller asks for a partial read (`kvsim render --partial`):
//   then what is there is read (a last line cut mid-way is dropped with a
//   warning) and History::complete is false.
// - A line whose `kind` (or a `fault` whose `fault`) this reader does not
//   know is skipped with a warning, so newer simulators' extra kinds do not
//   break old readers. Unknown extra fields are ignored.
// - Blank lines (and a missing newline at the end) are accepted silently.
// - Cross-line consistency that the pictures rely on is checked: `t` never
//   goes backwards; `start` is only the first line; nothing follows `end`;
//   message ids are unique; `deliver`/`drop`/`duplicate` and an `apply`'s
//   `msg` name a message that was sent, with the same `src` and `dest`.
// - A message `body` only needs an object with a string `type`: the other
//   body fields are read where present and well typed (they feed labels) and
//   otherwise left empty.
// - Limits: a line of at most kMaxLineBytes, JSON nested at most
//   kMaxNestingDepth deep, clocks of at most kMaxClockSlots slots, a file of
//   at most kMaxHistoryBytes (the first three are base/limits.h's). Past a
//   limit the line is refused.
//
// Values are kept as their JSON text written as kv::json::dump writes it
// (Python's json.dumps), so "the same value" is the same text, as in the
// store (node/version.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/limits.h"
#include "base/status.h"
#include "node/causality.h"
#include "node/clock.h"
#include "node/message.h"
#include "node/store.h"

namespace kv::history {

// A history is read whole: the text and its events take about 4.5 times the
// file's size (a 24 MB history peaks at 105 MB), so one at this limit needs
// ~4.5 GB. A regular file past it is refused before it is read.
inline constexpr size_t kMaxHistoryBytes = size_t{1} << 30;
inline constexpr size_t kMaxWarnings = 20;
// Keys of an anti-entropy message kept for its label.
inline constexpr size_t kMaxLabelKeys = 3;

// A value with its clock, as it appears in `apply`, `siblings` and `final`.
struct VersionText {
  std::string value;  // JSON text (kv::json::dump form)
  Clock clock;
  // A server-side mechanism's dot (node/version.h), when the line has one:
  // two versions with one value and clock differ by it.
  bool has_dot = false;
  uint64_t dot_node = 0, dot_counter = 0;
  // The same as the mechanism's rules see it (node/causality.h's
  // VersionView): under lww the dot is the `timestamp` (Dot::kTimestamp).
  // Without server-vv's kReplaced (an `apply` line does not carry it), so
  // the pictures order no server-vv version above another.
  Dot dot;
};

// The versions an anti-entropy message carried, for its label: how many
// keys they are of, the first kMaxLabelKeys of those keys, and the first
// version.
struct AeVersions {
  uint64_t keys = 0;
  std::vector<std::string> first_keys;
  std::optional<VersionText> first;
};

// What a message carried, as far as labels and stories need it. Fields the
// body did not have (or had with another type) are left empty / nullopt.
struct MessageBody {
  MsgType type = MsgType::kPut;  // node/message.h: one name table
  std::optional<uint64_t> msg_id;
  std::optional<uint64_t> in_reply_to;
  std::string key;
  std::optional<std::string> value;  // JSON text
  std::optional<Clock> clock;
  std::string status;                              // replies to puts and resolves
  std::optional<uint64_t> siblings;                // a `conflict` reply's count
  std::optional<std::vector<VersionText>> values;  // kv_get_ok
  std::optional<uint64_t> round;                   // ae_*
  std::optional<uint64_t> code;                    // error
  std::string hint;                                // store to a stand-in: the replica it is for
  std::optional<uint64_t> versions;                // ae_diff / ae_push: how many versions
  // ae_diff / ae_push: what those versions are (held apart: most messages
  // have none, and a history holds a million bodies).
  std::shared_ptr<const AeVersions> ae_versions;
};

struct StartEvent {
  std::string scenario;
  std::optional<uint64_t> seed;
  std::vector<std::string> nodes;
  std::string description;
  // The conflict-detection mechanism the run used (node/causality.h).
  Mechanism mechanism = Mechanism::kClientVv;
  // A run with a replication: section: each key on `replicas` nodes of the
  // ring (node/placement.h), coordinated by a client or a node.
  std::optional<uint32_t> replicas;
  std::string coordinator;
  bool read_repair = false;
  // Under lww, each node's physical clock (the `clocks` field), by node
  // slot: it reads t + skew_us + t * drift_ppm / 1000000 at simulated time t.
  struct NodeClock {
    int64_t skew_us = 0, drift_ppm = 0;
    int64_t read(int64_t t_us) const { return t_us + skew_us + t_us * drift_ppm / 1000000; }
  };
  std::vector<NodeClock> clocks;
  // How far node slot a's clock runs ahead of node slot b's at simulated
  // time t (negative: behind; 0 without clocks).
  int64_t clock_ahead_us(size_t a, size_t b, int64_t t_us) const {
    if (a >= clocks.size() || b >= clocks.size()) return 0;
    return clocks[a].read(t_us) - clocks[b].read(t_us);
  }
};

struct SendEvent {
  uint64_t id = 0;
  std::string src, dest;
  MessageBody body;
};

struct DuplicateEvent {
  uint64_t id = 0;
};

struct DeliverEvent {
  uint64_t id = 0;
  std::string src, dest;
};

struct DropEvent {
  uint64_t id = 0;
  std::string src, dest;
  std::string reason;  // "loss", "partition", "crashed" (or what the file says)
};

// How a write reached a node (WriteOp, node/message.h) and what its store did
// (ApplyResult, node/store.h): the node's own enums, so each has one name
// table, in the order of history/format.h's lists (op::, result::).

struct ApplyEvent {
  std::string node, key;
  VersionText version;
  WriteOp op = WriteOp::kPut;
  uint64_t msg = 0;  // 0: a colocated client, no message
  ApplyResult result = ApplyResult::kApplied;
  uint64_t siblings = 0;  // the key's sibling count after
  // Client writes (kPut, kResolve) only: the reply and who wrote.
  std::string status;  // "written", "conflict", "resolved", "rejected", "too_many_siblings"
  std::string client;
  bool client_write() const { return op == WriteOp::kPut || op == WriteOp::kResolve; }
};

struct SiblingsEvent {
  std::string node, key;
  std::vector<VersionText> siblings;
};

struct FaultEvent {
  enum class Kind { kPartition, kHeal, kCrash, kRestart };
  Kind kind = Kind::kPartition;
  // kPartition: groups (nodes not listed are one more group), a one-way cut
  // from `from` to `to`, or a majorities ring: the nodes on a ring, each
  // keeping its links to the nodes within ring_reach() steps (the simulator
  // writes `ring`).
  std::vector<std::vector<std::string>> groups;
  std::vector<std::string> from, to;
  std::vector<std::string> ring;
  std::string shape;
  // kCrash, kRestart
  std::string node;
  bool amnesia = false;
  bool already_crashed = false;  // kCrash of a node that was down
  bool was_running = false;      // kRestart of a node that was up

  // How far a node on the ring still reaches: half a majority, rounded down
  // ((n/2 + 1) / 2), as the simulator cuts it.
  size_t ring_reach() const { return (ring.size() / 2 + 1) / 2; }
};

struct TimeoutEvent {
  std::string client;
  uint64_t msg_id = 0;
  uint64_t attempt = 0;
  std::string node;  // where the retry goes
};

// A client operation sent for the first time (an `op` line, right before
// the request's first `send`): when it fell due (a client has one request in
// flight at a time, so an operation may wait), and, for a `clock: auto`
// write, what its clock was built from.
struct OpEvent {
  std::string client;
  uint64_t msg_id = 0;
  std::string op;  // "put", "get", "resolve"
  std::string key;
  std::string node;
  int64_t due_us = 0;  // <= the line's t
  // clock: auto writes only: the msg_id of the client's read whose reply
  // the clock was built from (0: the client had not read the key), and the
  // pointwise maximum of that reply's clocks.
  std::optional<uint64_t> auto_read;
  std::optional<Clock> auto_context;
};

struct GiveUpEvent {
  std::string client;
  uint64_t msg_id = 0;
  // A colocated client's operation not made: its node, and why ("crashed").
  // Empty otherwise.
  std::string node, reason;
};

struct FinalEvent {
  std::string node;
  bool live = true;
  // Keys in the order the file lists them (byte order, per the format).
  std::vector<std::pair<std::string, std::vector<VersionText>>> store;
};

struct EndEvent {
  uint64_t events = 0;
  uint64_t messages = 0;
};

using EventData = std::variant<StartEvent, SendEvent, DuplicateEvent, DeliverEvent, DropEvent,
                               ApplyEvent, SiblingsEvent, FaultEvent, TimeoutEvent, GiveUpEvent,
                               OpEvent, FinalEvent, EndEvent>;

struct Event {
  int64_t t_us = 0;
  size_t line = 0;  // 1-based line number in the file
  EventData data;
};

// A history that passed every check above. Invariants: events are in file
// order with non-decreasing t_us; every message id an event names has a
// SendEvent earlier in `events` (see send_index).
struct History {
  std::string path;  // for messages
  std::optional<StartEvent> start;
  // False when read partially and the file stops before its `end` line;
  // then last_line / last_t_us say where it stops.
  bool complete = true;
  size_t last_line = 0;
  int64_t last_t_us = 0;
  std::vector<Event> events;
  std::vector<std::string> warnings;  // "HISTORY:LINE: ..." of skipped lines
  // Message id -> index in `events` of its SendEvent, sorted by id.
  std::vector<std::pair<uint64_t, size_t>> send_index;

  // "" for a complete history; else one sentence saying where it stops, for
  // titles and stories.
  std::string partial_note() const;
  // The SendEvent of message `id`, or nullptr if no message has that id.
  const SendEvent* find_send(uint64_t id) const;
  // Nodes: the start line's list if any, else every `n<digits>` name seen,
  // in natural order. Clients: every other participant, in natural order.
  std::vector<std::string> nodes() const;
  std::vector<std::string> clients() const;
  // The rules its versions are ordered by: the run's mechanism.
  const Causality& rules() const {
    return causality(start ? start->mechanism : Mechanism::kClientVv);
  }
};

// A history, or a failed Status (base/status.h) saying "HISTORY:LINE: ..."
// or "HISTORY: ...".
using ReadResult = Result<History>;

struct ReadOptions {
  // Accept a history that stops before its `end` (see the policy above).
  bool partial = false;
  // Called now and then while a file is read (bytes read so far, the
  // file's size or 0), for progress reports. May be empty.
  void (*progress)(void* ctx, uint64_t bytes_read, uint64_t bytes_total) = nullptr;
  void* progress_ctx = nullptr;
};

// `path` only names the text in messages. Fails with bad input only.
ReadResult read_history_text(std::string_view text, const std::string& path,
                             const ReadOptions& options = {});
// Bad input when the content is refused (or the file is larger than
// kMaxHistoryBytes); an I/O error when the file cannot be opened or read
// (missing, a folder, no permission, a read failing part way).
ReadResult read_history_file(const std::string& path, const ReadOptions& options = {});

}  // namespace kv::history
