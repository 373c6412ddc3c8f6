#include "node/protocol.h"

#include <optional>
#include <utility>

#include "node/json_text.h"
#include "node/version_text.h"

namespace kv {

namespace {

using json::Json;

constexpr int kNotSupported = 10;
constexpr int kTemporarilyUnavailable = 11;
constexpr int kMalformedRequest = 12;
constexpr int kAbort = 14;  // the operation definitely did not take place

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

// A request's parts that a reply needs, and the body to serve it from.
struct Envelope {
  const Json* src;
  const Json* dest;  // may be null
  const Json* body;
  const Json* msg_id;
};

// Writes {"src": ..., "dest": ..., "body": {"type": ..., "in_reply_to": ...,
// <fields>, "msg_id": N}} one field at a time, in the order SPEC gives.
class Reply {
 public:
  Reply(std::string& out, std::string_view src, const Envelope& request, std::string_view type)
      : out_(out) {
    out_ += "{\"src\": ";
    json::dump_string(src, out_);
    out_ += ", \"dest\": ";
    json::dump(*request.src, out_);
    out_ += ", \"body\": {\"type\": ";
    json::dump_string(type, out_);
    out_ += ", \"in_reply_to\": ";
    json::dump(*request.msg_id, out_);
  }
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

std::string describe_type(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_float:
      return "a non-integer number";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    default:
      return "an unknown value";
  }
}

// Field readers: each returns the field or sets `error` to the text of a
// malformed-request error.
std::optional<std::string_view> read_string(const Json& body, const char* name,
                                            std::string& error) {
  auto it = body.find(name);
  if (it == body.end()) {
    error = std::string("missing field '") + name + "' (a string)";
    return std::nullopt;
  }
  if (!it->is_string()) {
    error = std::string("field '") + name + "' must be a string, got " + describe_type(*it);
    return std::nullopt;
  }
  return std::string_view(it->get_ref<const std::string&>());
}

std::optional<Clock> read_clock(const Json& body, std::string& error) {
  auto it = body.find("clock");
  if (it == body.end()) {
    error = "missing field 'clock' (an array of non-negative integers)";
    return std::nullopt;
  }
  if (!it->is_array()) {
    error = "field 'clock' must be an array of non-negative integers, got " + describe_type(*it);
    return std::nullopt;
  }
  if (it->size() > kMaxClockSlots) {
    error = "field 'clock' has " + std::to_string(it->size()) + " entries; at most " +
            std::to_string(kMaxClockSlots) + " are allowed";
    return std::nullopt;
  }
  std::vector<uint64_t> slots;
  slots.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    if (!entry.is_number_unsigned()) {
      std::string why = describe_type(entry);
      if (entry.is_number_integer()) why = "a negative integer";
      if (entry.is_number_float()) why = "a non-integer number or one past 2^64-1";
      error = "clock[" + std::to_string(i) +
              "] must be a non-negative integer that fits in 64 bits, got " + why;
      return std::nullopt;
    }
    slots.push_back(entry.get<uint64_t>());
  }
  return Clock(std::move(slots));
}

std::optional<VersionPtr> read_version(const Json& body, std::string& error) {
  auto value = body.find("value");
  if (value == body.end()) {
    error = "missing field 'value' (any JSON value)";
    return std::nullopt;
  }
  std::optional<Clock> clock = read_clock(body, error);
  if (!clock) return std::nullopt;
  return make_version(json::dump(*value), std::move(*clock));
}

}  // namespace

void LineServer::handle_line(std::string_view line, uint64_t line_no, std::string& out,
                             std::string& err) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;

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
  if (!message.is_object()) return diagnose("not a JSON object; no reply possible");
  auto src = message.find("src");
  if (src == message.end() || !src->is_string()) {
    return diagnose("no string 'src' to reply to; no reply possible");
  }
  auto body = message.find("body");
  if (body == message.end() || !body->is_object()) {
    return diagnose("no 'body' object; no reply possible");
  }
  auto msg_id = body->find("msg_id");
  if (msg_id == body->end() || !(msg_id->is_number_integer() || msg_id->is_number_unsigned())) {
    return diagnose("no integer body.msg_id to answer to; no reply possible");
  }
  auto dest = message.find("dest");
  const Envelope request{&*src, dest == message.end() ? nullptr : &*dest, &*body, &*msg_id};

  // Before init the node has no name of its own: it answers as whom the
  // request was addressed to.
  std::string self = node_.id();
  if (!node_.initialized()) {
    self = (request.dest && request.dest->is_string()) ? request.dest->get<std::string>() : "";
  }
  auto error = [&](int code, std::string_view text) {
    Reply reply(out, self, request, "error");
    json::dump_int(code, reply.field("code"));
    json::dump_string(text, reply.field("text"));
    reply.finish(next_msg_id_++);
  };

  if (too_deep) {
    return error(kMalformedRequest,
                 "message nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
  }
  auto type_field = body->find("type");
  if (type_field == body->end() || !type_field->is_string()) {
    return error(kMalformedRequest, "missing field 'type' (a string)");
  }
  const std::string& type = type_field->get_ref<const std::string&>();
  const bool known = type == "init" || type == "kv_put" || type == "kv_get" || type == "kv_resolve";
  if (!known) return error(kNotSupported, "unknown message type '" + type + "'");
  if (type != "init" && !node_.initialized()) {
    return error(kTemporarilyUnavailable, "node not initialised yet: send 'init' first");
  }

  std::string problem;
  if (type == "init") {
    auto id = read_string(*body, "node_id", problem);
    if (!id) return error(kMalformedRequest, problem);
    auto ids = body->find("node_ids");
    if (ids == body->end() || !ids->is_array()) {
      return error(kMalformedRequest, "field 'node_ids' must be an array of strings");
    }
    std::vector<std::string> names;
    std::optional<size_t> slot;
    for (const Json& name : *ids) {
      if (!name.is_string()) {
        return error(kMalformedRequest, "field 'node_ids' must be an array of strings");
      }
      if (!slot && name.get_ref<const std::string&>() == *id) slot = names.size();
      names.push_back(name.get<std::string>());
    }
    if (!slot)
      return error(kMalformedRequest, "node_id '" + std::string(*id) + "' is not in node_ids");
    node_.init(std::string(*id), std::move(names), *slot);
    self = node_.id();
    Reply(out, self, request, "init_ok").finish(next_msg_id_++);
    return;
  }

  auto key = read_string(*body, "key", problem);
  if (!key) return error(kMalformedRequest, problem);
  if (type == "kv_get") {
    Reply reply(out, self, request, "kv_get_ok");
    write_siblings(node_.get(*key), reply.field("values"));
    reply.finish(next_msg_id_++);
    return;
  }

  std::optional<VersionPtr> version = read_version(*body, problem);
  if (!version) return error(kMalformedRequest, problem);
  const bool resolving = type == "kv_resolve";
  const WriteReply result = resolving ? node_.resolve(*key, *version) : node_.put(*key, *version);
  if (result.status == WriteStatus::kTooManySiblings) {
    return error(kAbort, too_many_siblings_text(*key));
  }
  Reply reply(out, self, request, resolving ? "kv_resolve_ok" : "kv_put_ok");
  json::dump_string(to_string(result.status), reply.field("status"));
  if (result.status == WriteStatus::kConflict)
    json::dump_uint(result.siblings, reply.field("siblings"));
  reply.finish(next_msg_id_++);
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
