#include "history/truth.h"

#include <algorithm>

#include "base/hash.h"

namespace kv::history {

namespace {

uint64_t key_hash(std::string_view key) {
  return stable_hash(key.data(), key.size());
}

}  // namespace

uint32_t Truth::count_in(const Past& past, uint32_t client) {
  auto it = std::lower_bound(past.begin(), past.end(), client,
                             [](const PastEntry& e, uint32_t c) { return e.client < c; });
  return it != past.end() && it->client == client ? it->count : 0;
}

void Truth::merge(Past& into, const Past& from) {
  Past out;
  out.reserve(into.size() + from.size());
  size_t i = 0, j = 0;
  while (i < into.size() || j < from.size()) {
    if (j == from.size() || (i < into.size() && into[i].client < from[j].client)) {
      out.push_back(into[i++]);
    } else if (i == into.size() || from[j].client < into[i].client) {
      out.push_back(from[j++]);
    } else {
      out.push_back({into[i].client, std::max(into[i].count, from[j].count)});
      ++i, ++j;
    }
  }
  into = std::move(out);
}

uint32_t Truth::write(uint32_t client, std::string_view key, uint64_t identity) {
  if (client >= knowledge_.size()) knowledge_.resize(client + 1);
  std::vector<Known>& known = knowledge_[client];
  // The client's own entry: its writes so far, then this one.
  auto own = std::lower_bound(known.begin(), known.end(), client,
                              [](const Known& k, uint32_t c) { return k.client < c; });
  if (own == known.end() || own->client != client) own = known.insert(own, Known{client, 0, kNone});
  const uint32_t seq = own->count + 1;
  const uint32_t w = static_cast<uint32_t>(writes_.size());
  if (explain_) pasts_.push_back(known);  // what the client knew before this write

  const uint32_t key_id = keys_.insert(key, key_hash(key));
  if (key_id == key_writes_.size()) key_writes_.emplace_back();
  key_writes_[key_id].push_back(w);
  uint32_t v = version_of(key, identity);
  if (v == kNone) {
    v = static_cast<uint32_t>(versions_.size());
    versions_.push_back(Version{key_id, identity, {}, {}});
    by_identity_[identity].push_back(v);
  }
  writes_.push_back(Write{client, seq, v, false});
  Version& version = versions_[v];
  version.writes.push_back(w);
  Past closure;
  closure.reserve(known.size());
  for (const Known& k : known) {
    if (k.client != client && k.count > 0) closure.push_back({k.client, k.count});
    if (k.client == client) closure.push_back({client, seq});
  }
  if (version.closure.empty()) {
    version.closure = std::move(closure);
  } else {
    merge(version.closure, closure);
  }
  // From now on the client knows its own write.
  own->count = seq;
  own->via = kNone;
  return w;
}

void Truth::observe(uint32_t client, uint32_t version) {
  if (version == kNone) return;
  if (client >= knowledge_.size()) knowledge_.resize(client + 1);
  std::vector<Known>& known = knowledge_[client];
  const Past& from = versions_[version].closure;
  // Usually the client already knows of every client the version's past
  // names: raise its counts in place.
  bool in_place = true;
  for (size_t i = 0, j = 0; j < from.size() && in_place; ++j) {
    while (i < known.size() && known[i].client < from[j].client) ++i;
    in_place = i < known.size() && known[i].client == from[j].client;
  }
  if (in_place) {
    for (size_t i = 0, j = 0; j < from.size(); ++j) {
      while (known[i].client < from[j].client) ++i;
      if (from[j].count > known[i].count) known[i] = {known[i].client, from[j].count, version};
    }
    return;
  }
  std::vector<Known> out;
  out.reserve(known.size() + from.size());
  size_t i = 0, j = 0;
  while (i < known.size() || j < from.size()) {
    if (j == from.size() || (i < known.size() && known[i].client < from[j].client)) {
      out.push_back(known[i++]);
    } else if (i == known.size() || from[j].client < known[i].client) {
      out.push_back({from[j].client, from[j].count, version});
      ++j;
    } else {
      Known k = known[i];
      if (from[j].count > k.count) k = {k.client, from[j].count, version};
      out.push_back(k);
      ++i, ++j;
    }
  }
  known = std::move(out);
}

void Truth::alias(uint32_t version, uint64_t identity) {
  std::vector<uint32_t>& known = by_identity_[identity];
  if (std::find(known.begin(), known.end(), version) == known.end()) known.push_back(version);
}

uint32_t Truth::version_of(std::string_view key, uint64_t identity) const {
  auto it = by_identity_.find(identity);
  if (it == by_identity_.end()) return kNone;
  const uint32_t key_id = keys_.find(key, key_hash(key));
  for (uint32_t v : it->second) {
    if (versions_[v].key == key_id) return v;
  }
  return kNone;
}

bool Truth::precedes(uint32_t x, uint32_t y) const {
  if (x == y) return false;
  const Past& past = versions_[y].closure;
  for (uint32_t w : versions_[x].writes) {
    if (count_in(past, writes_[w].client) >= writes_[w].seq) return true;
  }
  return false;
}

Truth::Reason Truth::why_precedes(uint32_t x, uint32_t y) const {
  for (uint32_t wy : versions_[y].writes) {
    const std::vector<Known>& known = pasts_[wy];
    for (uint32_t wx : versions_[x].writes) {
      const Write& a = writes_[wx];
      auto it = std::lower_bound(known.begin(), known.end(), a.client,
                                 [](const Known& k, uint32_t c) { return k.client < c; });
      if (it != known.end() && it->client == a.client && it->count >= a.seq) {
        return Reason{wx, it->via};
      }
    }
  }
  return Reason{};
}

void Truth::count_key(uint32_t key, std::span<const NodeHeld> held, Figures& figures,
                      std::vector<FalseSibling>* false_siblings,
                      std::vector<uint32_t>* lost) const {
  Past cover;  // the pasts of every version any node holds of the key
  for (const NodeHeld& node : held) {
    for (uint32_t v : node.versions) {
      if (v != kNone) merge(cover, versions_[v].closure);
    }
    if (!node.live) continue;
    for (uint32_t x : node.versions) {
      uint32_t above = kNone;
      for (uint32_t y : node.versions) {
        if (x != kNone && y != kNone && precedes(x, y)) {
          above = y;
          break;
        }
      }
      if (above == kNone) {
        ++figures.true_siblings;
        continue;
      }
      ++figures.false_siblings;
      if (false_siblings != nullptr) false_siblings->push_back({node.node, x, above});
    }
  }
  if (key >= key_writes_.size()) return;
  for (uint32_t w : key_writes_[key]) {
    const Write& write = writes_[w];
    if (!write.accepted || count_in(cover, write.client) >= write.seq) continue;
    ++figures.lost_updates;
    if (lost != nullptr) lost->push_back(w);
  }
}

}  // namespace kv::history
