// The line protocol of `kvsim node` (docs/PROTOCOL.md).
//
// LineServer hands each input line to its Replica (node/replica.h) and
// writes what the replica sends: at most one reply line to a client, and with
// `replicate` the messages to its peers. Replies are written byte for byte as
// Python's json.dumps writes them. Bad input never changes the store:
//   - a line that is not JSON, or has no `src`/`body`/`msg_id` to answer to,
//     gets no reply but one diagnostic naming the line number and the cause;
//   - a request that can be answered but not served gets a Maelstrom error
//     body: 10 not-supported, 11 temporarily-unavailable (before init),
//     12 malformed-request (missing or ill-typed field); and the replica
//     itself answers 14 to a write that would pass the sibling bound.
// The node numbers the replies it sends from 0, one more for every reply.
// A line is read by RequestScanner when it is one of the common shapes, and
// otherwise parsed whole (node/request.h); both readings give one Request.
//
// Requests are served by a Replica, the same code the simulator runs. A
// LineServer made with `replicate` also takes part in a cluster: it writes
// what the replica sends its peers (replication, anti-entropy) as Maelstrom
// messages, {"src": "n1", "dest": "n2", "body": {...}}, and reads theirs;
// without it, messages to peers are not written (one node on its own: its
// output is its replies, byte for byte).
//
// A replicating server also takes the lines of the simulator's harness
// (`kvsim run --node-cmd`, docs/PROTOCOL.md), those whose `src` is "kvsim":
// `init` (no msg_id, no reply, no number taken), `tick` (an anti-entropy
// round with the peer and round number given) and `sync` (answered with
// `sync_ok` and the sibling sets of the keys it names, after everything the
// lines before it made the node send).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/limits.h"
#include "node/replica.h"
#include "node/request.h"
#include "node/request_scan.h"

namespace kv {

// The longest line `kvsim node` reads is kMaxLineBytes (base/limits.h), '\n'
// not counted. A longer line is skipped as it streams in (never held whole)
// with one diagnostic, and gets no reply. nlohmann's tree of a line can take
// ~25 times the line's bytes (a 16 MiB line of "[]," takes ~400 MB while
// parsed), so this bounds the node's memory per request.

// A timer a replica set (after_us >= 0: fire after that many microseconds)
// or cancelled (after_us < 0), for the host's wall clock.
struct TimerChange {
  uint64_t timer = 0;
  int64_t after_us = 0;
};

class LineServer {
 public:
  explicit LineServer(bool replicate = false) : replicate_(replicate) {}

  // Handles one line (no trailing newline; a trailing '\r' is ignored, and a
  // blank line is skipped). Appends a reply line, with its '\n', to `out`,
  // or a diagnostic line to `err`. `line_no` counts from 1.
  void handle_line(std::string_view line, uint64_t line_no, std::string& out, std::string& err);

  // The anti-entropy timer fired (a replicating server that is initialised,
  // in a cluster of two or more): opens a round with the peer that
  // `peer_draw` picks (any number; taken modulo the peer count) and appends
  // its message to `out`.
  void tick(uint64_t peer_draw, std::string& out);

  // The timers the replica set or cancelled since the last call, in order;
  // the host keeps them on its wall clock and calls fire_timer when one is
  // due (cli/node_command.cc).
  std::vector<TimerChange> take_timer_changes() { return std::exchange(timer_changes_, {}); }
  // A timer the replica set is due: the replica handles it, appending what
  // it sends to `out`.
  void fire_timer(uint64_t timer, std::string& out);

  const Node& node() const { return replica_.node(); }

  // Whether a harness `sync` was answered since the last call: the host
  // saves what must outlive the process before the answer is written out.
  bool take_synced() { return std::exchange(synced_, false); }
  // The keys the last sync named: those the reaction before it concerned.
  const std::vector<std::string>& synced_keys() const { return synced_keys_; }
  // The number the next reply to a client takes.
  uint64_t next_msg_id() const { return replica_.next_msg_id(); }
  // Rebuilds a node from what it saved (cli/node_command.cc): its identity,
  // its reply numbering, and its store, key by key in the order the versions
  // were added. REQUIRES: a server not initialised yet.
  void restore(std::string id, std::vector<std::string> node_ids, uint64_t next_msg_id,
               const std::vector<KeyVersions>& store);

 private:
  // A line from the harness ("src": "kvsim"): init, tick or sync.
  void serve_harness(const json::Json& message, uint64_t line_no, std::string& out,
                     std::string& err);
  // Answers request_, read whole and well-typed.
  void serve(std::string& out);
  // Hands a node-to-node message to the replica.
  void receive_peer(const json::Json& message, MsgType type, uint64_t line_no, std::string& out,
                    std::string& err);
  // Answers request_ with an error body.
  void refuse(int code, std::string_view text, std::string& out);
  // The name the node answers request_ as.
  std::string_view self() const;

  Replica replica_;
  bool replicate_ = false;
  uint64_t next_round_ = 1;
  RequestScanner scanner_;
  Request request_;  // the line being handled; kept to reuse its buffers
  std::vector<TimerChange> timer_changes_;
  bool synced_ = false;
  std::vector<std::string> synced_keys_;
};

// The name the simulator's harness speaks as.
inline constexpr std::string_view kHarnessName = "kvsim";

// Cuts a byte stream (stdin, read in chunks of any size) into lines for a
// LineServer, numbering them from 1. Holds at most `max_line_bytes` of the
// line being read: past that the line is reported once on `err`
// ("line N: longer than ... bytes; skipped") and the rest of it is dropped as
// it arrives. Each byte is looked at once, however the input is chunked.
class LineStream {
 public:
  explicit LineStream(LineServer& server, size_t max_line_bytes = kMaxLineBytes)
      : server_(server), max_line_bytes_(max_line_bytes) {}

  // Handles every line `bytes` completes; appends to `out` and `err` as
  // LineServer::handle_line does.
  void feed(std::string_view bytes, std::string& out, std::string& err);
  // End of input: a last line without its '\n' is handled too.
  void finish(std::string& out, std::string& err);

  // Bytes held of a line not yet ended (at most max_line_bytes).
  size_t buffered_bytes() const { return pending_.size(); }

 private:
  LineServer& server_;
  size_t max_line_bytes_;
  std::string pending_;    // the start of a line whose '\n' has not come yet
  bool skipping_ = false;  // the current line passed the limit: drop to its end
  uint64_t line_no_ = 0;
};

}  // namespace kv
