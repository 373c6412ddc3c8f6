// The message types of kvsim's protocol, each described once.
//
// One row of kMessageTypes per type: its wire name (docs/PROTOCOL.md), the
// fields its body carries after `type` (in the order they are written), its
// role (what kind of traffic it is, for delays and pictures), the word a
// space-time arrow starts with, and the noun a story uses. Everything else
// takes its names from here: the line protocol's reader (node/request*.cc),
// the simulator's scenario loader, the history format (history/format.h:
// the body shapes and the `type` values), the space-time labels and the
// story (viz/). Adding a message type is a row here and its handler
// (docs/ARCHITECTURE.md, "Adding a message type").
//
// Invariant: kMessageTypes[i].type == MsgType(i), checked at compile time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace kv {

enum class MsgType : uint8_t {
  kPut,        // client -> node: a write
  kGet,        // client -> node: a read
  kResolve,    // client -> node: a write that resolves the siblings it read
  kPutOk,      // node -> client
  kGetOk,      // node -> client
  kResolveOk,  // node -> client
  kError,      // node -> client: a client write refused (Maelstrom's code 14, abort)
  kReplicate,  // node -> node: a write the sender accepted from a client
  kAeDigest,   // node -> node: anti-entropy opens a round
  kAeDiff,     // node -> node: the peer's versions in the buckets that differ
  kAePush,     // node -> node: the initiator's versions in those buckets
  kStore,      // coordinator -> replica (or a stand-in, with a hint): store and acknowledge
  kStoreOk,    // replica -> coordinator (or owner -> hint holder): stored
  kFetch,      // coordinator -> replica: the key's siblings, please
  kFetchOk,    // replica -> coordinator: the key's siblings
  kHandoff,    // hint holder -> the replica the hint names: the write it kept for it
  kInit,       // harness -> node (`kvsim node` only): the node's name and its cluster
  kInitOk,     // node -> harness
};

// What a message is for. The simulator draws a message's delay by its role
// (a scenario may give each role its own distribution) and the pictures
// colour it by role.
enum class Role : uint8_t {
  kClientRequest,  // a client asks a node
  kClientReply,    // a node answers a client
  kWrite,          // a write sent to a replica (PBS's W)
  kWriteAck,       // a replica acknowledges a write (PBS's A)
  kRead,           // a read sent to a replica (PBS's R)
  kReadReply,      // a replica answers a read (PBS's S)
  kAntiEntropy,    // a background exchange between two replicas
  kSetup,          // the line protocol's init handshake
};
inline constexpr std::string_view kRoleNames[] = {"client_request", "client_reply", "write",
                                                  "write_ack",      "read",         "read_reply",
                                                  "anti_entropy",   "setup"};
constexpr std::string_view role_name(Role role) {
  return kRoleNames[static_cast<size_t>(role)];
}

// A field of a body after `type`: kAlways, every such body has it; kWhen,
// only some do (the docs say when).
enum class Presence : uint8_t { kAlways, kWhen };
struct FieldSpec {
  std::string_view name;
  Presence presence = Presence::kAlways;
};

struct MessageDescriptor {
  MsgType type;
  std::string_view name;  // on the wire and in histories: "kv_put", "replicate", ...
  Role role;
  std::span<const FieldSpec> fields;  // the body's fields after `type`, in order
  std::string_view label;             // a space-time arrow's first word: "put", "repl", ...
  std::string_view noun;              // a story's word for it: "put", "replicate", ...
  bool simulated;  // carried by the simulator (in histories, in a scenario's drop:/delay:)
};

namespace message_fields {
inline constexpr FieldSpec kWrite[] = {{"msg_id"}, {"key"}, {"value"}, {"clock"}};
inline constexpr FieldSpec kGet[] = {{"msg_id"}, {"key"}};
// Under a server-side mechanism a version carries its dot (server-vv: and
// whether it replaced what it found) or lww's timestamp, after its clock,
// and a write's reply the key's versions (Riak's return_body).
inline constexpr FieldSpec kWriteOk[] = {{"in_reply_to"},
                                         {"status"},
                                         {"siblings", Presence::kWhen},
                                         {"values", Presence::kWhen},
                                         {"msg_id"}};
inline constexpr FieldSpec kGetOk[] = {{"in_reply_to"}, {"values"}, {"msg_id"}};
inline constexpr FieldSpec kError[] = {{"in_reply_to"}, {"code"}, {"text"}, {"msg_id"}};
inline constexpr FieldSpec kReplicate[] = {{"key"},
                                           {"value"},
                                           {"clock"},
                                           {"dot", Presence::kWhen},
                                           {"timestamp", Presence::kWhen},
                                           {"replaced", Presence::kWhen}};
inline constexpr FieldSpec kAeDigest[] = {{"round"}, {"digest"}};
inline constexpr FieldSpec kAeDiff[] = {{"round"}, {"buckets"}, {"versions"}};
inline constexpr FieldSpec kAePush[] = {{"round"}, {"versions"}};
inline constexpr FieldSpec kStore[] = {{"msg_id"},
                                       {"key"},
                                       {"value"},
                                       {"clock"},
                                       {"dot", Presence::kWhen},
                                       {"timestamp", Presence::kWhen},
                                       {"replaced", Presence::kWhen},
                                       {"hint", Presence::kWhen}};
inline constexpr FieldSpec kNodeAck[] = {{"in_reply_to"}};
inline constexpr FieldSpec kFetchOk[] = {{"in_reply_to"}, {"values"}};
inline constexpr FieldSpec kHandoff[] = {{"msg_id"},
                                         {"key"},
                                         {"value"},
                                         {"clock"},
                                         {"dot", Presence::kWhen},
                                         {"timestamp", Presence::kWhen},
                                         {"replaced", Presence::kWhen}};
inline constexpr FieldSpec kInit[] = {{"msg_id"}, {"node_id"}, {"node_ids"}};
inline constexpr FieldSpec kInitOk[] = {{"in_reply_to"}, {"msg_id"}};
}  // namespace message_fields

// The one table, in MsgType's order.
inline constexpr MessageDescriptor kMessageTypes[] = {
    {MsgType::kPut, "kv_put", Role::kClientRequest, message_fields::kWrite, "put", "put", true},
    {MsgType::kGet, "kv_get", Role::kClientRequest, message_fields::kGet, "get", "get", true},
    {MsgType::kResolve, "kv_resolve", Role::kClientRequest, message_fields::kWrite, "resolve",
     "resolve", true},
    {MsgType::kPutOk, "kv_put_ok", Role::kClientReply, message_fields::kWriteOk, "ok", "reply",
     true},
    {MsgType::kGetOk, "kv_get_ok", Role::kClientReply, message_fields::kGetOk, "values", "reply",
     true},
    {MsgType::kResolveOk, "kv_resolve_ok", Role::kClientReply, message_fields::kWriteOk, "ok",
     "reply", true},
    {MsgType::kError, "error", Role::kClientReply, message_fields::kError, "error", "error", true},
    {MsgType::kReplicate, "replicate", Role::kWrite, message_fields::kReplicate, "repl",
     "replicate", true},
    {MsgType::kAeDigest, "ae_digest", Role::kAntiEntropy, message_fields::kAeDigest, "digest",
     "anti-entropy digest", true},
    {MsgType::kAeDiff, "ae_diff", Role::kAntiEntropy, message_fields::kAeDiff, "diff",
     "anti-entropy diff", true},
    {MsgType::kAePush, "ae_push", Role::kAntiEntropy, message_fields::kAePush, "push",
     "anti-entropy push", true},
    {MsgType::kStore, "store", Role::kWrite, message_fields::kStore, "store", "store request",
     true},
    {MsgType::kStoreOk, "store_ok", Role::kWriteAck, message_fields::kNodeAck, "stored",
     "acknowledgement", true},
    {MsgType::kFetch, "fetch", Role::kRead, message_fields::kGet, "fetch", "fetch", true},
    {MsgType::kFetchOk, "fetch_ok", Role::kReadReply, message_fields::kFetchOk, "values",
     "fetch reply", true},
    {MsgType::kHandoff, "handoff", Role::kWrite, message_fields::kHandoff, "handoff",
     "hinted handoff", true},
    {MsgType::kInit, "init", Role::kSetup, message_fields::kInit, "init", "init", false},
    {MsgType::kInitOk, "init_ok", Role::kSetup, message_fields::kInitOk, "init_ok", "init reply",
     false},
};
inline constexpr size_t kMsgTypes = std::size(kMessageTypes);

consteval bool table_in_order() {
  for (size_t i = 0; i < kMsgTypes; ++i) {
    if (static_cast<size_t>(kMessageTypes[i].type) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "kMessageTypes must list the types in MsgType's order");

constexpr const MessageDescriptor& describe(MsgType type) {
  return kMessageTypes[static_cast<size_t>(type)];
}
// The wire name ("kv_put", "replicate", ...).
constexpr std::string_view type_name(MsgType type) {
  return describe(type).name;
}
constexpr Role role_of(MsgType type) {
  return describe(type).role;
}
// The type named `name`, if any (any type, the line protocol's init too).
constexpr std::optional<MsgType> type_by_name(std::string_view name) {
  for (const MessageDescriptor& d : kMessageTypes) {
    if (d.name == name) return d.type;
  }
  return std::nullopt;
}
// The type named `name` if the simulator carries it (what a history's body
// or a scenario's drop:/delay: may name).
constexpr std::optional<MsgType> simulated_type_by_name(std::string_view name) {
  const std::optional<MsgType> t = type_by_name(name);
  if (t && !describe(*t).simulated) return std::nullopt;
  return t;
}

// The roles' tests, in MsgType's terms. The client's requests and replies
// are the first values of MsgType, so these are a compare each on the hot
// path; the table says the same (checked below).
constexpr bool is_client_request(MsgType t) {
  return t <= MsgType::kResolve;
}
constexpr bool is_client_reply(MsgType t) {
  return t >= MsgType::kPutOk && t <= MsgType::kError;
}
consteval bool roles_agree() {
  for (const MessageDescriptor& d : kMessageTypes) {
    if (is_client_request(d.type) != (d.role == Role::kClientRequest)) return false;
    if (is_client_reply(d.type) != (d.role == Role::kClientReply)) return false;
  }
  return true;
}
static_assert(roles_agree(), "client requests, then client replies, first in MsgType");
constexpr bool is_anti_entropy(MsgType t) {
  return role_of(t) == Role::kAntiEntropy;
}
// A message between two nodes (replication, anti-entropy).
constexpr bool is_node_to_node(MsgType t) {
  const Role r = role_of(t);
  return r != Role::kClientRequest && r != Role::kClientReply && r != Role::kSetup;
}

}  // namespace kv
