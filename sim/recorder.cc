#include "sim/recorder.h"

#include "base/json_text.h"
#include "history/format.h"
#include "node/mutant.h"
#include "node/names.h"
#include "node/version_text.h"

namespace kv::sim {

namespace {

namespace fmt = history::format;

std::string_view op_text(MsgType kind) {
  switch (kind) {
    case MsgType::kPut:
      return fmt::client_op::kPut;
    case MsgType::kGet:
      return fmt::client_op::kGet;
    case MsgType::kResolve:
      return fmt::client_op::kResolve;
    default:  // not a client operation
      return "?";
  }
}

}  // namespace

void Recorder::add_endpoint(std::string_view name) {
  names_.emplace_back();
  json::dump_string(name, names_.back());
}

void Recorder::names(std::string_view field, const std::vector<NodeIndex>& list) {
  history::HistoryWriter& out = history_.field(field);
  out += '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    out += name(list[i]);
  }
  out += ']';
}

void Recorder::start(const Scenario& scenario, uint64_t seed, uint32_t nodes,
                     const std::vector<NodeClock>& clocks) {
  history_.begin(SimTime{0}, fmt::kind::kStart);
  history_.field_string("scenario", scenario.name);
  history_.field_uint("seed", seed);
  std::vector<NodeIndex> all(nodes);
  for (NodeIndex i = 0; i < nodes; ++i) all[i] = i;
  names("nodes", all);
  history_.field_string("description", scenario.description);
  if (!scenario.swarm_draw_json.empty()) history_.field_raw("swarm", scenario.swarm_draw_json);
  if (active_mutant != Mutant::kNone) history_.field_string("mutant", mutant_name(active_mutant));
  if (scenario.replication.quorum()) {
    const Replication& r = scenario.replication;
    std::string text = "{\"n\": " + std::to_string(r.n) + ", \"r\": " + std::to_string(r.r) +
                       ", \"w\": " + std::to_string(r.w) + ", \"coordinator\": \"" +
                       (r.coordinator == Replication::Coordinator::kClient ? "client" : "node") +
                       "\", \"sloppy\": " + (r.sloppy ? "true" : "false") +
                       ", \"read_repair\": " + (r.read_repair ? "true" : "false") + "}";
    history_.field_raw("replication", text);
  }
  if (scenario.mechanism != Mechanism::kClientVv) {
    history_.field_string("mechanism", mechanism_name(scenario.mechanism));
  }
  if (scenario.mechanism == Mechanism::kLww) {
    // {"n1": {"skew_us": S, "drift_ppm": D}, ...}
    std::string text = "{";
    for (NodeIndex i = 0; i < nodes && i < clocks.size(); ++i) {
      if (i > 0) text += ", ";
      text += "\"" + node_name(i) + "\": {\"skew_us\": " + std::to_string(clocks[i].skew_us) +
              ", \"drift_ppm\": " + std::to_string(clocks[i].drift_ppm) + "}";
    }
    history_.field_raw("clocks", text + "}");
  }
  history_.end();
}

void Recorder::op(SimTime t, Endpoint client, uint64_t msg_id, MsgType kind, std::string_view key,
                  NodeIndex node, SimTime due, const Clock* auto_context, uint64_t auto_read) {
  history_.begin(t, fmt::kind::kOp);
  history_.field_raw("client", name(client));
  history_.field_uint("msg_id", msg_id);
  history_.field_string("op", op_text(kind));
  history_.field_string("key", key);
  history_.field_raw("node", name(node));
  history_.field_uint("due", static_cast<uint64_t>(due.us));
  if (auto_context != nullptr) {
    history_.field_uint("auto_read", auto_read);
    history_.field_clock("auto_context", *auto_context);
  }
  history_.end();
}

void Recorder::send(SimTime t, const Message& m) {
  history_.begin(t, fmt::kind::kSend);
  history_.field_uint("id", m.id);
  history_.field_raw("src", name(m.src));
  history_.field_raw("dest", name(m.dest));
  write_body(m, history_.field("body"));
  history_.end();
}

void Recorder::lost(SimTime t, const Message& m, bool scripted) {
  arrival(t, m, scripted ? fmt::reason::kScripted : fmt::reason::kLoss);
}

void Recorder::duplicate(SimTime t, const Message& m) {
  history_.begin(t, fmt::kind::kDuplicate);
  history_.field_uint("id", m.id);
  history_.end();
}

void Recorder::arrival(SimTime t, const Message& m, std::string_view drop_reason) {
  history_.begin(t, drop_reason.empty() ? fmt::kind::kDeliver : fmt::kind::kDrop);
  history_.field_uint("id", m.id);
  history_.field_raw("src", name(m.src));
  history_.field_raw("dest", name(m.dest));
  if (!drop_reason.empty()) history_.field_string("reason", drop_reason);
  history_.end();
}

void Recorder::apply(SimTime t, NodeIndex node, const AppliedWrite& a, Endpoint client,
                     const Siblings& after) {
  history_.begin(t, fmt::kind::kApply);
  history_.field_raw("node", name(node));
  history_.field_string("key", a.key.text);
  history_.field_raw("value", a.version->value);
  history_.field_clock("clock", a.version->clock);
  if (a.version->dot.set()) [[unlikely]] {  // a server-side mechanism's: names the version
    auto& dot = history_.field("dot");
    dot += '[';
    append_uint(dot, a.version->dot.node);
    dot += std::string_view(", ");
    append_uint(dot, a.version->dot.counter);
    dot += ']';
  }
  history_.field_string("op", op_name(a.op));
  history_.field_uint("msg", a.via ? a.via->id : 0);
  history_.field_string("result", to_string(a.outcome.result));
  history_.field_uint("siblings", a.outcome.siblings);
  if (a.reply) {
    history_.field_string("status", to_string(a.reply->status));
    history_.field_raw("client", name(client));
  }
  history_.end();
  if (a.outcome.result != ApplyResult::kApplied) return;
  history_.begin(t, fmt::kind::kSiblings);
  history_.field_raw("node", name(node));
  history_.field_string("key", a.key.text);
  write_siblings(after, history_.field("siblings"));
  history_.end();
}

void Recorder::siblings(SimTime t, NodeIndex node, std::string_view key, const Siblings& now) {
  history_.begin(t, fmt::kind::kSiblings);
  history_.field_raw("node", name(node));
  history_.field_string("key", key);
  write_siblings(now, history_.field("siblings"));
  history_.end();
}

void Recorder::partition(SimTime t, const Partition& p) {
  history_.begin(t, fmt::kind::kFault);
  history_.field_string("fault", fmt::fault::kPartition);
  history_.field_string("shape", p.shape);
  if (!p.groups.empty()) {
    history::HistoryWriter& out = history_.field("groups");
    out += '[';
    for (size_t g = 0; g < p.groups.size(); ++g) {
      if (g > 0) out += ", ";
      out += '[';
      for (size_t i = 0; i < p.groups[g].size(); ++i) {
        if (i > 0) out += ", ";
        out += name(p.groups[g][i]);
      }
      out += ']';
    }
    out += ']';
  }
  if (!p.from.empty()) {
    names("from", p.from);
    names("to", p.to);
  }
  if (!p.ring.empty()) names("ring", p.ring);
  history_.end();
}

void Recorder::heal(SimTime t) {
  history_.begin(t, fmt::kind::kFault);
  history_.field_string("fault", fmt::fault::kHeal);
  history_.end();
}

void Recorder::crash(SimTime t, NodeIndex node, bool amnesia, bool already_crashed,
                     const std::vector<std::string_view>& wiped) {
  history_.begin(t, fmt::kind::kFault);
  history_.field_string("fault", fmt::fault::kCrash);
  history_.field_raw("node", name(node));
  history_.field_bool("amnesia", amnesia);
  if (already_crashed) history_.field_bool("already_crashed", true);
  history_.end();
  for (std::string_view key : wiped) {
    history_.begin(t, fmt::kind::kSiblings);
    history_.field_raw("node", name(node));
    history_.field_string("key", key);
    history_.field_raw("siblings", "[]");
    history_.end();
  }
}

void Recorder::restart(SimTime t, NodeIndex node, bool was_running) {
  history_.begin(t, fmt::kind::kFault);
  history_.field_string("fault", fmt::fault::kRestart);
  history_.field_raw("node", name(node));
  if (was_running) history_.field_bool("was_running", true);
  history_.end();
}

void Recorder::timeout(SimTime t, Endpoint client, uint64_t msg_id, uint32_t attempt,
                       NodeIndex node) {
  history_.begin(t, fmt::kind::kTimeout);
  history_.field_raw("client", name(client));
  history_.field_uint("msg_id", msg_id);
  history_.field_uint("attempt", attempt);
  history_.field_raw("node", name(node));
  history_.end();
}

void Recorder::give_up(SimTime t, Endpoint client, uint64_t msg_id) {
  history_.begin(t, fmt::kind::kGiveUp);
  history_.field_raw("client", name(client));
  history_.field_uint("msg_id", msg_id);
  history_.end();
}

void Recorder::not_made(SimTime t, Endpoint client, NodeIndex node) {
  history_.begin(t, fmt::kind::kGiveUp);
  history_.field_raw("client", name(client));
  history_.field_uint("msg_id", 0);
  history_.field_raw("node", name(node));
  history_.field_string("reason", fmt::reason::kCrashed);
  history_.end();
}

void Recorder::final(SimTime t, NodeIndex node, bool live, const Node& state) {
  history_.begin(t, fmt::kind::kFinal);
  history_.field_raw("node", name(node));
  history_.field_bool("live", live);
  history::HistoryWriter& out = history_.field("store");
  out += '{';
  bool first = true;
  for (std::string_view key : state.store().sorted_keys()) {
    if (!first) out += ", ";
    first = false;
    out.put_string(key);
    out += ": ";
    write_siblings(state.get(key), out);
  }
  out += '}';
  history_.end();
}

void Recorder::end(SimTime t, uint64_t events, uint64_t messages) {
  history_.begin(t, fmt::kind::kEnd);
  history_.field_uint("events", events);
  history_.field_uint("messages", messages);
  history_.end();
}

}  // namespace kv::sim
