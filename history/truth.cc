#include "history/truth.h"

#include <algorithm>

#include "base/hash.h"

namespace kv::history {

namespace {

uint64_t key_hash(std::string_view key) {
  return stable_hash(key.data(), key.size());
}

}  // namespace

uint32_t Truth::count_in(std::span<const PastEntry> past, uint32_t client) {
  auto it = std::lower_bound(past.begin(), past.end(), client,
                             [](const PastEntry& e, uint32_t c) { return e.client < c; });
  return it != past.end() && it->client == client ? it->count : 0;
}

void Truth::merge(Past& into, std::span<const PastEntry> from) {
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

uint32_t Truth::find(uint32_t key_id, uint64_t identity) const {
  if (slots_.empty()) return kNone;
  const size_t mask = slots_.size() - 1;
  for (size_t i = mix64(identity) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.version == kNone) return kNone;
    if (slot.identity == identity && versions_[slot.version].key == key_id) return slot.version;
  }
}

void Truth::insert(uint64_t identity, uint32_t version) {
  if (2 * (used_slots_ + 1) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : 2 * old.size(), Slot{});
    used_slots_ = 0;
    for (const Slot& slot : old) {
      if (slot.version != kNone) insert(slot.identity, slot.version);
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t i = mix64(identity) & mask;
  while (slots_[i].version != kNone) i = (i + 1) & mask;
  slots_[i] = Slot{identity, version};
  ++used_slots_;
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
  uint32_t v = find(key_id, identity);
  const bool fresh = v == kNone;
  if (fresh) {
    v = static_cast<uint32_t>(versions_.size());
    versions_.push_back(Version{key_id, w, 0, 0});
    insert(identity, v);
  } else {
    more_writes_.emplace_back(v, w);
    has_more_writes_ = true;
  }
  writes_.push_back(Write{client, seq, v, key_id, false});
  // The write's closure, appended to the arena: what its client knew, and
  // the write itself.
  const size_t at = arena_.size();
  for (const Known& k : known) {
    if (k.client == client) {
      arena_.push_back({client, seq});
    } else if (k.count > 0) {
      arena_.push_back({k.client, k.count});
    }
  }
  Version& version = versions_[v];
  if (fresh) {
    version.closure_at = static_cast<uint32_t>(at);
    version.closure_len = static_cast<uint32_t>(arena_.size() - at);
  } else {
    // A second write of one version (rare): the merge of both closures,
    // appended in its turn.
    Past merged(arena_.begin() + version.closure_at,
                arena_.begin() + version.closure_at + version.closure_len);
    merge(merged, std::span<const PastEntry>(arena_.data() + at, arena_.size() - at));
    arena_.resize(at);
    version.closure_at = static_cast<uint32_t>(arena_.size());
    version.closure_len = static_cast<uint32_t>(merged.size());
    arena_.insert(arena_.end(), merged.begin(), merged.end());
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
  const std::span<const PastEntry> from = closure(version);
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
  if (find(versions_[version].key, identity) == kNone) insert(identity, version);
}

uint32_t Truth::version_of(std::string_view key, uint64_t identity) const {
  const uint32_t key_id = keys_.find(key, key_hash(key));
  return key_id == KeyIndex::kAbsent ? kNone : find(key_id, identity);
}

bool Truth::precedes(uint32_t x, uint32_t y) const {
  if (x == y) return false;
  const std::span<const PastEntry> past = closure(y);
  bool found = false;
  for_each_write(
      x, [&](uint32_t w) { found = found || count_in(past, writes_[w].client) >= writes_[w].seq; });
  return found;
}

Truth::Reason Truth::why_precedes(uint32_t x, uint32_t y) const {
  Reason reason;
  for_each_write(y, [&](uint32_t wy) {
    const std::vector<Known>& known = pasts_[wy];
    for_each_write(x, [&](uint32_t wx) {
      if (reason.known != kNone) return;
      const Write& a = writes_[wx];
      auto it = std::lower_bound(known.begin(), known.end(), a.client,
                                 [](const Known& k, uint32_t c) { return k.client < c; });
      if (it != known.end() && it->client == a.client && it->count >= a.seq) {
        reason = Reason{wx, it->via};
      }
    });
  });
  return reason;
}

void Truth::count_key(uint32_t key, std::span<const NodeHeld> held, Figures& figures,
                      std::vector<FalseSibling>* false_siblings,
                      std::vector<uint32_t>* lost) const {
  Past cover;  // the pasts of every version any node holds of the key
  for (const NodeHeld& node : held) {
    for (uint32_t v : node.versions) {
      if (v != kNone) merge(cover, closure(v));
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
  if (key_start_.size() != keys_.size() + 1 || by_key_.size() != writes_.size()) {
    // The writes by key, in order (counting sort), once.
    key_start_.assign(keys_.size() + 1, 0);
    for (const Write& write : writes_) ++key_start_[write.key + 1];
    for (size_t k = 0; k < keys_.size(); ++k) key_start_[k + 1] += key_start_[k];
    by_key_.resize(writes_.size());
    std::vector<uint32_t> next(key_start_.begin(), key_start_.end() - 1);
    for (uint32_t w = 0; w < writes_.size(); ++w) by_key_[next[writes_[w].key]++] = w;
  }
  if (key >= keys_.size()) return;
  for (uint32_t i = key_start_[key]; i < key_start_[key + 1]; ++i) {
    const uint32_t w = by_key_[i];
    const Write& write = writes_[w];
    if (!write.accepted || count_in(cover, write.client) >= write.seq) continue;
    ++figures.lost_updates;
    if (lost != nullptr) lost->push_back(w);
  }
}

}  // namespace kv::history
