// Nodes outside the simulator (sim/outside_node.h): the lines a node is
// handed, the lines it answers with read back into messages, and the mirror
// replica that says what its store did.
#include <algorithm>
#include <set>

#include "base/json_text.h"
#include "base/time_text.h"
#include "node/names.h"
#include "node/request.h"
#include "sim/simulation_impl.h"

namespace kv::sim {

using json::Json;

bool is_sync_answer(std::string_view line) {
  return line.find("\"sync_ok\"") != std::string_view::npos &&
         line.find("\"kvsim\"") != std::string_view::npos;
}

namespace {

// The mirror replica's outbox: what it sends goes nowhere (the node's own
// messages are sent instead); what its store does is recorded through the
// node's outbox, with the status the node itself told the client.
struct MirrorOutbox final : Outbox {
  MirrorOutbox(Outbox* real, std::optional<WriteStatus> told) : real(real), told(told) {}
  Message& do_compose() override {
    scratch.clear();
    return scratch;
  }
  void do_send() override {}
  void do_send_reply() override {}
  void set_timer(Duration, uint64_t) override {}
  void cancel_timer(uint64_t) override {}
  void applied(const AppliedWrite& a) override {
    if (real == nullptr) return;
    if (a.reply == nullptr || !told) return real->applied(a);
    WriteResult r = *a.reply;
    r.status = *told;
    real->applied(AppliedWrite{a.key, a.version, a.op, a.via, a.outcome, &r});
  }
  Outbox* real;
  std::optional<WriteStatus> told;
  Message scratch;
};

bool same_siblings(const Siblings& a, const Siblings& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(), [](const VersionPtr& x, const VersionPtr& y) {
        return x->value == y->value && std::ranges::equal(x->clock.slots(), y->clock.slots());
      });
}

std::string clip(std::string_view line) {
  constexpr size_t kShown = 200;
  return line.size() <= kShown ? std::string(line) : std::string(line.substr(0, kShown)) + "...";
}

std::optional<WriteStatus> status_named(std::string_view name) {
  for (WriteStatus s : {WriteStatus::kWritten, WriteStatus::kConflict, WriteStatus::kResolved,
                        WriteStatus::kRejected}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace

VersionPtr Simulation::Impl::known_version(std::string_view key, const VersionPtr& v) {
  auto it = client_versions.find(key);
  if (it == client_versions.end()) return v;
  const Version* padded = nullptr;
  for (auto c = it->second.rbegin(); c != it->second.rend(); ++c) {
    if ((*c)->value != v->value) continue;
    if (std::ranges::equal((*c)->clock.slots(), v->clock.slots())) return *c;
    if (padded == nullptr && compare((*c)->clock, v->clock) == Order::kEqual) padded = c->get();
  }
  // The same write with its clock written at another length: the client's
  // write still (its origin), as the node wrote it.
  if (padded != nullptr) return make_version(v->value, v->clock, padded->origin);
  return v;
}

std::string Simulation::Impl::outside_line(const Message& m) const {
  std::string line = "{\"src\": ";
  json::dump_string(endpoint_text(m.src), line);
  line += ", \"dest\": ";
  json::dump_string(endpoint_text(m.dest), line);
  line += ", \"body\": ";
  write_body(m, line);
  line += "}\n";
  return line;
}

std::string Simulation::Impl::harness_line(NodeIndex node, std::string_view body) const {
  std::string line = "{\"src\": \"kvsim\", \"dest\": ";
  json::dump_string(node_name(node), line);
  line += ", \"body\": ";
  line += body;
  line += "}\n";
  return line;
}

std::string Simulation::Impl::sync_line(NodeIndex node,
                                        const std::vector<std::string_view>& keys) const {
  std::string body = "{\"type\": \"sync\", \"keys\": [";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) body += ", ";
    json::dump_string(keys[i], body);
  }
  body += "]}";
  return harness_line(node, body);
}

bool Simulation::Impl::outside_fail(NodeIndex node, std::string_view doing,
                                    const std::string& what) {
  if (outside_error.ok()) {
    outside_error = Status::io_error(node_name(node) + " at t=" + format_time(now().us) + ", " +
                                     std::string(doing) + ": " + what);
  }
  return false;
}

bool Simulation::Impl::outside_react(NodeIndex node, const std::string& lines,
                                     std::string_view doing, Reaction& r) {
  std::vector<std::string> got;
  const Status status = outside->exchange(node, lines, got);
  if (!status.ok()) return outside_fail(node, doing, status.message());
  const std::string& self = node_name(node);
  for (size_t i = 0; i < got.size(); ++i) {
    const std::string& line = got[i];
    const bool last = i + 1 == got.size() && is_sync_answer(line);
    const Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    auto bad = [&](const std::string& why) {
      return outside_fail(node, doing, "it wrote " + why + ": " + clip(line));
    };
    if (!j.is_object() || !j.contains("src") || !j.contains("dest") || !j.contains("body") ||
        !j["src"].is_string() || !j["dest"].is_string() || !j["body"].is_object()) {
      return bad("a line that is not a message {\"src\", \"dest\", \"body\"}");
    }
    if (j["src"].get_ref<const std::string&>() != self) return bad("a message not from itself");
    const std::string& dest = j["dest"].get_ref<const std::string&>();
    const Json& body = j["body"];
    const std::string type = body.value("type", std::string());
    if (last) {
      // The answer to the sync: the sibling sets of the keys asked for.
      if (dest != "kvsim" || type != "sync_ok" || !body.contains("store") ||
          !body["store"].is_object()) {
        return bad("an answer to sync that is not {\"type\": \"sync_ok\", \"store\": {...}}");
      }
      for (const auto& [key, list] : body["store"].items()) {
        Siblings versions;
        if (!list.is_array()) return bad("a store whose '" + key + "' is not a list of versions");
        for (const Json& v : list) {
          VersionPtr version;
          std::string problem;
          if (!v.is_object() || !read_version(v, version, problem)) {
            return bad("a version of '" + key + "' that is not {\"value\", \"clock\"}");
          }
          versions.push_back(known_version(key, version));
        }
        r.store.emplace_back(key, std::move(versions));
      }
      return true;
    }
    if (dest == "kvsim") continue;  // an init_ok, say: nothing for the network
    Sent s;
    const uint32_t to = endpoint_named_safe(dest);
    if (to == kNoEndpoint || to == node) {
      return bad("a message to '" + dest + "', neither a peer nor a client of the run");
    }
    s.dest = to;
    if (is_node(to)) {
      const std::optional<MsgType> t = peer_message_type(j);
      if (!t) return bad("a message to a peer of a type the protocol does not have");
      std::string problem;
      if (!read_peer_message(j, *t, s.peer, problem)) return bad(problem);
      s.type = *t;
      r.sent.push_back(std::move(s));
      continue;
    }
    const std::optional<MsgType> t = type_by_name(type);
    if (!t || !is_client_reply(*t)) return bad("a message to a client that is not a reply");
    s.type = *t;
    auto in_reply_to = body.find("in_reply_to");
    if (in_reply_to == body.end() || !in_reply_to->is_number_unsigned()) {
      return bad("a reply without an integer 'in_reply_to'");
    }
    const ClientState& c = clients[to - n];
    const uint64_t asked = in_reply_to->get<uint64_t>();
    if (asked == 0 || asked > c.ops.size()) {
      return bad("a reply to msg_id " + std::to_string(asked) + ", which " + c.name +
                 " never sent");
    }
    s.in_reply_to = asked;
    s.op = c.ops[asked - 1];
    s.own_msg_id = body.value("msg_id", uint64_t{0});
    if (s.type == MsgType::kError) {
      s.status = WriteStatus::kTooManySiblings;
    } else if (s.type == MsgType::kGetOk) {
      if (!body.contains("values") || !body["values"].is_array()) {
        return bad("a kv_get_ok without 'values'");
      }
      for (const Json& v : body["values"]) {
        VersionPtr version;
        std::string problem;
        if (!v.is_object() || !read_version(v, version, problem)) {
          return bad("a kv_get_ok value that is not {\"value\", \"clock\"}");
        }
        s.values.push_back(known_version(*operations[s.op].key, version));
      }
    } else {
      const std::optional<WriteStatus> st = status_named(body.value("status", std::string()));
      if (!st)
        return bad("a write reply whose 'status' is not written, conflict, resolved or rejected");
      s.status = *st;
      s.siblings = static_cast<uint32_t>(body.value("siblings", uint64_t{0}));
    }
    r.sent.push_back(std::move(s));
  }
  return outside_fail(node, doing, "its reaction ended without an answer to sync");
}

uint32_t Simulation::Impl::endpoint_named_safe(const std::string& name) const {
  if (name.size() >= 2 && name[0] == 'n') {
    for (NodeIndex i = 0; i < n; ++i) {
      if (node_name(i) == name) return i;
    }
    return kNoEndpoint;
  }
  auto it = client_by_name.find(name);
  return it == client_by_name.end() ? kNoEndpoint : client_endpoint(it->second);
}

void Simulation::Impl::outside_send(NodeIndex node, Outbox& out, Reaction& r) {
  for (Sent& s : r.sent) {
    Message& m = out.compose();
    m.src = node;
    m.dest = s.dest;
    m.type = s.type;
    if (is_client_reply(s.type)) {
      const Operation& o = operations[s.op];
      m.msg_id = s.in_reply_to;
      m.own_msg_id = s.own_msg_id;
      m.set_key(o.key);
      m.version = o.version;
      m.status = s.status;
      m.siblings = s.siblings;
      m.values = std::move(s.values);
      out.send_reply();
      continue;
    }
    if (s.type == MsgType::kReplicate) {
      m.set_key(keys.intern(s.peer.key));
      m.version = known_version(*m.key, s.peer.version);
    } else {
      for (KeyVersions& kv : s.peer.ae.versions) {
        for (VersionPtr& v : kv.versions) v = known_version(kv.key, v);
      }
      m.ae = std::make_shared<const AePayload>(std::move(s.peer.ae));
    }
    out.send();
  }
}

void Simulation::Impl::outside_reconcile(NodeIndex node, const Reaction& r) {
  for (const auto& [key, reported] : r.store) {
    if (same_siblings(replicas[node].node().get(key), reported)) continue;
    if (outside_report.divergences++ == 0) {
      std::string mine, theirs;
      write_siblings(replicas[node].node().get(key), mine);
      write_siblings(reported, theirs);
      outside_report.first = node_name(node) + " at t=" + format_time(now().us) + " holds " +
                             theirs + " for key '" + key + "' where the store's rules give " + mine;
    }
    if (record.on()) record.siblings(now(), node, key, reported);
    // The mirror takes on what the node reported: rebuilt with that key's
    // versions replaced, every other key as it was.
    Replica fresh;
    std::vector<std::string> names;
    for (NodeIndex i = 0; i < n; ++i) names.push_back(node_name(i));
    fresh.init(node_name(node), names, node, scenario.replication);
    MirrorOutbox discard(nullptr, std::nullopt);
    auto replay = [&](const std::string* k, const Siblings& list) {
      for (const VersionPtr& v : list) {
        Message m;
        m.src = node == 0 ? 1 : 0;
        m.dest = node;
        m.type = MsgType::kReplicate;
        m.set_key(k);
        m.version = v;
        fresh.receive(m, discard);
      }
    };
    const Store& old = replicas[node].node().store();
    bool replaced = false;
    for (uint32_t id = 0; id < old.key_index().size(); ++id) {
      const std::string* k = keys.intern(old.key_index().key(id));
      replaced |= *k == key;
      replay(k, *k == key ? reported : old.get(*k));
    }
    if (!replaced) replay(keys.intern(key), reported);
    replicas[node] = std::move(fresh);
  }
}

void Simulation::Impl::outside_handle(Message& m) {
  const NodeIndex node = m.dest;
  std::vector<std::string_view> asked;
  if (m.key != nullptr) asked.push_back(*m.key);
  if (m.ae) {
    std::set<std::string_view> seen;
    for (const KeyVersions& kv : m.ae->versions) {
      if (seen.insert(kv.key).second) asked.push_back(kv.key);
    }
  }
  const std::string doing = "handling " + std::string(type_name(m.type)) + " message " +
                            std::to_string(m.id) + " from " + endpoint_text(m.src);
  Reaction r;
  if (!outside_react(node, outside_line(m) + sync_line(node, asked), doing, r)) return;
  NodeOutbox out(*this, node);
  std::optional<WriteStatus> told;
  if (is_client_request(m.type)) {
    for (const Sent& s : r.sent) {
      if (is_client_reply(s.type) && s.dest == m.src && s.in_reply_to == m.msg_id) {
        told = s.status;
        break;
      }
    }
  }
  {
    MirrorOutbox mirror(&out, told);
    replicas[node].receive(m, mirror);
  }
  outside_reconcile(node, r);
  outside_send(node, out, r);
}

void Simulation::Impl::outside_tick(NodeIndex node, uint32_t peer_pick, uint64_t round) {
  const NodeIndex peer = peer_pick >= node ? peer_pick + 1 : peer_pick;
  std::string body = "{\"type\": \"tick\", \"peer\": ";
  json::dump_string(node_name(peer), body);
  body += ", \"round\": ";
  json::dump_uint(round, body);
  body += "}";
  Reaction r;
  if (!outside_react(node, harness_line(node, body) + sync_line(node, {}),
                     "handling its anti-entropy tick", r)) {
    return;
  }
  NodeOutbox out(*this, node);
  outside_reconcile(node, r);
  outside_send(node, out, r);
}

void Simulation::Impl::outside_start(NodeIndex node) {
  const Status started = outside->start(node);
  if (!started.ok()) {
    outside_fail(node, "starting", started.message());
    return;
  }
  std::string body = "{\"type\": \"init\", \"node_id\": ";
  json::dump_string(node_name(node), body);
  body += ", \"node_ids\": [";
  for (NodeIndex i = 0; i < n; ++i) {
    if (i > 0) body += ", ";
    json::dump_string(node_name(i), body);
  }
  body += "]}";
  // After a restart: what the node kept of every key it held.
  std::vector<std::string_view> held;
  const KeyIndex& index = replicas[node].node().store().key_index();
  for (uint32_t id = 0; id < index.size(); ++id) held.push_back(index.key(id));
  Reaction r;
  if (!outside_react(node, harness_line(node, body) + sync_line(node, held), "starting", r)) return;
  NodeOutbox out(*this, node);
  outside_reconcile(node, r);
  outside_send(node, out, r);
}

void Simulation::Impl::outside_crash(NodeIndex node, bool amnesia) {
  const Status killed = outside->kill(node, amnesia);
  if (!killed.ok()) outside_fail(node, "crashing", killed.message());
}

}  // namespace kv::sim
