// The history format (`history.jsonl`, docs/HISTORY.md), defined once.
//
// Every line kind with its fields in the order lines write them, every kind
// of fault and message body with theirs, and every enumerated value a field
// can take. Three parties use this one table:
// - the writer (history/writer.h, driven by the simulator's Recorder,
//   sim/recorder.cc) takes its kind names and enumerated values from the
//   constants below (string_views: writing one costs what a literal costs),
//   and a test checks every line of every scenario's history against the
//   table: kinds, fields, their order and their values;
// - the reader (history/read.cc) knows the kinds, requires the fields and
//   accepts the values the table lists, and words its errors from it;
// - a test reads docs/HISTORY.md's tables and compares them with this one.
//
// To add a field: add it to its kind's list here (kWhen if not every line
// has it), write it, document it in docs/HISTORY.md; the tests say what is
// missing. Header-only: the reader and viz/ include it without linking the
// writer or sim/. The names the node also uses (write ops, results,
// statuses) come from node/'s own tables; the message bodies, their fields
// and `type` values come from the one table of message types,
// node/message_types.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "node/message.h"

namespace kv::history::format {

// The most nodes a `start` line may list (the scenario limit, kMaxNodes).
inline constexpr size_t kMaxNodes = 1000;

// Line kinds.
namespace kind {
inline constexpr std::string_view kStart = "start";
inline constexpr std::string_view kOp = "op";
inline constexpr std::string_view kSend = "send";
inline constexpr std::string_view kDuplicate = "duplicate";
inline constexpr std::string_view kDeliver = "deliver";
inline constexpr std::string_view kDrop = "drop";
inline constexpr std::string_view kApply = "apply";
inline constexpr std::string_view kSiblings = "siblings";
inline constexpr std::string_view kFault = "fault";
inline constexpr std::string_view kTimeout = "timeout";
inline constexpr std::string_view kGiveUp = "give_up";
inline constexpr std::string_view kFinal = "final";
inline constexpr std::string_view kEnd = "end";
}  // namespace kind

// `apply`'s `op`: how the write reached the node (the replica's names).
namespace op {
inline constexpr std::string_view kPut = op_name(WriteOp::kPut);
inline constexpr std::string_view kResolve = op_name(WriteOp::kResolve);
inline constexpr std::string_view kReplicate = op_name(WriteOp::kReplicate);
inline constexpr std::string_view kAntiEntropy = op_name(WriteOp::kAntiEntropy);
}  // namespace op

// An `op` line's `op`: what the client asks.
namespace client_op {
inline constexpr std::string_view kPut = "put";
inline constexpr std::string_view kGet = "get";
inline constexpr std::string_view kResolve = "resolve";
}  // namespace client_op

// `apply`'s `result`: what the store did.
namespace result {
inline constexpr std::string_view kApplied = to_string(ApplyResult::kApplied);
inline constexpr std::string_view kDuplicate = to_string(ApplyResult::kDuplicate);
inline constexpr std::string_view kStale = to_string(ApplyResult::kStale);
inline constexpr std::string_view kRefused = to_string(ApplyResult::kRefused);  // past the bound
}  // namespace result

// `apply`'s `status` (a client write's reply; kv::to_string(WriteStatus)).
namespace status {
inline constexpr std::string_view kWritten = to_string(WriteStatus::kWritten);
inline constexpr std::string_view kConflict = to_string(WriteStatus::kConflict);
inline constexpr std::string_view kResolved = to_string(WriteStatus::kResolved);
inline constexpr std::string_view kRejected = to_string(WriteStatus::kRejected);
inline constexpr std::string_view kTooManySiblings = to_string(WriteStatus::kTooManySiblings);
}  // namespace status

// `drop`'s `reason`.
namespace reason {
inline constexpr std::string_view kLoss = "loss";
inline constexpr std::string_view kPartition = "partition";
inline constexpr std::string_view kCrashed = "crashed";
// A scenario's `drop:` event chose this message (a scripted fate).
inline constexpr std::string_view kScripted = "scripted";
// Whether a drop for `reason` was decided as the message was sent (and is
// logged at the send time), not on arrival.
constexpr bool decided_at_send(std::string_view reason) {
  return reason == kLoss || reason == kScripted;
}
}  // namespace reason

// `fault`'s `fault`.
namespace fault {
inline constexpr std::string_view kPartition = "partition";
inline constexpr std::string_view kHeal = "heal";
inline constexpr std::string_view kCrash = "crash";
inline constexpr std::string_view kRestart = "restart";
}  // namespace fault

// A partition's `shape`.
namespace shape {
inline constexpr std::string_view kGroups = "groups";
inline constexpr std::string_view kIsolate = "isolate";
inline constexpr std::string_view kHalves = "halves";
inline constexpr std::string_view kMajoritiesRing = "majorities-ring";
inline constexpr std::string_view kOneWay = "one-way";
}  // namespace shape

// A message body's `type`.
// (the protocol's names: node/message.h)
namespace body {
inline constexpr std::string_view kPut = type_name(MsgType::kPut);
inline constexpr std::string_view kGet = type_name(MsgType::kGet);
inline constexpr std::string_view kResolve = type_name(MsgType::kResolve);
inline constexpr std::string_view kPutOk = type_name(MsgType::kPutOk);
inline constexpr std::string_view kGetOk = type_name(MsgType::kGetOk);
inline constexpr std::string_view kResolveOk = type_name(MsgType::kResolveOk);
inline constexpr std::string_view kReplicate = type_name(MsgType::kReplicate);
inline constexpr std::string_view kAeDigest = type_name(MsgType::kAeDigest);
inline constexpr std::string_view kAeDiff = type_name(MsgType::kAeDiff);
inline constexpr std::string_view kAePush = type_name(MsgType::kAePush);
inline constexpr std::string_view kError = type_name(MsgType::kError);
}  // namespace body

// A field of a line (or of a fault, or of a body), in the order written.
// kAlways: every such line has it. kWhen: only some do (docs/HISTORY.md says
// when, in parentheses after the name). The message types' own
// (node/message_types.h), so a body's fields are spelled once.
using Presence = kv::Presence;
using FieldSpec = kv::FieldSpec;

// A kind of line, fault or body: its name and its fields in order (after
// `t` and `kind` for lines, after `kind`'s `fault` for faults — the `fault`
// field itself is listed — and after `type` for bodies).
struct Shape {
  std::string_view name;
  std::span<const FieldSpec> fields;
};

// The values a field may take. `of` names what holds it: a line kind, or a
// body type for body fields.
struct Enumeration {
  std::string_view of;
  std::string_view field;
  std::span<const std::string_view> values;
};

namespace detail {
constexpr Presence kWhen = Presence::kWhen;
inline constexpr FieldSpec kStartFields[] = {{"scenario"},
                                             {"seed"},
                                             {"nodes"},
                                             {"description"},
                                             {"swarm", kWhen},
                                             {"mutant", kWhen},
                                             {"replication", kWhen},
                                             {"mechanism", kWhen},
                                             {"clocks", kWhen}};
inline constexpr FieldSpec kOpFields[] = {{"client"},
                                          {"msg_id"},
                                          {"op"},
                                          {"key"},
                                          {"node"},
                                          {"due"},
                                          {"auto_read", kWhen},
                                          {"auto_context", kWhen}};
inline constexpr FieldSpec kSendFields[] = {{"id"}, {"src"}, {"dest"}, {"body"}};
inline constexpr FieldSpec kDuplicateFields[] = {{"id"}};
inline constexpr FieldSpec kDeliverFields[] = {{"id"}, {"src"}, {"dest"}};
inline constexpr FieldSpec kDropFields[] = {{"id"}, {"src"}, {"dest"}, {"reason"}};
inline constexpr FieldSpec kApplyFields[] = {
    {"node"}, {"key"},    {"value"},    {"clock"},         {"dot", kWhen},   {"op"},
    {"msg"},  {"result"}, {"siblings"}, {"status", kWhen}, {"client", kWhen}};
inline constexpr FieldSpec kSiblingsFields[] = {{"node"}, {"key"}, {"siblings"}};
inline constexpr FieldSpec kFaultFields[] = {{"fault"}};
inline constexpr FieldSpec kTimeoutFields[] = {{"client"}, {"msg_id"}, {"attempt"}, {"node"}};
inline constexpr FieldSpec kGiveUpFields[] = {
    {"client"}, {"msg_id"}, {"node", kWhen}, {"reason", kWhen}};
inline constexpr FieldSpec kFinalFields[] = {{"node"}, {"live"}, {"store"}};
inline constexpr FieldSpec kEndFields[] = {{"events"}, {"messages"}};

inline constexpr FieldSpec kPartitionFields[] = {{"fault"},       {"shape"},     {"groups", kWhen},
                                                 {"from", kWhen}, {"to", kWhen}, {"ring", kWhen}};
inline constexpr FieldSpec kHealFields[] = {{"fault"}};
inline constexpr FieldSpec kCrashFields[] = {
    {"fault"}, {"node"}, {"amnesia"}, {"already_crashed", kWhen}};
inline constexpr FieldSpec kRestartFields[] = {{"fault"}, {"node"}, {"was_running", kWhen}};

inline constexpr std::string_view kClientOps[] = {client_op::kPut, client_op::kGet,
                                                  client_op::kResolve};
// A `give_up` with a reason: a colocated client's node was down.
inline constexpr std::string_view kGiveUpReasons[] = {reason::kCrashed};
inline constexpr std::string_view kOps[] = {op::kPut, op::kResolve, op::kReplicate,
                                            op::kAntiEntropy};
inline constexpr std::string_view kResults[] = {result::kApplied, result::kDuplicate,
                                                result::kStale, result::kRefused};
inline constexpr std::string_view kStatuses[] = {status::kWritten, status::kConflict,
                                                 status::kResolved, status::kRejected,
                                                 status::kTooManySiblings};
// A `kv_put_ok`/`kv_resolve_ok` reply: a refused write gets an `error` body.
inline constexpr std::string_view kReplyStatuses[] = {status::kWritten, status::kConflict,
                                                      status::kResolved, status::kRejected};
inline constexpr std::string_view kReasons[] = {reason::kLoss, reason::kPartition, reason::kCrashed,
                                                reason::kScripted};
inline constexpr std::string_view kFaults[] = {fault::kPartition, fault::kHeal, fault::kCrash,
                                               fault::kRestart};
inline constexpr std::string_view kShapes[] = {shape::kGroups, shape::kIsolate, shape::kHalves,
                                               shape::kMajoritiesRing, shape::kOneWay};
// The simulator's message types: the bodies a history may hold.
constexpr size_t simulated_types() {
  size_t n = 0;
  for (const MessageDescriptor& d : kMessageTypes) n += d.simulated ? 1 : 0;
  return n;
}
inline constexpr auto kBodyTypes = [] {
  std::array<std::string_view, simulated_types()> names{};
  size_t i = 0;
  for (const MessageDescriptor& d : kMessageTypes) {
    if (d.simulated) names[i++] = d.name;
  }
  return names;
}();
}  // namespace detail

// Every line kind, in the order docs/HISTORY.md lists them.
inline constexpr Shape kLines[] = {
    {kind::kStart, detail::kStartFields},     {kind::kOp, detail::kOpFields},
    {kind::kSend, detail::kSendFields},       {kind::kDuplicate, detail::kDuplicateFields},
    {kind::kDeliver, detail::kDeliverFields}, {kind::kDrop, detail::kDropFields},
    {kind::kApply, detail::kApplyFields},     {kind::kSiblings, detail::kSiblingsFields},
    {kind::kFault, detail::kFaultFields},     {kind::kTimeout, detail::kTimeoutFields},
    {kind::kGiveUp, detail::kGiveUpFields},   {kind::kFinal, detail::kFinalFields},
    {kind::kEnd, detail::kEndFields},
};

// Every kind of `fault` line, with all its fields (`fault` first).
inline constexpr Shape kFaults[] = {
    {fault::kPartition, detail::kPartitionFields},
    {fault::kHeal, detail::kHealFields},
    {fault::kCrash, detail::kCrashFields},
    {fault::kRestart, detail::kRestartFields},
};

// Every message body, with its fields after `type`, in MsgType's order.
inline constexpr auto kBodies = [] {
  std::array<Shape, detail::simulated_types()> shapes{};
  size_t i = 0;
  for (const MessageDescriptor& d : kMessageTypes) {
    if (d.simulated) shapes[i++] = {d.name, d.fields};
  }
  return shapes;
}();

inline constexpr Enumeration kEnumerations[] = {
    {kind::kOp, "op", detail::kClientOps},
    {kind::kApply, "op", detail::kOps},
    {kind::kApply, "result", detail::kResults},
    {kind::kApply, "status", detail::kStatuses},
    {kind::kDrop, "reason", detail::kReasons},
    {kind::kGiveUp, "reason", detail::kGiveUpReasons},
    {kind::kFault, "fault", detail::kFaults},
    {kind::kFault, "shape", detail::kShapes},
    {kind::kSend, "type", detail::kBodyTypes},
    {body::kPutOk, "status", detail::kReplyStatuses},
    {body::kResolveOk, "status", detail::kReplyStatuses},
};

// The shape named `name` in `shapes`, or nullptr.
constexpr const Shape* find(std::span<const Shape> shapes, std::string_view name) {
  for (const Shape& s : shapes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// The values of `of`'s `field`; empty if the field is not enumerated.
constexpr std::span<const std::string_view> values_of(std::string_view of, std::string_view field) {
  for (const Enumeration& e : kEnumerations) {
    if (e.of == of && e.field == field) return e.values;
  }
  return {};
}

// Whether `value` is one of `values`; its index in *index when given.
constexpr bool is_one_of(std::span<const std::string_view> values, std::string_view value,
                         size_t* index = nullptr) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == value) {
      if (index != nullptr) *index = i;
      return true;
    }
  }
  return false;
}

}  // namespace kv::history::format
