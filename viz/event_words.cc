#include "viz/event_words.h"

#include <algorithm>
#include <map>

#include "viz/story.h"
#include "viz/text.h"

namespace kv::viz {
std::string version_words(const history::VersionText& v) {
  return readable(version_text(v.value, v.clock));
}

namespace {

// The history's records, read by this file throughout.
using namespace kv::history;

std::string body_version(const MessageBody& b) {
  if (!b.value || !b.clock) return "";
  return readable(version_text(*b.value, *b.clock));
}

std::string count(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string versions_list(const std::vector<VersionText>& versions) {
  if (versions.empty()) return "nothing";
  std::string out;
  for (size_t i = 0; i < versions.size(); ++i)
    out += (i == 0 ? "" : ", ") + version_words(versions[i]);
  return out;
}

std::string round_text(const MessageBody& b) {
  return b.round ? ", round " + std::to_string(*b.round) : "";
}

// What the message carried, without who sent it: "put of v1@[1,0,0]".
std::string carried(const MessageBody& b) {
  const std::string v = body_version(b);
  switch (b.type) {
    case MsgType::kPut:
      return "put of " + (v.empty() ? key_text(b.key) : v);
    case MsgType::kResolve:
      return "resolve of " + (v.empty() ? key_text(b.key) : v);
    case MsgType::kGet:
      return "read of " + key_text(b.key);
    case MsgType::kPutOk:
    case MsgType::kResolveOk: {
      std::string out = "reply \"" + (b.status.empty() ? std::string("ok") : b.status) + "\"";
      if (b.siblings) out += " (" + count(*b.siblings, "sibling", "siblings") + ")";
      return out;
    }
    case MsgType::kGetOk:
      return "read reply with " + (b.values ? versions_list(*b.values) : std::string("values"));
    case MsgType::kError:
      return b.code == 14u ? std::string("refusal: too many siblings") : std::string("error");
    case MsgType::kReplicate:
      return "replicate of " + (v.empty() ? key_text(b.key) : v + " (key " + key_text(b.key) + ")");
    case MsgType::kAeDigest:
      return "anti-entropy digest" + round_text(b);
    case MsgType::kAeDiff:
    case MsgType::kAePush: {
      std::string out = b.type == MsgType::kAeDiff ? "anti-entropy diff" : "anti-entropy push";
      out += round_text(b);
      if (b.versions) out += ", with " + count(*b.versions, "version", "versions");
      const AeVersions* ae = b.ae_versions.get();
      if (ae != nullptr && !ae->first_keys.empty()) {
        out += " of ";
        for (size_t i = 0; i < ae->first_keys.size(); ++i) {
          out += (i == 0 ? "" : ", ") + key_text(ae->first_keys[i]);
        }
        if (ae->keys > ae->first_keys.size()) out += ", ...";
      }
      return out;
    }
    case MsgType::kStore:
      return "store of " + (v.empty() ? key_text(b.key) : v + " (key " + key_text(b.key) + ")") +
             (b.hint.empty() ? "" : ", a hint for " + b.hint);
    case MsgType::kStoreOk:
      return "store acknowledged";
    case MsgType::kFetch:
      return "fetch of " + key_text(b.key);
    case MsgType::kFetchOk:
      return "fetch reply with " + (b.values ? versions_list(*b.values) : std::string("values"));
    case MsgType::kHandoff:
      return "handoff of " + (v.empty() ? key_text(b.key) : v + " (key " + key_text(b.key) + ")");
    case MsgType::kInit:
    case MsgType::kInitOk:
      break;
  }
  return std::string(type_name(b.type));
}

std::string drop_reason(const DropEvent& d) {
  if (d.reason == "loss") return "the network lost it";
  if (d.reason == "partition") return "a partition cuts " + d.src + " off from " + d.dest;
  if (d.reason == "crashed") return d.dest + " is down";
  if (d.reason == "scripted") return "the scenario's drop: event";
  return d.reason;
}

std::string op_sentence(const OpEvent& op) {
  std::string s = op.client + " starts a " + op.op + " of " + key_text(op.key) + " at " + op.node +
                  " (request " + std::to_string(op.msg_id) + ")";
  return s;
}

std::string plain(const History& h, const Event& e, std::string& key) {
  const EventData& d = e.data;
  if (const auto* s = std::get_if<StartEvent>(&d)) {
    return "the run of " + s->scenario + " starts" +
           (s->seed ? " (seed " + std::to_string(*s->seed) + ")" : "");
  }
  if (const auto* op = std::get_if<OpEvent>(&d)) {
    key = op->key;
    return op_sentence(*op);
  }
  if (const auto* s = std::get_if<SendEvent>(&d)) {
    key = s->body.key;
    return send_sentence(*s);
  }
  if (const auto* dup = std::get_if<DuplicateEvent>(&d)) {
    const SendEvent* send = h.find_send(dup->id);
    if (send != nullptr) key = send->body.key;
    return "the network will deliver message " + std::to_string(dup->id) +
           (send != nullptr ? " (" + message_words(*send) + " to " + send->dest + ")" : "") +
           " twice";
  }
  if (const auto* dl = std::get_if<DeliverEvent>(&d)) {
    const SendEvent* send = h.find_send(dl->id);
    if (send != nullptr) key = send->body.key;
    return dl->dest + " receives " +
           (send != nullptr ? message_words(*send) : "message from " + dl->src) + " (message " +
           std::to_string(dl->id) + ")";
  }
  if (const auto* dr = std::get_if<DropEvent>(&d)) {
    const SendEvent* send = h.find_send(dr->id);
    if (send != nullptr) key = send->body.key;
    return (send != nullptr ? message_words(*send) : "a message from " + dr->src) + " to " +
           dr->dest + " is lost (message " + std::to_string(dr->id) + "): " + drop_reason(*dr);
  }
  if (const auto* sib = std::get_if<SiblingsEvent>(&d)) {
    key = sib->key;
    if (sib->siblings.empty()) return sib->node + " no longer holds " + key_text(sib->key);
    return sib->node + " now holds " + count(sib->siblings.size(), "version", "siblings") + " of " +
           key_text(sib->key) + ": " + versions_list(sib->siblings);
  }
  if (const auto* f = std::get_if<FinalEvent>(&d)) {
    return "at the end " + f->node + (f->live ? " is up and holds " : " is down and keeps ") +
           count(f->store.size(), "key", "keys");
  }
  if (const auto* end = std::get_if<EndEvent>(&d)) {
    return "the run ends after " + count(end->events, "event", "events") + " and " +
           count(end->messages, "message", "messages");
  }
  if (const auto* a = std::get_if<ApplyEvent>(&d)) {  // the story tells every apply
    key = a->key;
    return a->node + " applies " + version_words(a->version);
  }
  return "";
}

}  // namespace

std::string send_sentence(const SendEvent& s) {
  const std::string what = carried(s.body);
  const bool vowel = std::string("aeiou").find(what[0]) != std::string::npos;
  return s.src + " sends " + s.dest + (vowel ? " an " : " a ") + what + " (message " +
         std::to_string(s.id) + ")";
}

std::string message_words(const SendEvent& send) {
  return send.src + "'s " + carried(send.body);
}

std::vector<EventWords> event_sentences(const History& history, size_t first, size_t last) {
  last = std::min(last, history.events.size());
  if (first >= last) return {};
  std::vector<StorySentence> told = story_sentences(history, first, last);
  std::vector<EventWords> out(last - first);
  // A reply names no key: it is its request's, (client, msg_id) -> key,
  // from the requests sent before it.
  std::map<std::pair<std::string, uint64_t>, std::string> request_key;
  auto reply_key = [&](const SendEvent* s) -> std::string {
    if (s == nullptr || !s->body.key.empty() || !s->body.in_reply_to) return "";
    auto it = request_key.find({s->dest, *s->body.in_reply_to});
    return it == request_key.end() ? "" : it->second;
  };
  for (size_t i = 0; i < last; ++i) {
    const Event& e = history.events[i];
    const SendEvent* send = std::get_if<SendEvent>(&e.data);
    if (send != nullptr && is_client_request(send->body.type) && send->body.msg_id) {
      request_key[{send->src, *send->body.msg_id}] = send->body.key;
    }
    if (i < first) continue;
    EventWords& w = out[i - first];
    if (!told[i - first].text.empty()) {
      w.key = std::move(told[i - first].key);
      w.text = std::move(told[i - first].text);
    } else {
      w.text = plain(history, e, w.key);
    }
    if (!w.key.empty()) continue;
    if (send == nullptr) {
      uint64_t id = 0;
      if (const auto* d = std::get_if<DeliverEvent>(&e.data)) id = d->id;
      if (const auto* d = std::get_if<DropEvent>(&e.data)) id = d->id;
      if (const auto* d = std::get_if<DuplicateEvent>(&e.data)) id = d->id;
      if (id != 0) send = history.find_send(id);
    }
    w.key = reply_key(send);
  }
  return out;
}

}  // namespace kv::viz
