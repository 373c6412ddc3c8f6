#include "viz/write_fates.h"

#include <map>
#include <utility>

namespace kv::viz {
namespace {

bool accepted(const history::ApplyEvent& a) {
  return a.client_write() &&
         (a.status == "written" || a.status == "conflict" || a.status == "resolved");
}

// `held` has `v` or a version above it.
bool covers(const Causality& rules, const std::vector<history::VersionText>& held,
            const history::VersionText& v) {
  for (const history::VersionText& h : held) {
    if (rules.covers(h, v)) return true;
  }
  return false;
}

// Keeps `maximal` the maximal accepted writes of one key, in order of first
// acceptance, as `w` is accepted.
void accept(const Causality& rules, std::vector<WriteFate>& maximal, WriteFate w) {
  for (const WriteFate& m : maximal) {
    if (rules.covers(m.version, w.version)) return;
  }
  std::erase_if(maximal,
                [&](const WriteFate& m) { return rules.supersedes(w.version, m.version); });
  maximal.push_back(std::move(w));
}

// What a node holds at the end.
struct Holder {
  std::string node;
  bool live = true;
  std::map<std::string, const std::vector<history::VersionText>*> store;
};

}  // namespace

WriteFates find_write_fates(const history::History& history) {
  const Causality& rules = history.rules();
  std::map<std::string, std::vector<WriteFate>> maximal;  // by key
  std::vector<Holder> finals;
  // For a history without `final` lines: the last sibling set per (node,
  // key), and which nodes are down.
  std::map<std::string, std::map<std::string, const std::vector<history::VersionText>*>> last;
  std::map<std::string, bool> down;
  for (const history::Event& e : history.events) {
    if (const auto* a = std::get_if<history::ApplyEvent>(&e.data)) {
      if (!accepted(*a)) continue;
      WriteFate w;
      w.key = a->key;
      w.version = a->version;
      w.node = a->node;
      w.client = a->client;
      w.t_us = e.t_us;
      accept(rules, maximal[a->key], std::move(w));
    } else if (const auto* s = std::get_if<history::SiblingsEvent>(&e.data)) {
      last[s->node][s->key] = &s->siblings;
    } else if (const auto* f = std::get_if<history::FaultEvent>(&e.data)) {
      if (f->kind == history::FaultEvent::Kind::kCrash) down[f->node] = true;
      if (f->kind == history::FaultEvent::Kind::kRestart) down[f->node] = false;
    } else if (const auto* f = std::get_if<history::FinalEvent>(&e.data)) {
      Holder& h = finals.emplace_back();
      h.node = f->node;
      h.live = f->live;
      for (const auto& [key, versions] : f->store) h.store[key] = &versions;
    }
  }
  if (finals.empty()) {
    for (const auto& [node, keys] : last) {
      Holder& h = finals.emplace_back();
      h.node = node;
      h.live = !down[node];
      h.store = keys;
    }
  }

  WriteFates out;
  for (auto& [key, writes] : maximal) {
    for (WriteFate& w : writes) {
      bool live_holder = false;
      for (const Holder& h : finals) {
        auto it = h.store.find(key);
        if (it == h.store.end() || !covers(rules, *it->second, w.version)) continue;
        if (h.live) {
          live_holder = true;
          break;
        }
        w.down_holders.push_back(h.node);
      }
      if (live_holder) continue;
      if (w.down_holders.empty()) {
        w.kind = WriteFate::Kind::kLost;
        ++out.lost;
      } else {
        w.kind = WriteFate::Kind::kUnavailable;
        ++out.unavailable;
      }
      out.writes.push_back(std::move(w));
    }
  }
  return out;
}

const char* fate_word(WriteFate::Kind kind) {
  return kind == WriteFate::Kind::kLost ? "lost" : "unavailable";
}

std::string fate_reason(const WriteFate& fate) {
  if (fate.kind == WriteFate::Kind::kLost) {
    return "no node holds it or a newer version, live or down";
  }
  std::string nodes;
  for (size_t i = 0; i < fate.down_holders.size(); ++i) {
    nodes += i == 0 ? "" : (i + 1 == fate.down_holders.size() ? " and " : ", ");
    nodes += fate.down_holders[i];
  }
  return "only " + nodes + (fate.down_holders.size() == 1 ? ", down, holds it" : ", down, hold it");
}

}  // namespace kv::viz
