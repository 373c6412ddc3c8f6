// The history reader's rules; see history.h for the policy on bad input.
// Reader::line checks one line (its limits, JSON, `t` and `kind`, the
// fields its shape always has) and read_event reads it into its event,
// checked against the lines before it; Reader::finish checks the history as
// a whole. A message body is read leniently (read_body.cc); the History's
// own queries are in history.cc.
//
// Every check turns into an error string; nothing here throws past
// read_history_text (nlohmann's exceptions are caught where it parses) and
// nothing asserts on the input. Lines are bounded in length and nesting
// before nlohmann sees them, so its recursive copy and compare never meet a
// deep value.
#include "history/history.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include "base/escape.h"
#include "base/json_text.h"
#include "history/format.h"
#include "history/json_fields.h"
#include "history/reader.h"

namespace kv::history {
namespace {

using kv::json::Json;
namespace fmt = kv::history::format;

// The enumerator of E that `names` (node/'s name table of E) gives `text`.
template <typename E, size_t N>
bool enum_named(const std::string_view (&names)[N], const std::string& text, E& out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) {
      out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

// "a, b or c"
std::string one_of_text(std::span<const std::string_view> values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i];
  }
  return out;
}

}  // namespace

bool Reader::check_sent(Fields& f, uint64_t id, const std::string* src, const std::string* dest) {
  auto it = sent_.find(id);
  if (it == sent_.end()) return f.fail("message " + std::to_string(id) + " was never sent");
  const auto& send = std::get<SendEvent>(history_.events[it->second].data);
  if (src != nullptr && (*src != send.src || *dest != send.dest)) {
    return f.fail("message " + std::to_string(id) + " was sent from " + send.src + " to " +
                  send.dest + ", not from " + *src + " to " + *dest);
  }
  return true;
}

bool Reader::check_node(Fields& f, const char* field, const std::string& name) {
  if (!history_.start || nodes_.count(name) != 0) return true;
  return f.fail(std::string("field \"") + field + "\" names node \"" + name +
                "\", which the start line does not list");
}

bool Reader::check_end(Fields& f, const char* field, const std::string& name) {
  return !is_node_name(name) || check_node(f, field, name);
}

bool Reader::check_nodes(Fields& f, const char* field, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!check_node(f, field, name)) return false;
  }
  return true;
}

bool Reader::check_value(Fields& f, std::string_view of, const char* field,
                         const std::string& value) {
  const auto values = fmt::values_of(of, field);
  if (fmt::is_one_of(values, value)) return true;
  return f.fail(std::string("field \"") + field + "\" must be " + one_of_text(values) + ", not \"" +
                value + "\"");
}

bool Reader::shape_of(Fields& f, const std::string& kind, size_t number, const fmt::Shape*& shape) {
  shape = fmt::find(fmt::kLines, kind);
  if (shape == nullptr) {
    warn(number, "unknown kind \"" + kind + "\", line skipped");
    return true;
  }
  if (kind != fmt::kind::kFault) return true;
  std::string fault;
  if (!f.str("fault", fault)) return false;
  shape = fmt::find(fmt::kFaults, fault);
  if (shape == nullptr) warn(number, "unknown fault \"" + fault + "\", line skipped");
  return true;
}

bool Reader::read_start(Fields& f, StartEvent& e) {
  if (!history_.events.empty() || history_.start) {
    return f.fail("\"start\" may only be the first line");
  }
  if (!f.str("scenario", e.scenario)) return false;
  uint64_t seed = 0;
  if (!f.uint("seed", seed)) return false;
  e.seed = seed;
  const Json* nodes = f.need("nodes");
  if (nodes == nullptr) return false;
  // Bounded before the names are copied: a picture has a lifeline per node.
  if (nodes->is_array() && nodes->size() > fmt::kMaxNodes) {
    return f.fail("field \"nodes\" lists " + std::to_string(nodes->size()) + " nodes, more than " +
                  std::to_string(fmt::kMaxNodes));
  }
  if (!f.names("nodes", *nodes, e.nodes)) return false;
  if (e.nodes.empty()) return f.fail("field \"nodes\" lists no nodes");
  for (const std::string& name : e.nodes) {
    if (!nodes_.insert(name).second) {
      return f.fail("field \"nodes\" lists \"" + name + "\" twice");
    }
  }
  if (!f.str("description", e.description)) return false;
  if (const Json* r = f.find("replication"); r != nullptr && r->is_object()) {
    uint64_t n = 0;
    if (auto it = r->find("n");
        it != r->end() && as_uint(*it, n) && n >= 1 && n <= e.nodes.size()) {
      e.replicas = static_cast<uint32_t>(n);
    }
    if (auto it = r->find("coordinator"); it != r->end() && it->is_string()) {
      e.coordinator = it->get<std::string>();
    }
    if (auto it = r->find("read_repair"); it != r->end() && it->is_boolean()) {
      e.read_repair = it->get<bool>();
    }
  }
  if (f.find("mechanism") != nullptr) {
    std::string name;
    if (!f.str("mechanism", name)) return false;
    const std::optional<Mechanism> m = mechanism_by_name(name);
    if (!m)
      return f.fail("field \"mechanism\" is \"" + name + "\", not one of " + mechanism_list());
    e.mechanism = *m;
  }
  if (const Json* c = f.find("clocks"); c != nullptr && c->is_object()) {
    // Read for the pictures' words only: a malformed entry reads as 0.
    e.clocks.resize(e.nodes.size());
    for (size_t i = 0; i < e.nodes.size(); ++i) {
      auto it = c->find(e.nodes[i]);
      if (it == c->end() || !it->is_object()) continue;
      for (auto [name, out] : {std::pair{"skew_us", &e.clocks[i].skew_us},
                               std::pair{"drift_ppm", &e.clocks[i].drift_ppm}}) {
        if (auto v = it->find(name); v != it->end() && v->is_number_integer()) {
          *out = v->get<int64_t>();
        }
      }
    }
  }
  return true;
}

bool Reader::read_fault(Fields& f, FaultEvent& out) {
  std::string fault;
  if (!f.str("fault", fault)) return false;
  size_t index = 0;
  fmt::is_one_of(fmt::detail::kFaults, fault, &index);
  static_assert(fmt::detail::kFaults[static_cast<size_t>(FaultEvent::Kind::kRestart)] ==
                fmt::fault::kRestart);
  out.kind = static_cast<FaultEvent::Kind>(index);
  if (out.kind == FaultEvent::Kind::kHeal) return true;
  if (out.kind == FaultEvent::Kind::kCrash || out.kind == FaultEvent::Kind::kRestart) {
    if (!f.name("node", out.node) || !check_node(f, "node", out.node)) return false;
    if (f.find("amnesia") != nullptr && !f.boolean("amnesia", out.amnesia)) return false;
    if (f.find("already_crashed") != nullptr &&
        !f.boolean("already_crashed", out.already_crashed)) {
      return false;
    }
    if (f.find("was_running") != nullptr && !f.boolean("was_running", out.was_running)) {
      return false;
    }
    return true;
  }
  if (!f.str("shape", out.shape) || !check_value(f, fmt::kind::kFault, "shape", out.shape)) {
    return false;
  }
  if (const Json* groups = f.find("groups")) {
    if (!groups->is_array()) return f.fail("field \"groups\" must be a list of lists of names");
    for (const Json& group : *groups) {
      if (!f.names("groups", group, out.groups.emplace_back()) ||
          !check_nodes(f, "groups", out.groups.back())) {
        return false;
      }
    }
    return true;
  }
  if (const Json* ring = f.find("ring")) {
    return f.names("ring", *ring, out.ring) && check_nodes(f, "ring", out.ring);
  }
  const Json* from = f.find("from");
  const Json* to = f.find("to");
  if (from == nullptr || to == nullptr) {
    return f.fail("a partition needs \"groups\", \"ring\", or \"from\" and \"to\"");
  }
  return f.names("from", *from, out.from) && f.names("to", *to, out.to) &&
         check_nodes(f, "from", out.from) && check_nodes(f, "to", out.to);
}

bool Reader::read_apply(Fields& f, ApplyEvent& e) {
  std::string op, result;
  if (!f.name("node", e.node) || !check_node(f, "node", e.node) || !f.str("key", e.key) ||
      !f.value("value", e.version.value) || !f.clock("clock", e.version.clock) ||
      !f.str("op", op) || !f.uint("msg", e.msg) || !f.str("result", result) ||
      !f.uint("siblings", e.siblings)) {
    return false;
  }
  if (!check_value(f, fmt::kind::kApply, "op", op) ||
      !check_value(f, fmt::kind::kApply, "result", result)) {
    return false;
  }
  if (const Json* dot = f.find("dot"); dot != nullptr && !f.dot("dot", *dot, e.version)) {
    return false;
  }
  // Under lww an apply line's dot is the version's timestamp.
  if (e.version.has_dot && history_.start && history_.start->mechanism == Mechanism::kLww) {
    e.version.dot.flags |= Dot::kTimestamp;
  }
  enum_named(kWriteOpNames, op, e.op);
  enum_named(kApplyResultNames, result, e.result);
  if (e.msg != 0 && !check_sent(f, e.msg, nullptr, nullptr)) return false;
  if (e.client_write()) {
    if (!f.str("status", e.status) || !f.name("client", e.client)) return false;
    if (!check_value(f, fmt::kind::kApply, "status", e.status)) return false;
  }
  return true;
}

bool Reader::read_event(Fields& f, const std::string& kind, EventData& out, size_t number) {
  (void)number;
  if (kind == fmt::kind::kStart) {
    StartEvent e;
    if (!read_start(f, e)) return false;
    history_.start = e;
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kSend) {
    SendEvent e;
    if (!f.positive("id", e.id) || !f.name("src", e.src) || !f.name("dest", e.dest) ||
        !check_end(f, "src", e.src) || !check_end(f, "dest", e.dest)) {
      return false;
    }
    const Json* body = f.need("body");
    if (body == nullptr) return false;
    if (!body->is_object()) return f.fail("field \"body\" must be an object");
    auto type = body->find("type");
    if (type == body->end() || !type->is_string()) {
      return f.fail("field \"body\" needs a string \"type\"");
    }
    if (!simulated_type_by_name(type->get_ref<const std::string&>())) {
      return f.fail("the body's \"type\" must be " + one_of_text(fmt::detail::kBodyTypes) +
                    ", not \"" + type->get<std::string>() + "\"");
    }
    if (sent_.count(e.id) != 0) {
      return f.fail("message " + std::to_string(e.id) + " was already sent (line " +
                    std::to_string(history_.events[sent_[e.id]].line) + ")");
    }
    e.body = read_body(*body);
    sent_[e.id] = history_.events.size();
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kDuplicate) {
    DuplicateEvent e;
    if (!f.positive("id", e.id) || !check_sent(f, e.id, nullptr, nullptr)) return false;
    out = e;
    return true;
  }
  if (kind == fmt::kind::kDeliver) {
    DeliverEvent e;
    if (!f.positive("id", e.id) || !f.name("src", e.src) || !f.name("dest", e.dest) ||
        !check_sent(f, e.id, &e.src, &e.dest)) {
      return false;
    }
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kDrop) {
    DropEvent e;
    if (!f.positive("id", e.id) || !f.name("src", e.src) || !f.name("dest", e.dest) ||
        !f.str("reason", e.reason) || !check_value(f, fmt::kind::kDrop, "reason", e.reason) ||
        !check_sent(f, e.id, &e.src, &e.dest)) {
      return false;
    }
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kApply) {
    ApplyEvent e;
    if (!read_apply(f, e)) return false;
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kSiblings) {
    SiblingsEvent e;
    if (!f.name("node", e.node) || !check_node(f, "node", e.node) || !f.str("key", e.key)) {
      return false;
    }
    const Json* siblings = f.need("siblings");
    if (siblings == nullptr || !f.versions("siblings", *siblings, e.siblings)) return false;
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kFault) {
    FaultEvent e;
    if (!read_fault(f, e)) return false;
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kTimeout) {
    TimeoutEvent e;
    if (!f.name("client", e.client) || !f.uint("msg_id", e.msg_id) ||
        !f.uint("attempt", e.attempt) || !f.name("node", e.node) ||
        !check_node(f, "node", e.node)) {
      return false;
    }
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kGiveUp) {
    GiveUpEvent e;
    if (!f.name("client", e.client) || !f.uint("msg_id", e.msg_id)) return false;
    if (f.find("node") != nullptr && !f.name("node", e.node)) return false;
    if (f.find("reason") != nullptr && !f.str("reason", e.reason)) return false;
    out = std::move(e);
    return true;
  }
  if (kind == "op") {
    OpEvent e;
    uint64_t due = 0;
    if (!f.name("client", e.client) || !f.positive("msg_id", e.msg_id) || !f.str("op", e.op) ||
        !f.str("key", e.key) || !f.name("node", e.node) || !f.uint("due", due)) {
      return false;
    }
    if (e.op != "put" && e.op != "get" && e.op != "resolve") {
      return f.fail("field \"op\" must be put, get or resolve, not \"" + e.op + "\"");
    }
    if (due > static_cast<uint64_t>(INT64_MAX)) return f.fail("field \"due\" is too large");
    e.due_us = static_cast<int64_t>(due);
    const bool has_read = f.find("auto_read") != nullptr;
    if (has_read != (f.find("auto_context") != nullptr)) {
      return f.fail("fields \"auto_read\" and \"auto_context\" go together");
    }
    if (has_read) {
      if (e.op == "get") return f.fail("a get has no clock: no \"auto_read\"");
      uint64_t read = 0;
      Clock context;
      if (!f.uint("auto_read", read) || !f.clock("auto_context", context)) return false;
      e.auto_read = read;
      e.auto_context = std::move(context);
    }
    out = std::move(e);
    return true;
  }
  if (kind == fmt::kind::kFinal) {
    FinalEvent e;
    if (!f.name("node", e.node) || !check_node(f, "node", e.node) || !f.boolean("live", e.live)) {
      return false;
    }
    const Json* store = f.need("store");
    if (store == nullptr) return false;
    if (!store->is_object()) return f.fail("field \"store\" must be an object {key: [versions]}");
    for (const auto& [key, versions] : store->items()) {
      auto& entry = e.store.emplace_back(key, std::vector<VersionText>{});
      if (!f.versions("store", versions, entry.second)) return false;
    }
    finals_.insert(e.node);
    out = std::move(e);
    return true;
  }
  // kind::kEnd: the kinds were checked against the format before.
  EndEvent e;
  if (!f.uint("events", e.events) || !f.uint("messages", e.messages)) return false;
  for (const std::string& node : nodes_) {
    if (finals_.count(node) == 0) {
      return f.fail("\"end\" comes before a \"final\" line for node \"" + node + "\"");
    }
  }
  out = e;
  return true;
}

bool Reader::line(std::string_view text, size_t number) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return true;
  if (first_line_ == 0) first_line_ = number;
  last_line_ = number;
  if (text.size() > kMaxLineBytes) {
    return fail(number, "line longer than " + std::to_string(kMaxLineBytes) + " bytes");
  }
  if (json::nesting_depth(text, kMaxNestingDepth) > kMaxNestingDepth) {
    return fail(number, "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
  }
  if (ended_) return fail(number, "a line after \"end\"");
  Json object;
  try {
    object = Json::parse(text);
  } catch (const Json::exception& e) {
    return fail(number, parse_error_text(e.what()));
  }
  if (!object.is_object()) return fail(number, "a line must be a JSON object");
  Fields f(object, history_.path + ":" + std::to_string(number));
  uint64_t t_us = 0;
  std::string kind;
  if (!f.uint("t", t_us) || !f.str("kind", kind)) {
    error_ = f.error();
    return false;
  }
  if (first_line_ == number) first_kind_ = kind;
  if (t_us > static_cast<uint64_t>(INT64_MAX)) return fail(number, "field \"t\" is too large");
  if (static_cast<int64_t>(t_us) < last_t_us_) {
    return fail(number, "t goes backwards: " + std::to_string(t_us) + " after " +
                            std::to_string(last_t_us_));
  }
  const fmt::Shape* shape = nullptr;
  if (!shape_of(f, kind, number, shape)) {
    error_ = f.error();
    return false;
  }
  last_t_us_ = static_cast<int64_t>(t_us);
  if (shape == nullptr) return true;  // skipped, with a warning
  // Every field the format says such a line always has, in the format's order.
  for (const fmt::FieldSpec& field : shape->fields) {
    if (field.presence == fmt::Presence::kAlways && !f.need(std::string(field.name).c_str())) {
      error_ = f.error();
      return false;
    }
  }
  EventData data;
  if (!read_event(f, kind, data, number)) {
    error_ = f.error();
    return false;
  }
  if (const auto* op = std::get_if<OpEvent>(&data);
      op != nullptr && op->due_us > static_cast<int64_t>(t_us)) {
    return fail(number, "an op sent (t " + std::to_string(t_us) + ") before it was due (" +
                            std::to_string(op->due_us) + ")");
  }
  if (kind == fmt::kind::kEnd) ended_ = true;
  if (const auto* send = std::get_if<SendEvent>(&data)) {
    history_.send_index.emplace_back(send->id, history_.events.size());
  }
  history_.events.push_back(Event{static_cast<int64_t>(t_us), number, std::move(data)});
  return true;
}

bool Reader::finish(bool partial) {
  if (first_line_ == 0) {
    error_ = history_.path + ": empty: a history has at least a \"start\" and an \"end\" line";
    return false;
  }
  if (!history_.start) {
    return fail(first_line_,
                "the first line must be \"start\" (the run's nodes), not \"" + first_kind_ + "\"");
  }
  history_.last_line = last_line_;
  history_.last_t_us = last_t_us_;
  if (!ended_) {
    if (!partial) {
      return fail(last_line_,
                  "the history stops here, without its \"end\" line: the run was cut "
                  "short or is still going (--partial reads what is there)");
    }
    history_.complete = false;
  }
  if (warnings_ > history_.warnings.size()) {
    history_.warnings.push_back(history_.path + ": " +
                                std::to_string(warnings_ - history_.warnings.size()) +
                                " more lines skipped");
  }
  std::sort(history_.send_index.begin(), history_.send_index.end());
  return true;
}

}  // namespace kv::history
