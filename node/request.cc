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

std::optional<RequestType> type_named(const std::string& type) {
  if (type == "init") return RequestType::kInit;
  if (type == "kv_put") return RequestType::kPut;
  if (type == "kv_get") return RequestType::kGet;
  if (type == "kv_resolve") return RequestType::kResolve;
  return std::nullopt;
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
  const std::optional<RequestType> type = type_named(type_name);
  if (!type) {
    problem = "unknown message type '" + type_name + "'";
    return kNotSupported;
  }
  request.type = *type;
  if (*type != RequestType::kInit && !initialized) {
    problem = "node not initialised yet: send 'init' first";
    return kTemporarilyUnavailable;
  }

  if (*type == RequestType::kInit) {
    if (!read_string(body, "node_id", request.node_id, problem)) return kMalformedRequest;
    if (!read_node_ids(body, request.node_ids, problem)) return kMalformedRequest;
    return 0;
  }
  if (!read_string(body, "key", request.key, problem)) return kMalformedRequest;
  if (*type == RequestType::kGet) return 0;
  auto value = body.find("value");
  if (value == body.end()) {
    problem = "missing field 'value' (any JSON value)";
    return kMalformedRequest;
  }
  if (!read_clock(body, request.clock, problem)) return kMalformedRequest;
  json::dump(*value, request.value);
  return 0;
}

}  // namespace kv
