// A message body as the pictures and the story read it: leniently. A send
// line's body only needs an object with a string "type" (read.cc checks
// that); every other field is read where it is present and well typed and
// left empty otherwise, so a body field a newer simulator writes differently
// costs a label, never the history.
#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include "base/json_text.h"
#include "history/json_fields.h"
#include "history/reader.h"

namespace kv::history {

using kv::json::Json;

MessageBody read_body(const Json& body) {
  MessageBody out;
  if (auto it = body.find("type"); it != body.end() && it->is_string()) {
    out.type = simulated_type_by_name(it->get_ref<const std::string&>()).value_or(MsgType::kPut);
  }
  auto get_uint = [&](const char* name) -> std::optional<uint64_t> {
    auto it = body.find(name);
    uint64_t v = 0;
    if (it != body.end() && as_uint(*it, v)) return v;
    return std::nullopt;
  };
  auto get_string = [&](const char* name) -> std::string {
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.msg_id = get_uint("msg_id");
  out.in_reply_to = get_uint("in_reply_to");
  out.key = get_string("key");
  out.status = get_string("status");
  out.siblings = get_uint("siblings");
  out.round = get_uint("round");
  out.code = get_uint("code");
  out.hint = get_string("hint");
  if (auto it = body.find("value"); it != body.end()) out.value = kv::json::dump(*it);
  if (auto it = body.find("clock"); it != body.end()) {
    Clock clock;
    if (as_clock(*it, clock).ok()) out.clock = std::move(clock);
  }
  if (auto it = body.find("versions"); it != body.end() && it->is_array()) {
    out.versions = it->size();
    auto summary = std::make_shared<AeVersions>();
    std::set<std::string_view> keys;
    for (const Json& item : *it) {
      if (!item.is_object()) continue;
      auto key = item.find("key");
      if (key == item.end() || !key->is_string()) continue;
      const std::string& name = key->get_ref<const std::string&>();
      if (keys.insert(name).second && summary->first_keys.size() < kMaxLabelKeys) {
        summary->first_keys.push_back(name);
      }
      auto value = item.find("value");
      auto clock = item.find("clock");
      VersionText v;
      if (!summary->first && value != item.end() && clock != item.end() &&
          as_clock(*clock, v.clock).ok()) {
        v.value = kv::json::dump(*value);
        summary->first = std::move(v);
      }
    }
    summary->keys = keys.size();
    if (summary->keys > 0) out.ae_versions = std::move(summary);
  }
  if (auto it = body.find("values"); it != body.end() && it->is_array()) {
    std::vector<VersionText> values;
    bool ok = true;
    for (const Json& item : *it) {
      VersionText v;
      auto value = item.is_object() ? item.find("value") : item.end();
      auto clock = item.is_object() ? item.find("clock") : item.end();
      if (!item.is_object() || value == item.end() || clock == item.end() ||
          !as_clock(*clock, v.clock).ok()) {
        ok = false;
        break;
      }
      v.value = kv::json::dump(*value);
      // lww's "timestamp" names the version as a dot does: [slot, counter].
      auto dot = item.find("dot");
      const bool timestamp = dot == item.end();
      if (timestamp) dot = item.find("timestamp");
      if (dot != item.end() && dot->is_array() && dot->size() == 2 &&
          (*dot)[0].is_number_unsigned() && (*dot)[1].is_number_unsigned() &&
          (*dot)[0].get<uint64_t>() < Dot::kNone) {
        v.has_dot = true;
        v.dot_node = (*dot)[0].get<uint64_t>();
        v.dot_counter = (*dot)[1].get<uint64_t>();
        v.dot.node = static_cast<uint32_t>(v.dot_node);
        v.dot.counter = v.dot_counter;
        if (timestamp) v.dot.flags |= Dot::kTimestamp;
      }
      values.push_back(std::move(v));
    }
    if (ok) out.values = std::move(values);
  }
  return out;
}

}  // namespace kv::history
