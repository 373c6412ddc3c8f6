// The messages of kvsim's protocol, typed: what a replica receives and sends,
// whoever carries them (the simulator's network, or JSON lines on stdin and
// stdout in `kvsim node`).
//
// Each message type is described once, in node/message_types.h (its wire
// name, fields, role and labels), and used from there by the node, the
// simulator, the history format and reader, and the pictures. A body is written as Python's
// json.dumps writes it, by write_body() below, into any sink that takes text with `+=` (a
// std::string, or the simulator's history buffer).
//
// Endpoints are numbers: nodes 0..N-1 in clock-slot order, clients from N on
// (the host that carries the messages names them).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/message_types.h"
#include "node/names.h"
#include "node/node.h"
#include "node/version_text.h"

namespace kv {

using Endpoint = uint32_t;
inline constexpr Endpoint kNoEndpoint = UINT32_MAX;

// An error reply's code (Maelstrom's): 14, abort, a write refused by the
// sibling bound; 11, temporarily unavailable, a coordinator that did not
// gather its quorum in time.
enum class ErrorCode : uint8_t { kTooManySiblings = 14, kUnavailable = 11 };

// How a version reached a replica's store.
enum class WriteOp : uint8_t { kPut, kResolve, kReplicate, kAntiEntropy };
// The op's name in histories ("put", ...): the one table.
inline constexpr std::string_view kWriteOpNames[] = {"put", "resolve", "replicate", "anti_entropy"};
constexpr std::string_view op_name(WriteOp op) {
  return kWriteOpNames[static_cast<size_t>(op)];
}

// What an anti-entropy message carries; shared, as the simulator may deliver
// one message twice.
struct AePayload {
  uint64_t round = 0;
  Store::Digest digest{};             // kAeDigest
  std::vector<uint32_t> buckets;      // kAeDiff
  std::vector<KeyVersions> versions;  // kAeDiff, kAePush
};

struct Message {
  uint64_t id = 0;  // the carrier's number for the message (the simulator's); 0 if none
  Endpoint src = 0, dest = 0;
  MsgType type = MsgType::kPut;
  WriteStatus status = WriteStatus::kWritten;  // write replies
  uint32_t siblings = 0;                       // write replies: the count after a conflict
  uint64_t msg_id = 0;      // requests: the client's msg_id; replies: in_reply_to
  uint64_t own_msg_id = 0;  // replies: the node's own number for the message
  // The key, owned by the host that carries the message and valid while the
  // message lives; a replica copies the pointer into the messages it sends.
  // Its hash (Store::key_hash) travels with it, so that the stores a write
  // reaches do not hash the key again: both are set by set_key.
  const std::string* key = nullptr;
  uint64_t key_hash = 0;
  // kPut, kResolve, kReplicate: the version carried. A write's reply
  // (kPutOk, kResolveOk) holds the version it answers for, off the wire: a
  // host learns from the reply what a client was told was accepted.
  VersionPtr version;
  Siblings values;  // kGetOk
  std::shared_ptr<const AePayload> ae;
  // kStore to a stand-in (sloppy quorum): the replica the write is meant
  // for, which the stand-in hands it to later; kNoEndpoint otherwise.
  Endpoint hint = kNoEndpoint;
  ErrorCode error = ErrorCode::kTooManySiblings;  // kError

  void set_key(const std::string* text) { set_key(text, Store::key_hash(*text)); }
  // REQUIRES: hash == Store::key_hash(*text).
  void set_key(const std::string* text, uint64_t hash) {
    key = text;
    key_hash = hash;
    KV_EXPENSIVE_ASSERT(hash == Store::key_hash(*text));
  }
  // The key of `other` (a reply to it, a message about the same key).
  void set_key_of(const Message& other) { set_key(other.key, other.key_hash); }
  HashedKey hashed_key() const { return {*key, key_hash}; }

  // Clears what the message holds, for reuse; the endpoints and the type are
  // set by whoever composes the next one.
  void clear() {
    status = WriteStatus::kWritten;
    siblings = 0;
    msg_id = own_msg_id = 0;
    key = nullptr;
    key_hash = 0;
    version.reset();
    values.clear();
    ae.reset();
    hint = kNoEndpoint;
    error = ErrorCode::kTooManySiblings;
  }
};

// Text sinks: a std::string takes strings through json::dump_string; another
// sink brings its own append_string (found by argument-dependent lookup).
inline void append_string(std::string& out, std::string_view s) {
  json::dump_string(s, out);
}

// The fields of a reply after `in_reply_to`, before its `msg_id`:
//   , "status": "conflict", "siblings": 2     write replies
//   , "values": [versions]                    kGetOk
//   , "code": 14, "text": "..."               kError
template <class Out>
void write_reply_fields(const Message& m, Out& out) {
  switch (m.type) {
    case MsgType::kPutOk:
    case MsgType::kResolveOk:
      out += std::string_view(", \"status\": \"");
      out += std::string_view(to_string(m.status));
      out += '"';
      if (m.status == WriteStatus::kConflict) {
        out += std::string_view(", \"siblings\": ");
        append_uint(out, m.siblings);
      }
      if (!m.values.empty()) [[unlikely]] {  // a server-side mechanism's return_body
        out += std::string_view(", \"values\": ");
        write_siblings(m.values, out);
      }
      return;
    case MsgType::kGetOk:
      out += std::string_view(", \"values\": ");
      write_siblings(m.values, out);
      return;
    case MsgType::kError:
      if (m.error == ErrorCode::kUnavailable) {
        out += std::string_view(", \"code\": 11, \"text\": ");
        append_string(out, "not enough replicas of key " + *m.key + " answered in time");
        return;
      }
      out += std::string_view(", \"code\": 14, \"text\": ");
      append_string(out, too_many_siblings_text(*m.key));
      return;
    default:
      return;
  }
}

// The body as JSON text, keys in docs/PROTOCOL.md's order:
//   {"type": "kv_put", "msg_id": 1, "key": "a", "value": V, "clock": [..]}
//   {"type": "kv_put_ok", "in_reply_to": 1, "status": "written", "msg_id": 0}
//   {"type": "replicate", "key": "a", "value": V, "clock": [..]}
//   {"type": "store", "msg_id": 3, "key": "a", "value": V, "clock": [..], "hint": "n2"}
//   {"type": "store_ok", "in_reply_to": 3}
//   {"type": "fetch", "msg_id": 4, "key": "a"}, {"type": "fetch_ok", "in_reply_to": 4, "values":
//   [..]}
//   {"type": "handoff", "msg_id": 5, "key": "a", "value": V, "clock": [..]}
//   {"type": "ae_digest", "round": 1, "digest": [64 integers]}
//   {"type": "ae_diff", "round": 1, "buckets": [..], "versions": [{"key", "value", "clock"}]}
//   {"type": "ae_push", "round": 1, "versions": [..]}
template <class Out>
void write_body(const Message& m, Out& out) {
  out += std::string_view("{\"type\": \"");
  out += type_name(m.type);
  out += '"';
  auto key = [&] {
    out += std::string_view(", \"key\": ");
    append_string(out, *m.key);
  };
  auto version = [&] {
    out += std::string_view(", \"value\": ");
    out += std::string_view(m.version->value);
    out += std::string_view(", \"clock\": ");
    write_clock(m.version->clock, out);
    write_dot(*m.version, out);
  };
  auto round = [&] {
    out += std::string_view(", \"round\": ");
    append_uint(out, m.ae->round);
  };
  auto versions = [&] {
    out += std::string_view(", \"versions\": [");
    bool first = true;
    for (const KeyVersions& kv : m.ae->versions) {
      for (const VersionPtr& v : kv.versions) {
        out += first ? std::string_view("{\"key\": ") : std::string_view(", {\"key\": ");
        first = false;
        append_string(out, kv.key);
        out += std::string_view(", \"value\": ");
        out += std::string_view(v->value);
        out += std::string_view(", \"clock\": ");
        write_clock(v->clock, out);
        write_dot(*v, out);
        out += '}';
      }
    }
    out += ']';
  };
  auto numbers = [&](std::string_view name, const auto& list) {
    out += name;
    bool first = true;
    for (const uint64_t n : list) {
      if (!first) out += std::string_view(", ");
      first = false;
      append_uint(out, n);
    }
    out += ']';
  };
  switch (m.type) {
    case MsgType::kPut:
    case MsgType::kResolve:
    case MsgType::kGet:
      out += std::string_view(", \"msg_id\": ");
      append_uint(out, m.msg_id);
      key();
      if (m.type != MsgType::kGet) version();
      break;
    case MsgType::kPutOk:
    case MsgType::kResolveOk:
    case MsgType::kGetOk:
    case MsgType::kError:
      out += std::string_view(", \"in_reply_to\": ");
      append_uint(out, m.msg_id);
      write_reply_fields(m, out);
      out += std::string_view(", \"msg_id\": ");
      append_uint(out, m.own_msg_id);
      break;
    case MsgType::kReplicate:
      key();
      version();
      break;
    case MsgType::kStore:
    case MsgType::kHandoff:
    case MsgType::kFetch:
      out += std::string_view(", \"msg_id\": ");
      append_uint(out, m.msg_id);
      key();
      if (m.type == MsgType::kFetch) break;
      version();
      if (m.hint != kNoEndpoint) {
        out += std::string_view(", \"hint\": ");
        append_string(out, node_name(m.hint));
      }
      break;
    case MsgType::kStoreOk:
    case MsgType::kFetchOk:
      out += std::string_view(", \"in_reply_to\": ");
      append_uint(out, m.msg_id);
      if (m.type == MsgType::kFetchOk) {
        out += std::string_view(", \"values\": ");
        write_siblings(m.values, out);
      }
      break;
    case MsgType::kAeDigest:
      round();
      numbers(", \"digest\": [", m.ae->digest);
      break;
    case MsgType::kAeDiff:
      round();
      numbers(", \"buckets\": [", m.ae->buckets);
      versions();
      break;
    case MsgType::kAePush:
      round();
      versions();
      break;
    case MsgType::kInit:
    case MsgType::kInitOk:
      break;  // the line protocol's own (node/protocol.cc); never a Message
  }
  out += '}';
}

}  // namespace kv
