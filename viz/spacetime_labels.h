// How the space-time diagram's things look and what they say: the colour
// of each kind of traffic, an arrow's style, the short text on an arrow
// (what the message carried) and the legend. Internal to viz/spacetime*.cc.
#pragma once

#include <string>

#include "history/history.h"

namespace kv::viz::spacetime_internal {

inline constexpr const char* kClientColor = "#1f77b4";
inline constexpr const char* kReplicateColor = "#2ca02c";
inline constexpr const char* kAntiEntropyColor = "#ff7f0e";
inline constexpr const char* kOtherColor = "#555555";
inline constexpr const char* kDropColor = "#d62728";
inline constexpr const char* kCrashColor = "#d62728";
inline constexpr const char* kNoteColor = "#8c564b";

enum class Traffic { kClient, kReplicate, kAntiEntropy, kOther };

// The traffic a message type belongs to: kv_* and error are the clients',
// replicate is replication, ae_* anti-entropy.
Traffic traffic_of(MsgType type);

// An arrow's colour and line style: anti-entropy dashed, anything crossing
// the window's edge (or never arriving) dotted, the rest solid.
std::string arrow_style(Traffic t, bool crossing);

// A short text for an arrow: what the message carried.
std::string message_label(const history::MessageBody& b);

// The legend beside the diagram, as a Graphviz HTML label.
std::string legend();

}  // namespace kv::viz::spacetime_internal
