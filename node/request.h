// A request of the line protocol (docs/PROTOCOL.md), as its handler needs it.
//
// A line becomes a Request one of two ways, which must agree:
//   - RequestScanner (node/request_scan.h) reads the common shapes straight
//     from the text and declines anything else;
//   - the full path parses the line with nlohmann's parser and reads the tree
//     with read_envelope() and read_body() below, which also name what is
//     wrong with a request that cannot be served.
// Where the scanner accepts a line, the full path yields an equal Request
// (tests/unit/request_scan_test.cpp and the protocol fuzz target check it).
//
// Invariant of a Request either path yields: only the fields of its type are
// set (the others are empty), so two readings of one line compare equal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_text.h"
#include "base/limits.h"
#include "node/message.h"

namespace kv {

// What a line may ask: init, or a client request (kv_put, kv_get,
// kv_resolve); the types are node/message_types.h's.
constexpr std::optional<MsgType> request_type_named(std::string_view name) {
  const std::optional<MsgType> t = type_by_name(name);
  if (t && (*t == MsgType::kInit || is_client_request(*t))) return t;
  return std::nullopt;
}

// A request as the line protocol reads it: owned text, reused from line to
// line, with the envelope a reply needs. It is handed to the replica as a
// Message (node/message.h) that points into it; the two stay apart because
// a Message is the typed form every host shares (endpoints are numbers, the
// version is built) and a Request is the parse buffer of one host.
struct Request {
  // The envelope: what any reply to the request needs.
  std::string src;
  std::optional<std::string> dest;  // set when the request's `dest` is a string
  std::string msg_id;               // the integer's JSON text

  MsgType type = MsgType::kInit;      // kInit, kPut, kGet or kResolve
  std::string key;                    // kPut, kGet, kResolve
  std::string value;                  // kPut, kResolve: JSON text, as json::dump writes it
  std::vector<uint64_t> clock;        // kPut, kResolve
  std::string node_id;                // kInit
  std::vector<std::string> node_ids;  // kInit

  bool operator==(const Request&) const = default;
};

// Maelstrom's error codes the node answers with.
inline constexpr int kNotSupported = 10;
inline constexpr int kTemporarilyUnavailable = 11;
inline constexpr int kMalformedRequest = 12;
inline constexpr int kAbort = 14;  // the operation definitely did not take place

// Limits on one request (kMaxNestingDepth, kMaxClockSlots in
// base/limits.h); past them the request is answered with error 12. A message
// nested deeper than kMaxNestingDepth is never built whole: only its envelope
// is kept to answer it, so a line of 16 MiB of '[' costs one bit per level
// rather than a tree of millions of arrays.

// Reads the envelope of a parsed message into `request` (src, dest, msg_id)
// and returns its body; or returns null with `diagnostic` set when there is
// nobody to reply to (not an object, no string `src`, no `body` object, no
// integer `msg_id`).
const json::Json* read_envelope(const json::Json& message, Request& request,
                                std::string& diagnostic);

// Reads a body into `request`'s type and fields. Returns 0, or the error code
// to answer with and `problem` set to the error's text: kNotSupported for an
// unknown type, kTemporarilyUnavailable for anything but init while
// `initialized` is false, kMalformedRequest for a missing or ill-typed field.
int read_body(const json::Json& body, bool initialized, Request& request, std::string& problem);

// A version, `{"value": any JSON, "clock": [..]}`, read from `object`: the
// value as its JSON text. Returns false with `error` set when a field is
// missing or ill-typed.
bool read_version(const json::Json& object, VersionPtr& out, std::string& error);

// A node-to-node message of `kvsim node --replicate` (replicate, ae_digest,
// ae_diff, ae_push; docs/PROTOCOL.md), read whole. Peers send no msg_id and
// get no reply.
struct PeerMessage {
  std::string src;
  MsgType type = MsgType::kReplicate;
  std::string key;     // kReplicate
  VersionPtr version;  // kReplicate
  AePayload ae;        // the anti-entropy types
};

// The type of a node-to-node message, if `message` is one: an object whose
// body's type names one.
std::optional<MsgType> peer_message_type(const json::Json& message);
// Reads a node-to-node message of type `type`. Returns false with `problem`
// set to what is wrong when a field is missing or ill-typed.
bool read_peer_message(const json::Json& message, MsgType type, PeerMessage& out,
                       std::string& problem);

}  // namespace kv
