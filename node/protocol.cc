#include "node/protocol.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"
#include "base/json_text.h"
#include "node/request.h"
#include "node/version_text.h"

namespace kv {

namespace {

using json::Json;

// Builds a message's tree down to `keep_depth` levels of containers (the
// envelope and the body's own fields); a container nested deeper is parsed,
// so the syntax is still checked, but kept as null. nlohmann's SAX parser
// keeps one bit per open container and this builder one counter, so a
// message too deep to serve costs no tree of its depth. Keys repeated keep
// their first position and last value, as in a full parse.
class ShallowBuilder : public nlohmann::json_sax<Json> {
 public:
  explicit ShallowBuilder(size_t keep_depth) : keep_depth_(keep_depth) {}

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool value) override { return put(Json(value)); }
  bool number_integer(number_integer_t value) override { return put(Json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return put(Json(value)); }
  bool number_float(number_float_t value, const string_t&) override { return put(Json(value)); }
  bool string(string_t& value) override { return put(Json(std::move(value))); }
  bool binary(binary_t&) override { return put(Json(nullptr)); }
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool key(string_t& key) override {
    if (depth_ <= keep_depth_) key_ = std::move(key);
    return true;
  }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw e;  // as Json::parse would: the caller catches Json::exception
  }

  Json take() { return std::move(root_); }

 private:
  // Where a value read at the current depth goes; null if it is not kept.
  Json* slot() {
    if (depth_ == 0) return &root_;
    if (depth_ > keep_depth_) return nullptr;
    Json& parent = *open_.back();
    if (parent.is_object()) return &parent[key_];
    parent.push_back(Json());
    return &parent.back();
  }
  bool put(Json value) {
    if (Json* s = slot()) *s = std::move(value);
    return true;
  }
  bool open(Json container) {
    Json* s = slot();
    ++depth_;
    if (s == nullptr) return true;
    if (depth_ > keep_depth_) return true;  // the slot stays null
    *s = std::move(container);
    open_.push_back(s);
    return true;
  }
  bool close() {
    if (depth_ <= keep_depth_) open_.pop_back();
    --depth_;
    return true;
  }

  size_t keep_depth_;
  size_t depth_ = 0;         // containers open now
  std::vector<Json*> open_;  // the kept ones among them, innermost last
  Json root_;
  std::string key_;
};

// Parses a message too deep to serve: its envelope, for the error reply.
// Throws Json::exception where Json::parse would.
Json parse_envelope(std::string_view line) {
  ShallowBuilder builder(/*keep_depth=*/2);  // the message and its body
  Json::sax_parse(line, &builder);
  return builder.take();
}

std::string_view trim_parse_error(std::string_view what) {
  // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
  if (!what.empty() && what.front() == '[') {
    const size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return what;
}

// Writes {"src": ..., "dest": ..., "body": {"type": ..., "in_reply_to": ...,
// <fields>, "msg_id": N}} one field at a time, in docs/PROTOCOL.md's order.
class Reply {
 public:
  Reply(std::string& out, std::string_view src, const Request& request, std::string_view type)
      : out_(out) {
    out_ += "{\"src\": ";
    json::dump_string(src, out_);
    out_ += ", \"dest\": ";
    json::dump_string(request.src, out_);
    out_ += ", \"body\": {\"type\": ";
    json::dump_string(type, out_);
    out_ += ", \"in_reply_to\": ";
    out_ += request.msg_id;
  }
  std::string& text() { return out_; }
  // Starts a field; the caller appends its JSON value.
  std::string& field(std::string_view name) {
    out_ += ", ";
    json::dump_string(name, out_);
    out_ += ": ";
    return out_;
  }
  void finish(uint64_t msg_id) {
    out_ += ", \"msg_id\": ";
    json::dump_uint(msg_id, out_);
    out_ += "}}\n";
  }

 private:
  std::string& out_;
};

// Writes what a replica sends: its reply to the request being served, and,
// for a replicating server, its messages to peers as Maelstrom lines. The
// timers it sets and cancels go to the server's list for the host's wall
// clock (LineServer::take_timer_changes).
class LineOutbox : public Outbox {
 public:
  LineOutbox(std::string& out, const Node& node, const Request* request, bool to_peers,
             std::vector<TimerChange>& timers)
      : out_(out), node_(node), request_(request), to_peers_(to_peers), timers_(timers) {}

  Message& do_compose() override {
    m_.clear();
    return m_;
  }
  void set_timer(Duration after, uint64_t timer) override { timers_.push_back({timer, after.us}); }
  void cancel_timer(uint64_t timer) override { timers_.push_back({timer, -1}); }
  void do_send() override {
    const Message& m = m_;
    if (is_client_reply(m.type)) {
      KV_ASSERT(request_ != nullptr);
      Reply reply(out_, node_.id(), *request_, type_name(m.type));
      write_reply_fields(m, reply.text());
      reply.finish(m.own_msg_id);
      return;
    }
    if (!to_peers_) return;
    out_ += "{\"src\": ";
    json::dump_string(node_.id(), out_);
    out_ += ", \"dest\": ";
    json::dump_string(node_.node_ids().at(m.dest), out_);
    out_ += ", \"body\": ";
    write_body(m, out_);
    out_ += "}\n";
  }

 private:
  std::string& out_;
  const Node& node_;
  const Request* request_;
  bool to_peers_;
  std::vector<TimerChange>& timers_;
  Message m_;
};

}  // namespace

void LineServer::handle_line(std::string_view line, uint64_t line_no, std::string& out,
                             std::string& err) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;

  // The common shapes, read without building a tree. The scanner declines
  // what only the full path below can answer; so does a request the node is
  // not ready for, whose error 11 comes before any field's.
  if (scanner_.scan(line, request_) &&
      (replica_.node().initialized() || request_.type == MsgType::kInit) &&
      !(replicate_ && request_.src == kHarnessName)) {
    return serve(out);
  }

  auto diagnose = [&](std::string_view cause) {
    err += "kvsim node: line ";
    err += std::to_string(line_no);
    err += ": ";
    err += cause;
    err += '\n';
  };

  // Measured before parsing: a message too deep to serve is not built whole.
  // (Each level takes two bytes, so a short line cannot be too deep.)
  const bool too_deep = line.size() > 2 * kMaxNestingDepth &&
                        json::nesting_depth(line, kMaxNestingDepth) > kMaxNestingDepth;
  Json message;
  try {
    message = too_deep ? parse_envelope(line) : Json::parse(line);
  } catch (const Json::exception& e) {
    diagnose(std::string("not JSON: ") + std::string(trim_parse_error(e.what())));
    return;
  }
  std::string problem;
  if (replicate_) {
    if (message.is_object() && message.value("src", Json()) == kHarnessName) {
      return serve_harness(message, line_no, out, err);
    }
    if (const std::optional<MsgType> type = peer_message_type(message)) {
      return receive_peer(message, *type, line_no, out, err);
    }
  }
  const Json* body = read_envelope(message, request_, problem);
  if (body == nullptr) return diagnose(problem);
  if (too_deep) {
    return refuse(kMalformedRequest,
                  "message nested deeper than " + std::to_string(kMaxNestingDepth) + " levels",
                  out);
  }
  if (const int code = read_body(*body, replica_.node().initialized(), request_, problem)) {
    return refuse(code, problem, out);
  }
  serve(out);
}

// Before init the node has no name of its own: it answers as whom the
// request was addressed to.
std::string_view LineServer::self() const {
  if (replica_.node().initialized()) return replica_.node().id();
  return request_.dest ? std::string_view(*request_.dest) : std::string_view();
}

void LineServer::refuse(int code, std::string_view text, std::string& out) {
  Reply reply(out, self(), request_, type_name(MsgType::kError));
  json::dump_int(code, reply.field("code"));
  json::dump_string(text, reply.field("text"));
  reply.finish(replica_.take_msg_id());
}

void LineServer::serve(std::string& out) {
  const Request& request = request_;
  if (request.type == MsgType::kInit) {
    const auto& names = request.node_ids;
    const auto slot = std::find(names.begin(), names.end(), request.node_id);
    if (slot == names.end()) {
      return refuse(kMalformedRequest, "node_id '" + request.node_id + "' is not in node_ids", out);
    }
    replica_.init(request.node_id, names, static_cast<size_t>(slot - names.begin()));
    Reply(out, self(), request, type_name(MsgType::kInitOk)).finish(replica_.take_msg_id());
    return;
  }
  // The client is the endpoint after the nodes; the outbox answers it as
  // request_.src.
  Message m;
  m.src = static_cast<Endpoint>(replica_.node().node_ids().size());
  m.dest = replica_.self();
  m.type = request.type;
  m.set_key(&request.key);
  if (m.type != MsgType::kGet) {
    m.version = make_version(std::move(request_.value), Clock(request.clock));
  }
  const size_t open_before = replica_.open_requests();
  LineOutbox outbox(out, replica_.node(), &request, replicate_, timer_changes_);
  replica_.receive(m, outbox);
  replica_.check_replies(outbox.replies(), 1, open_before);
}

void LineServer::receive_peer(const Json& message, MsgType type, uint64_t line_no, std::string& out,
                              std::string& err) {
  auto diagnose = [&](std::string_view cause) {
    err += "kvsim node: line " + std::to_string(line_no) + ": " + std::string(type_name(type)) +
           " message: " + std::string(cause) + "; ignored\n";
  };
  const Node& node = replica_.node();
  if (!node.initialized()) return diagnose("the node is not initialised yet");
  PeerMessage peer;
  std::string problem;
  if (!read_peer_message(message, type, peer, problem)) return diagnose(problem);
  const auto& names = node.node_ids();
  const auto src = std::find(names.begin(), names.end(), peer.src);
  if (src == names.end() || *src == node.id()) {
    return diagnose("'" + peer.src + "' is not a peer of " + node.id());
  }
  Message m;
  m.src = static_cast<Endpoint>(src - names.begin());
  m.dest = replica_.self();
  m.type = type;
  m.set_key(&peer.key);
  m.version = std::move(peer.version);
  if (is_anti_entropy(type)) m.ae = std::make_shared<const AePayload>(std::move(peer.ae));
  const size_t open_before = replica_.open_requests();
  LineOutbox outbox(out, node, nullptr, replicate_, timer_changes_);
  replica_.receive(m, outbox);
  replica_.check_replies(outbox.replies(), 0, open_before);
}

void LineServer::serve_harness(const Json& message, uint64_t line_no, std::string& out,
                               std::string& err) {
  auto diagnose = [&](std::string_view cause) {
    err += "kvsim node: line " + std::to_string(line_no) + ": from kvsim: " + std::string(cause) +
           "; ignored\n";
  };
  auto body = message.find("body");
  if (body == message.end() || !body->is_object() || !body->contains("type") ||
      !(*body)["type"].is_string()) {
    return diagnose("no body with a type");
  }
  const std::string& type = (*body)["type"].get_ref<const std::string&>();
  if (type == "init") {
    std::string id;
    std::vector<std::string> names;
    auto node_id = body->find("node_id");
    auto node_ids = body->find("node_ids");
    if (node_id == body->end() || !node_id->is_string() || node_ids == body->end() ||
        !node_ids->is_array()) {
      return diagnose("init needs 'node_id' (a string) and 'node_ids' (an array of strings)");
    }
    id = node_id->get<std::string>();
    for (const Json& name : *node_ids) {
      if (!name.is_string()) return diagnose("init's 'node_ids' must be strings");
      names.push_back(name.get<std::string>());
    }
    const auto slot = std::find(names.begin(), names.end(), id);
    if (slot == names.end()) return diagnose("node_id '" + id + "' is not in node_ids");
    replica_.init(id, names, static_cast<size_t>(slot - names.begin()));
    return;
  }
  if (!replica_.node().initialized()) return diagnose(type + " before init");
  const Node& node = replica_.node();
  if (type == "tick") {
    auto peer = body->find("peer");
    auto round = body->find("round");
    if (peer == body->end() || !peer->is_string() || round == body->end() ||
        !round->is_number_unsigned()) {
      return diagnose("tick needs 'peer' (a node name) and 'round' (a non-negative integer)");
    }
    const auto& names = node.node_ids();
    const auto at = std::find(names.begin(), names.end(), peer->get_ref<const std::string&>());
    if (at == names.end() || *at == node.id()) return diagnose("tick's peer is not a peer");
    uint32_t pick = static_cast<uint32_t>(at - names.begin());
    if (pick > node.slot()) --pick;
    LineOutbox outbox(out, node, nullptr, replicate_, timer_changes_);
    replica_.tick(pick, round->get<uint64_t>(), outbox);
    KV_ASSERT(outbox.replies() == 0);
    return;
  }
  if (type == "sync") {
    auto keys = body->find("keys");
    if (keys == body->end() || !keys->is_array()) return diagnose("sync needs 'keys' (an array)");
    out += "{\"src\": ";
    json::dump_string(node.id(), out);
    out += ", \"dest\": \"kvsim\", \"body\": {\"type\": \"sync_ok\", \"store\": {";
    bool first = true;
    synced_keys_.clear();
    for (const Json& key : *keys) {
      if (!key.is_string()) continue;
      synced_keys_.push_back(key.get<std::string>());
      if (!first) out += ", ";
      first = false;
      json::dump_string(key.get_ref<const std::string&>(), out);
      out += ": ";
      write_siblings(node.get(key.get_ref<const std::string&>()), out);
    }
    out += "}}}\n";
    synced_ = true;
    return;
  }
  diagnose("unknown type '" + type + "'");
}

void LineServer::restore(std::string id, std::vector<std::string> node_ids, uint64_t next_msg_id,
                         const std::vector<KeyVersions>& store) {
  KV_ASSERT(!replica_.node().initialized());
  const auto slot = std::find(node_ids.begin(), node_ids.end(), id);
  KV_ASSERT(slot != node_ids.end());
  const size_t self = static_cast<size_t>(slot - node_ids.begin());
  replica_.init(std::move(id), std::move(node_ids), self);
  while (replica_.next_msg_id() < next_msg_id) replica_.take_msg_id();
  std::string ignored;
  for (const KeyVersions& kv : store) {
    for (const VersionPtr& v : kv.versions) {
      // Applied as a replicated write: the store's rules, no sibling bound,
      // nothing sent.
      Message m;
      m.src = replica_.self() == 0 ? 1 : 0;
      m.dest = replica_.self();
      m.type = MsgType::kReplicate;
      m.set_key(&kv.key);
      m.version = v;
      LineOutbox outbox(ignored, replica_.node(), nullptr, /*to_peers=*/false, timer_changes_);
      replica_.receive(m, outbox);
    }
  }
}

void LineServer::tick(uint64_t peer_draw, std::string& out) {
  if (!replicate_ || !replica_.node().initialized() || replica_.peer_count() == 0) return;
  LineOutbox outbox(out, replica_.node(), nullptr, replicate_, timer_changes_);
  replica_.tick(static_cast<uint32_t>(peer_draw % replica_.peer_count()), next_round_++, outbox);
  KV_ASSERT(outbox.replies() == 0);
}

void LineServer::fire_timer(uint64_t timer, std::string& out) {
  const size_t open_before = replica_.open_requests();
  LineOutbox outbox(out, replica_.node(), nullptr, replicate_, timer_changes_);
  replica_.on_timer(timer, outbox);
  replica_.check_replies(outbox.replies(), 0, open_before);
}

void LineStream::feed(std::string_view bytes, std::string& out, std::string& err) {
  for (;;) {
    const size_t newline = bytes.find('\n');
    const std::string_view part = bytes.substr(0, newline);
    if (!skipping_) {
      if (pending_.size() + part.size() > max_line_bytes_) {
        skipping_ = true;
        std::string().swap(pending_);  // give the memory back
        err += "kvsim node: line " + std::to_string(++line_no_) + ": longer than " +
               std::to_string(max_line_bytes_) + " bytes; skipped, no reply\n";
      } else if (newline == std::string_view::npos) {
        pending_.append(part);
      } else if (pending_.empty()) {
        server_.handle_line(part, ++line_no_, out, err);
      } else {
        pending_.append(part);
        server_.handle_line(pending_, ++line_no_, out, err);
        pending_.clear();
      }
    }
    if (newline == std::string_view::npos) return;
    skipping_ = false;
    bytes.remove_prefix(newline + 1);
  }
}

void LineStream::finish(std::string& out, std::string& err) {
  if (!skipping_ && !pending_.empty()) server_.handle_line(pending_, ++line_no_, out, err);
  pending_.clear();
  skipping_ = false;
}

}  // namespace kv
