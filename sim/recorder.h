// The recorder: what happens in a run, as history lines (docs/HISTORY.md).
//
// The simulator's handlers say what happened in typed calls — a message was
// sent, a write applied, a node crashed — and the recorder writes the line,
// with the names and fields history/format.h defines, so no handler
// writes JSON. Endpoints are numbered as the simulator numbers them: nodes
// 0..N-1, then clients; the recorder knows their names.
//
// Every call writes one line (apply and crash may write more: the sibling
// sets they change). Callers check on() first where building the arguments
// costs something: a run without a history pays one branch per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "history/writer.h"
#include "node/message.h"
#include "node/replica.h"
#include "sim/network.h"
#include "sim/scenario.h"

namespace kv::sim {

class Recorder {
 public:
  explicit Recorder(history::HistoryWriter& history) : history_(history) {}

  bool on() const { return history_.enabled(); }
  // Names the next endpoint (nodes first, in slot order, then clients).
  void add_endpoint(std::string_view name);

  // `clocks`: each node's, written under lww.
  void start(const Scenario& scenario, uint64_t seed, uint32_t nodes,
             const std::vector<NodeClock>& clocks);
  // A client operation sent for the first time; `auto_context` (with the
  // msg_id of the read it came from) for a clock: auto write.
  void op(SimTime t, Endpoint client, uint64_t msg_id, MsgType kind, std::string_view key,
          NodeIndex node, SimTime due, const Clock* auto_context, uint64_t auto_read);

  void send(SimTime t, const Message& m);
  // The network lost `m` as it was sent (`scripted`: a scenario's drop: event
  // chose it).
  void lost(SimTime t, const Message& m, bool scripted = false);
  void duplicate(SimTime t, const Message& m);
  // `m` arrived: delivered if `drop_reason` is empty, else dropped.
  void arrival(SimTime t, const Message& m, std::string_view drop_reason);

  // A replica's store did `a` with a version; `client` names the writer of a
  // client write; `after` is the key's siblings after the write.
  void apply(SimTime t, NodeIndex node, const AppliedWrite& a, Endpoint client,
             const Siblings& after);

  // A node's sibling set for `key` is `now`, learnt otherwise than from an
  // apply: an outside node's report that differs from the store's rules
  // (sim/outside_node.h).
  void siblings(SimTime t, NodeIndex node, std::string_view key, const Siblings& now);

  void partition(SimTime t, const Partition& p);
  void heal(SimTime t);
  // `wiped` lists the keys an amnesia crash lost.
  void crash(SimTime t, NodeIndex node, bool amnesia, bool already_crashed,
             const std::vector<std::string_view>& wiped);
  void restart(SimTime t, NodeIndex node, bool was_running);

  void timeout(SimTime t, Endpoint client, uint64_t msg_id, uint32_t attempt, NodeIndex node);
  void give_up(SimTime t, Endpoint client, uint64_t msg_id);
  // A colocated client's put not made: its node is down.
  void not_made(SimTime t, Endpoint client, NodeIndex node);

  void final(SimTime t, NodeIndex node, bool live, const Node& state);
  void end(SimTime t, uint64_t events, uint64_t messages);

 private:
  const std::string& name(uint32_t e) const { return names_[e]; }
  void names(std::string_view field, const std::vector<NodeIndex>& list);

  history::HistoryWriter& history_;
  std::vector<std::string> names_;  // as JSON text, made once
};

}  // namespace kv::sim
