#include "node/node.h"

#include <algorithm>
#include <vector>

#include "base/assert.h"
#include "node/mechanisms.h"
#include "node/mutant.h"

namespace kv {

#ifdef KVSIM_MUTANTS
namespace {

// Mutant kServerVvNoIncrement: server-vv's stamp, with the coordinator's own
// entry left at the merge of the context and the object clock.
VersionPtr stamp_without_increment(std::span<const VersionPtr> held, const VersionPtr& write,
                                   size_t slot, size_t nodes) {
  const VersionPtr stamped = ServerVv::coordinate(held, write, slot, nodes, 0);
  std::vector<uint64_t> slots(stamped->clock.slots().begin(), stamped->clock.slots().end());
  uint64_t merged = write->clock.at(slot);
  for (const VersionPtr& h : held) merged = std::max(merged, h->clock.at(slot));
  slots[slot] = merged;
  return make_version(stamped->value, Clock(slots), stamped->origin, stamped->dot);
}

}  // namespace
#endif

std::string too_many_siblings_text(std::string_view key) {
  return "a write to key '" + std::string(key) + "' would leave more than " +
         std::to_string(kMaxSiblings) + " siblings: read them and resolve first";
}

void Node::init(std::string id, std::vector<std::string> node_ids, size_t slot) {
  KV_ASSERT(slot < node_ids.size() && node_ids[slot] == id);
  id_ = std::move(id);
  node_ids_ = std::move(node_ids);
  slot_ = slot;
  initialized_ = true;
}

WriteResult Node::write(const HashedKey& key, const VersionPtr& version, bool resolving) {
#ifdef KVSIM_MUTANTS
  ApplyOutcome outcome = store_.apply(key, version, kMaxSiblings);
  if (active_mutant == Mutant::kResolveDropsSiblings && resolving &&
      outcome.result == ApplyResult::kApplied) {
    store_.keep_only(key.text, version);
    outcome.siblings = 1;
  }
#else
  const ApplyOutcome outcome = store_.apply(key, version, kMaxSiblings);
#endif
  if (outcome.result == ApplyResult::kStale) {
    // Last write wins acknowledges a write it drops, as Cassandra does: the
    // writer is not told that a later timestamp beat it.
    if (store_.mechanism() == Mechanism::kLww) [[unlikely]] {
      return {resolving ? WriteStatus::kResolved : WriteStatus::kWritten, outcome.siblings,
              outcome.result};
    }
    return {WriteStatus::kRejected, outcome.siblings, outcome.result};
  }
  if (outcome.result == ApplyResult::kRefused) {
    return {WriteStatus::kTooManySiblings, outcome.siblings, outcome.result};
  }
  WriteStatus status = WriteStatus::kConflict;
  if (outcome.siblings == 1) status = resolving ? WriteStatus::kResolved : WriteStatus::kWritten;
  return {status, outcome.siblings, outcome.result};
}

VersionPtr Node::coordinate_server_side(const HashedKey& key, const VersionPtr& write,
                                        uint64_t clock_us) const {
  const Siblings& held = store_.get(key);
#ifdef KVSIM_MUTANTS
  if (active_mutant == Mutant::kServerVvNoIncrement && store_.mechanism() == Mechanism::kServerVv) {
    return stamp_without_increment(std::span<const VersionPtr>(held.data(), held.size()), write,
                                   slot_, node_ids_.size());
  }
#endif
  return with_rules(store_.mechanism(), [&]<class Rules>() {
    return Rules::coordinate(std::span<const VersionPtr>(held.data(), held.size()), write, slot_,
                             node_ids_.size(), clock_us);
  });
}

WriteResult Node::put(const HashedKey& key, const VersionPtr& version) {
  return write(key, version, /*resolving=*/false);
}

WriteResult Node::resolve(const HashedKey& key, const VersionPtr& version) {
  return write(key, version, /*resolving=*/true);
}

ApplyOutcome Node::replicate(const HashedKey& key, const VersionPtr& version) {
#ifdef KVSIM_MUTANTS
  if (active_mutant == Mutant::kDvvReplicateDropsDot && store_.mechanism() == Mechanism::kDvv &&
      version->dot.set()) {
    return store_.apply(key, make_version(version->value, version->clock, version->origin));
  }
  ApplyOutcome outcome = store_.apply(key, version);
  if (active_mutant == Mutant::kReplicateOverwrites && outcome.result == ApplyResult::kApplied) {
    store_.keep_only(key.text, version);
    outcome.siblings = 1;
  }
  return outcome;
#else
  return store_.apply(key, version);
#endif
}

std::vector<uint32_t> Node::differing_buckets(const Store::Digest& theirs) const {
  std::vector<uint32_t> buckets;
  const Store::Digest& mine = store_.digest();
  for (uint32_t b = 0; b < Store::kBuckets; ++b) {
    if (mine[b] != theirs[b]) buckets.push_back(b);
  }
  return buckets;
}

std::vector<KeyVersions> Node::versions_in(const std::vector<uint32_t>& buckets) const {
  uint64_t mask = 0;
  for (uint32_t bucket : buckets) {
    KV_ASSERT(bucket < Store::kBuckets);
    mask |= uint64_t{1} << bucket;
  }
  std::vector<KeyVersions> out;
  store_.for_each_in_buckets(mask, [&](std::string_view key, const Siblings& siblings) {
    out.push_back({std::string(key), {siblings.begin(), siblings.end()}});
    if (active_mutant == Mutant::kAeNewestOnly) {
      std::vector<VersionPtr>& versions = out.back().versions;
      versions.erase(versions.begin(), versions.end() - 1);
    }
  });
  if (active_mutant == Mutant::kAeSkipsLastKey && !out.empty()) out.pop_back();
  return out;
}

}  // namespace kv
