#include "node/request.h"

namespace kv {

namespace {

using json::Json;

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

// Field readers: each reads the field into `out` and returns true, or sets
// `error` to the text of a malformed-request error.
bool read_string(const Json& body, const char* name, std::string& out, std::string& error) {
  auto it = body.find(name);
  if (it == body.end()) {
    error = std::string("missing field '") + name + "' (a string)";
    return false;
  }
  if (!it->is_string()) {
    error = std::string("field '") + name + "' must be a string, got " + describe_type(*it);
    return false;
  }
  out = it->get_ref<const std::string&>();
  return true;
}

bool read_clock(const Json& body, std::vector<uint64_t>& slots, std::string& error) {
  auto it = body.find("clock");
  if (it == body.end()) {
    error = "missing field 'clock' (an array of non-negative integers)";
    return false;
  }
  if (!it->is_array()) {
    error = "field 'clock' must be an array of non-negative integers, got " + describe_type(*it);
    return false;
  }
  if (it->size() > kMaxClockSlots) {
    error = "field 'clock' has " + std::to_string(it->size()) + " entries; at most " +
            std::to_string(kMaxClockSlots) + " are allowed";
    return false;
  }
  slots.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    if (!entry.is_number_unsigned()) {
      std::string why = describe_type(entry);
      if (entry.is_number_integer()) why = "a negative integer";
      if (entry.is_number_float()) why = "a non-integer number or one past 2^64-1";
      error = "clock[" + std::to_string(i) +
              "] must be a non-negative integer that fits in 64 bits, got " + why;
      return false;
    }
    slots.push_back(entry.get<uint64_t>());
  }
  return true;
}

bool read_node_ids(const Json& body, std::vector<std::string>& names, std::string& error) {
  auto ids = body.find("node_ids");
  if (ids == body.end() || !ids->is_array()) {
    error = "field 'node_ids' must be an array of strings";
    return false;
  }
  for (const Json& name : *ids) {
    if (!name.is_string()) {
      error = "field 'node_ids' must be an array of strings";
      return false;
    }
    names.push_back(name.get<std::string>());
  }
  return true;
}

}  // namespace

const Json* read_envelope(const Json& message, Request& request, std::string& diagnostic) {
  if (!message.is_object()) {
    diagnostic = "not a JSON object; no reply possible";
    return nullptr;
  }
  auto src = message.find("src");
  if (src == message.end() || !src->is_string()) {
    diagnostic = "no string 'src' to reply to; no reply possible";
    return nullptr;
  }
  auto body = message.find("body");
  if (body == message.end() || !body->is_object()) {
    diagnostic = "no 'body' object; no reply possible";
    return nullptr;
  }
  auto msg_id = body->find("msg_id");
  if (msg_id == body->end() || !(msg_id->is_number_integer() || msg_id->is_number_unsigned())) {
    diagnostic = "no integer body.msg_id to answer to; no reply possible";
    return nullptr;
  }
  request.src = src->get_ref<const std::string&>();
  auto dest = message.find("dest");
  request.dest.reset();
  if (dest != message.end() && dest->is_string()) request.dest = dest->get<std::string>();
  request.msg_id = json::dump(*msg_id);
  return &*body;
}

int read_body(const Json& body, bool initialized, Request& request, std::string& problem) {
  request.key.clear();
  request.value.clear();
  request.clock.clear();
  request.node_id.clear();
  request.node_ids.clear();

  auto type_field = body.find("type");
  if (type_field == body.end() || !type_field->is_string()) {
    problem = "missing field 'type' (a string)";
    return kMalformedRequest;
  }
  const std::string& type_name = type_field->get_ref<const std::string&>();
  const std::optional<MsgType> type = request_type_named(type_name);
  if (!type) {
    problem = "unknown message type '" + type_name + "'";
    return kNotSupported;
  }
  request.type = *type;
  if (*type != MsgType::kInit && !initialized) {
    problem = "node not initialised yet: send 'init' first";
    return kTemporarilyUnavailable;
  }

  if (*type == MsgType::kInit) {
    if (!read_string(body, "node_id", request.node_id, problem)) return kMalformedRequest;
    if (!read_node_ids(body, request.node_ids, problem)) return kMalformedRequest;
    return 0;
  }
  if (!read_string(body, "key", request.key, problem)) return kMalformedRequest;
  if (*type == MsgType::kGet) return 0;
  auto value = body.find("value");
  if (value == body.end()) {
    problem = "missing field 'value' (any JSON value)";
    return kMalformedRequest;
  }
  if (!read_clock(body, request.clock, problem)) return kMalformedRequest;
  json::dump(*value, request.value);
  return 0;
}

namespace {

bool read_uint(const Json& body, const char* name, uint64_t& out, std::string& error) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_number_unsigned()) {
    error = std::string("field '") + name + "' must be a non-negative integer";
    return false;
  }
  out = it->get<uint64_t>();
  return true;
}

}  // namespace

bool read_version(const Json& object, VersionPtr& out, std::string& error) {
  auto value = object.find("value");
  if (value == object.end()) {
    error = "missing field 'value' (any JSON value)";
    return false;
  }
  std::vector<uint64_t> clock;
  if (!read_clock(object, clock, error)) return false;
  out = make_version(json::dump(*value), Clock(clock));
  return true;
}

namespace {

// versions: [{"key", "value", "clock"}], grouped by key as they come.
bool read_versions(const Json& body, std::vector<KeyVersions>& out, std::string& error) {
  auto list = body.find("versions");
  if (list == body.end() || !list->is_array()) {
    error = "field 'versions' must be an array of {key, value, clock}";
    return false;
  }
  for (const Json& entry : *list) {
    std::string key;
    VersionPtr version;
    if (!entry.is_object()) {
      error = "field 'versions' must be an array of {key, value, clock}";
      return false;
    }
    if (!read_string(entry, "key", key, error) || !read_version(entry, version, error)) {
      error = "in 'versions': " + error;
      return false;
    }
    if (out.empty() || out.back().key != key) out.push_back({std::move(key), {}});
    out.back().versions.push_back(std::move(version));
  }
  return true;
}

}  // namespace

std::optional<MsgType> peer_message_type(const Json& message) {
  if (!message.is_object()) return std::nullopt;
  auto body = message.find("body");
  if (body == message.end() || !body->is_object()) return std::nullopt;
  auto type = body->find("type");
  if (type == body->end() || !type->is_string()) return std::nullopt;
  const std::optional<MsgType> t = type_by_name(type->get_ref<const std::string&>());
  if (!t || !is_node_to_node(*t)) return std::nullopt;
  return t;
}

bool read_peer_message(const Json& message, MsgType type, PeerMessage& out, std::string& problem) {
  out = PeerMessage{};
  out.type = type;
  if (!read_string(message, "src", out.src, problem)) return false;
  const Json& body = message.at("body");
  if (type == MsgType::kReplicate) {
    return read_string(body, "key", out.key, problem) && read_version(body, out.version, problem);
  }
  if (!is_anti_entropy(type)) {
    problem =
        "the simulator's quorum messages (store, fetch, handoff and their answers) are "
        "not taken by kvsim node";
    return false;
  }
  if (!read_uint(body, "round", out.ae.round, problem)) return false;
  if (type == MsgType::kAeDigest) {
    auto digest = body.find("digest");
    if (digest == body.end() || !digest->is_array() || digest->size() != Store::kBuckets) {
      problem = "field 'digest' must be an array of " + std::to_string(Store::kBuckets) +
                " non-negative integers";
      return false;
    }
    for (size_t b = 0; b < Store::kBuckets; ++b) {
      const Json& sum = (*digest)[b];
      if (!sum.is_number_unsigned()) {
        problem = "digest[" + std::to_string(b) + "] must be a non-negative integer";
        return false;
      }
      out.ae.digest[b] = sum.get<uint64_t>();
    }
    return true;
  }
  if (type == MsgType::kAeDiff) {
    auto buckets = body.find("buckets");
    if (buckets == body.end() || !buckets->is_array()) {
      problem = "field 'buckets' must be an array of bucket numbers";
      return false;
    }
    for (const Json& b : *buckets) {
      if (!b.is_number_unsigned() || b.get<uint64_t>() >= Store::kBuckets) {
        problem =
            "field 'buckets' must hold bucket numbers below " + std::to_string(Store::kBuckets);
        return false;
      }
      out.ae.buckets.push_back(b.get<uint32_t>());
    }
  }
  return read_versions(body, out.ae.versions, problem);
}

}  // namespace kv
