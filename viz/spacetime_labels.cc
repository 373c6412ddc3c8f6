// How the space-time diagram's things look and what they say
// (viz/spacetime_labels.h): colours, arrow styles, arrow texts, the legend.
#include "viz/spacetime_labels.h"

#include <cstdint>
#include <string>

#include "viz/text.h"

namespace kv::viz::spacetime_internal {
namespace {

const char* traffic_color(Traffic t) {
  switch (t) {
    case Traffic::kClient:
      return kClientColor;
    case Traffic::kReplicate:
      return kReplicateColor;
    case Traffic::kAntiEntropy:
      return kAntiEntropyColor;
    case Traffic::kOther:
      return kOtherColor;
  }
  return kOtherColor;
}

std::string opt_version(const history::MessageBody& b) {
  std::string out = b.key.empty() ? "" : b.key;
  if (b.value) out += "=" + value_text(*b.value, 16);
  if (b.clock) out += "@" + clock_text(*b.clock);
  return out;
}

// What an anti-entropy diff or push carried: ": x=v1@[1,0]" for one
// version, ": 3 versions of x", ": 5 versions of x, y", ": 9 versions of 12
// keys (a, b, c, ...)", ": no versions".
std::string ae_versions_text(const history::MessageBody& b) {
  if (!b.versions) return "";
  const uint64_t n = *b.versions;
  if (n == 0) return ": no versions";
  const history::AeVersions* ae = b.ae_versions.get();
  if (ae == nullptr) return ": " + std::to_string(n) + (n == 1 ? " version" : " versions");
  if (n == 1 && ae->first && !ae->first_keys.empty()) {
    return ": " + ae->first_keys[0] + "=" + value_text(ae->first->value, 16) + "@" +
           clock_text(ae->first->clock);
  }
  std::string keys;
  for (size_t i = 0; i < ae->first_keys.size(); ++i) keys += (i ? ", " : "") + ae->first_keys[i];
  if (ae->keys > ae->first_keys.size())
    keys = std::to_string(ae->keys) + " keys (" + keys + ", ...)";
  return ": " + std::to_string(n) + " versions of " + keys;
}

}  // namespace

Traffic traffic_of(MsgType type) {
  switch (role_of(type)) {
    case Role::kClientRequest:
    case Role::kClientReply:
      return Traffic::kClient;
    case Role::kWrite:
      return Traffic::kReplicate;
    case Role::kAntiEntropy:
      return Traffic::kAntiEntropy;
    case Role::kWriteAck:
    case Role::kRead:
    case Role::kReadReply:
    case Role::kSetup:
      return Traffic::kOther;
  }
  return Traffic::kOther;
}

std::string arrow_style(Traffic t, bool crossing) {
  const std::string color = traffic_color(t);
  std::string out = "color=\"" + color + "\", fontcolor=\"" + color + "\"";
  if (crossing) return out + ", style=dotted";
  if (t == Traffic::kAntiEntropy) return out + ", style=dashed";
  return out;
}

// The arrow's first word is the message type's label (node/message_types.h);
// what follows depends on what the body carries.
std::string message_label(const history::MessageBody& b) {
  const MsgType t = b.type;
  const std::string label(describe(t).label);
  if (t == MsgType::kPutOk || t == MsgType::kResolveOk) {
    std::string out = b.status.empty() ? label : b.status;
    if (b.siblings) out += " (" + std::to_string(*b.siblings) + ")";
    return out;
  }
  if (t == MsgType::kGetOk) {
    if (!b.values) return label;
    if (b.values->empty()) return "[]";
    if (b.values->size() == 1) {
      return version_text((*b.values)[0].value, (*b.values)[0].clock);
    }
    return std::to_string(b.values->size()) + " siblings";
  }
  if (t == MsgType::kError) {
    // Maelstrom's code 14 (abort): kvsim's only error, the sibling bound.
    if (b.code == 14u) return "refused: too many siblings";
    if (b.code == 11u) return "unavailable: no quorum in time";
    return b.code ? label + " " + std::to_string(*b.code) : label;
  }
  if (is_anti_entropy(t)) {
    const std::string round = b.round ? " r" + std::to_string(*b.round) : std::string();
    return label + round + (t == MsgType::kAeDigest ? std::string() : ae_versions_text(b));
  }
  if (t == MsgType::kStoreOk) return label;
  if (t == MsgType::kFetchOk) {
    if (!b.values || b.values->empty()) return label + " []";
    if (b.values->size() == 1) return version_text((*b.values)[0].value, (*b.values)[0].clock);
    return std::to_string(b.values->size()) + " siblings";
  }
  // A write to a stand-in names the replica it keeps it for.
  if (t == MsgType::kStore && !b.hint.empty()) {
    return "hinted " + label + " " + opt_version(b) + " for " + b.hint;
  }
  // A request or a write: the key, and the version it carries if any.
  return label + " " + opt_version(b);
}

std::string legend() {
  auto sample = [](const char* color, const char* text, const char* what) {
    return std::string("<tr><td align=\"right\"><font color=\"") + color + "\"><b>" + text +
           "</b></font></td><td align=\"left\">" + what + "</td></tr>";
  };
  std::string out = "<<table border=\"0\" cellborder=\"0\" cellspacing=\"1\">";
  out += sample(kClientColor, "--&gt;", "client request / reply");
  out += sample(kReplicateColor, "--&gt;", "replication");
  out += sample(kAntiEntropyColor, "- -&gt;", "anti-entropy");
  out += sample(kDropColor, "X", "message lost (why)");
  out += sample("#000000", "bold", "duplicate delivery (dup)");
  out += sample("#555555", "....", "crosses the window edge / in flight");
  out += sample("#e8a0a6", "strips", "partition until heal: a colour per side");
  out += sample(kCrashColor, "- - -", "node down (crash to restart)");
  out += "<tr><td colspan=\"2\" align=\"left\">rows follow event order, not time scale</td></tr>";
  return out + "</table>>";
}

}  // namespace kv::viz::spacetime_internal