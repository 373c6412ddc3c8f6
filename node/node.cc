#include "node/node.h"

#include "base/assert.h"
#include "node/mechanisms.h"
#include "node/mutant.h"

namespace kv {

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

WriteResult Node::write(std::string_view key, const VersionPtr& version, bool resolving) {
#ifdef KVSIM_MUTANTS
  ApplyOutcome outcome = store_.apply(key, version, kMaxSiblings);
  if (active_mutant == Mutant::kResolveDropsSiblings && resolving &&
      outcome.result == ApplyResult::kApplied) {
    store_.keep_only(key, version);
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

VersionPtr Node::coordinate_server_side(std::string_view key, const VersionPtr& write,
                                        uint64_t clock_us) const {
  const Siblings& held = store_.get(key);
  return with_rules(store_.mechanism(), [&]<class Rules>() {
    return Rules::coordinate(std::span<const VersionPtr>(held.data(), held.size()), write, slot_,
                             node_ids_.size(), clock_us);
  });
}

WriteResult Node::put(std::string_view key, const VersionPtr& version) {
  return write(key, version, /*resolving=*/false);
}

WriteResult Node::resolve(std::string_view key, const VersionPtr& version) {
  return write(key, version, /*resolving=*/true);
}

ApplyOutcome Node::replicate(std::string_view key, const VersionPtr& version) {
#ifdef KVSIM_MUTANTS
  ApplyOutcome outcome = store_.apply(key, version);
  if (active_mutant == Mutant::kReplicateOverwrites && outcome.result == ApplyResult::kApplied) {
    store_.keep_only(key, version);
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
