#include "history/truth.h"

#include <algorithm>

#include "base/assert.h"
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

uint32_t Truth::Table::find(uint64_t name) const {
  if (slots_.empty()) return kNone;
  const size_t mask = slots_.size() - 1;
  for (size_t i = mix64(name) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.value == kNone) return kNone;
    if (slot.name == name) return slot.value;
  }
}

void Truth::Table::insert(uint64_t name, uint32_t value) {
  if (2 * (used_ + 1) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : 2 * old.size(), Slot{});
    used_ = 0;
    for (const Slot& slot : old) {
      if (slot.value != kNone) insert(slot.name, slot.value);
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t i = mix64(name) & mask;
  while (slots_[i].value != kNone) i = (i + 1) & mask;
  slots_[i] = Slot{name, value};
  ++used_;
}

void Truth::Table::erase(uint64_t name) {
  if (slots_.empty()) return;
  const size_t mask = slots_.size() - 1;
  size_t i = mix64(name) & mask;
  while (slots_[i].value != kNone && slots_[i].name != name) i = (i + 1) & mask;
  if (slots_[i].value == kNone) return;
  // Shift back every later slot of the run whose home is not between the
  // hole and it, so that no lookup meets an empty slot before its name.
  for (size_t j = (i + 1) & mask; slots_[j].value != kNone; j = (j + 1) & mask) {
    const size_t home = mix64(slots_[j].name) & mask;
    const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
  --used_;
}

uint64_t Truth::name_of(uint32_t key_id, uint64_t identity) {
  return mix64(identity ^ (uint64_t{key_id} + 1) * 0x9e3779b97f4a7c15ull);
}

uint32_t Truth::new_write() {
  if (!free_writes_.empty()) {
    const uint32_t w = free_writes_.back();
    free_writes_.pop_back();
    writes_[w] = Write{};
    return w;
  }
  writes_.emplace_back();
  return static_cast<uint32_t>(writes_.size() - 1);
}

void Truth::hold(uint64_t tag) {
  uint32_t w = by_tag_.find(tag);
  if (w == kNone) {
    w = new_write();  // a copy made before write() names it: a placeholder
    by_tag_.insert(tag, w);
  }
  ++writes_[w].copies;
}

void Truth::drop(uint64_t tag) {
  const uint32_t w = by_tag_.find(tag);
  if (w == kNone || writes_[w].copies == 0) return;  // made before the watch
  if (--writes_[w].copies > 0) return;
  by_tag_.erase(tag);
  if (writes_[w].version == kNone) {
    free_writes_.push_back(w);  // never written
  } else {
    release(w);
  }
}

uint32_t Truth::write_of_tag(uint64_t tag) const {
  return by_tag_.find(tag);
}

void Truth::release(uint32_t w) {
  KV_ASSERT(!explain_ && !writes_[w].released);
  writes_[w].released = true;
  const uint32_t v = writes_[w].version;
  Version& version = versions_[v];
  if (--version.unreleased > 0) return;
  // No copy of any of its writes is left: nothing can observe it again.
  for (uint32_t x = version.first_write; x != kNone; x = writes_[x].next) free_writes_.push_back(x);
  by_identity_.erase(name_of(version.key, version.identity));
  arena_dead_ += version.closure_len;
  version = Version{};
  free_versions_.push_back(v);
}

void Truth::compact_arena() {
  std::vector<PastEntry> kept;
  kept.reserve(arena_.size() - arena_dead_);
  for (Version& version : versions_) {
    if (version.key == kNone) continue;
    const uint32_t at = static_cast<uint32_t>(kept.size());
    kept.insert(kept.end(), arena_.begin() + version.closure_at,
                arena_.begin() + version.closure_at + version.closure_len);
    version.closure_at = at;
  }
  arena_ = std::move(kept);
  arena_dead_ = 0;
}

uint32_t Truth::write(uint32_t client, std::string_view key, uint64_t identity, uint64_t tag) {
  if (client >= knowledge_.size()) knowledge_.resize(client + 1);
  std::vector<Known>& known = knowledge_[client];
  // The client's own entry: its writes so far, then this one.
  auto own = std::lower_bound(known.begin(), known.end(), client,
                              [](const Known& k, uint32_t c) { return k.client < c; });
  if (own == known.end() || own->client != client) own = known.insert(own, Known{client, 0, kNone});
  const uint32_t seq = own->count + 1;
  uint32_t w = tag != 0 ? by_tag_.find(tag) : kNone;
  if (w == kNone) {
    w = new_write();
    if (tag != 0) by_tag_.insert(tag, w);
  }
  ++writes_made_;
  if (explain_) {
    pasts_.push_back(known);  // what the client knew before this write
    if (client >= client_writes_.size()) client_writes_.resize(client + 1);
    client_writes_[client].push_back(w);
  }
  if (2 * arena_dead_ > arena_.size() && arena_dead_ > 4096) compact_arena();

  const uint32_t key_id = keys_.insert(key, key_hash(key));
  if (key_id >= accepted_.size()) accepted_.resize(key_id + 1);
  uint32_t v = by_identity_.find(name_of(key_id, identity));
  const bool fresh = v == kNone;
  if (fresh) {
    if (!free_versions_.empty()) {
      v = free_versions_.back();
      free_versions_.pop_back();
    } else {
      v = static_cast<uint32_t>(versions_.size());
      versions_.emplace_back();
    }
    versions_[v] = Version{key_id, w, w, 0, 0, 0, identity};
    by_identity_.insert(name_of(key_id, identity), v);
  } else {
    writes_[versions_[v].last_write].next = w;
    versions_[v].last_write = w;
  }
  ++versions_[v].unreleased;
  Write& write = writes_[w];
  write.client = client;
  write.seq = seq;
  write.version = v;
  write.key = key_id;
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
    arena_dead_ += version.closure_len;
    version.closure_at = static_cast<uint32_t>(arena_.size());
    version.closure_len = static_cast<uint32_t>(merged.size());
    arena_.insert(arena_.end(), merged.begin(), merged.end());
  }
  // From now on the client knows its own write.
  own->count = seq;
  own->via = kNone;
  return w;
}

void Truth::accept(uint32_t w) {
  if (w == kNone) return;
  Write& write = writes_[w];
  if (write.version == kNone || write.accepted) return;
  write.accepted = true;
  accepted_[write.key].push_back({write.client, write.seq});
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
  KV_ASSERT(explain_);
  const uint64_t name = name_of(versions_[version].key, identity);
  if (by_identity_.find(name) == kNone) by_identity_.insert(name, version);
}

uint32_t Truth::version_of(std::string_view key, uint64_t identity) const {
  const uint32_t key_id = keys_.find(key, key_hash(key));
  return key_id == KeyIndex::kAbsent ? kNone : by_identity_.find(name_of(key_id, identity));
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
  if (key >= accepted_.size()) return;
  // An accepted write is held or in the past of a held version exactly when
  // the cover knows its number: a held version's closure holds its own writes.
  const size_t first = lost != nullptr ? lost->size() : 0;
  for (const PastEntry& a : accepted_[key]) {
    if (count_in(cover, a.client) >= a.count) continue;
    ++figures.lost_updates;
    if (lost != nullptr && explain_) lost->push_back(client_writes_[a.client][a.count - 1]);
  }
  if (lost != nullptr) std::sort(lost->begin() + first, lost->end());
}

}  // namespace kv::history
