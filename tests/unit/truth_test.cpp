// The truth's counting mode (history/truth.h): what it forgets when the
// simulator says no copy of a write is left, and that the figures do not
// change for it. Every expected count is worked out by hand in the comments.
#include "history/truth.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/hash.h"

using kv::history::Truth;

namespace {

Truth::Figures count(const Truth& truth, std::string_view key,
                     const std::vector<std::vector<uint32_t>>& held_by_node) {
  std::vector<Truth::NodeHeld> held;
  for (uint32_t i = 0; i < held_by_node.size(); ++i) held.push_back({i, true, held_by_node[i]});
  Truth::Figures figures;
  const uint32_t key_id = truth.keys().find(key, kv::stable_hash(key.data(), key.size()));
  REQUIRE(key_id != kv::KeyIndex::kAbsent);
  truth.count_key(key_id, held, figures);
  return figures;
}

}  // namespace

TEST_CASE("the truth forgets a write once no copy is left, and counts as before") {
  Truth truth;
  // c0 writes a (tag 1), c1 reads a and writes b (tag 2): a precedes b.
  truth.hold(1);
  const uint32_t a = truth.write(0, "k", 100, 1);
  truth.accept(a);
  truth.hold(2);
  truth.observe(1, truth.version_of_write(a));
  const uint32_t b = truth.write(1, "k", 200, 2);
  truth.accept(b);
  CHECK(truth.precedes(truth.version_of_write(a), truth.version_of_write(b)));
  CHECK(truth.live_versions() == 2);
  // A second copy of a (a replica's), then both go: a is forgotten.
  truth.hold(1);
  truth.drop(1);
  CHECK(truth.live_versions() == 2);
  truth.drop(1);
  CHECK(truth.live_versions() == 1);
  CHECK(truth.write_of_tag(1) == Truth::kNone);
  // c0 writes d (tag 3) without having read b: d and b are concurrent. Its
  // write record is a's, given again.
  truth.hold(3);
  const uint32_t d = truth.write(0, "k", 300, 3);
  CHECK(d == a);
  truth.accept(d);
  // The node holds b and d: two true siblings; a is in b's past, so not
  // lost though no node holds it.
  const uint32_t vb = truth.version_of_write(b), vd = truth.version_of_write(d);
  Truth::Figures f = count(truth, "k", {{vb, vd}});
  CHECK(f.true_siblings == 2);
  CHECK(f.false_siblings == 0);
  CHECK(f.lost_updates == 0);
  // Holding d alone: b (c1's first write) is in no held past: one lost update.
  f = count(truth, "k", {{vd}});
  CHECK(f.true_siblings == 1);
  CHECK(f.lost_updates == 1);
  // Holding b alone: d (c0's second write) is lost, a (c0's first) is in b's past.
  f = count(truth, "k", {{vb}});
  CHECK(f.lost_updates == 1);
}

TEST_CASE("two writes of one version: it lives while either has a copy") {
  Truth truth;
  truth.hold(1);
  const uint32_t w1 = truth.write(0, "k", 7, 1);  // c0 and c1 write the same value and clock
  truth.hold(2);
  const uint32_t w2 = truth.write(1, "k", 7, 2);
  CHECK(truth.version_of_write(w1) == truth.version_of_write(w2));
  truth.accept(w1);
  truth.drop(1);
  CHECK(truth.live_versions() == 1);
  // c2 observes the version: it learns both writes, so its write follows both.
  truth.observe(2, truth.version_of_write(w2));
  truth.hold(3);
  const uint32_t w3 = truth.write(2, "k", 9, 3);
  CHECK(truth.precedes(truth.version_of_write(w2), truth.version_of_write(w3)));
  truth.drop(2);
  CHECK(truth.live_versions() == 1);
  // Only w3's version held: w1 (accepted) is in its past: nothing lost.
  const Truth::Figures f = count(truth, "k", {{truth.version_of_write(w3)}});
  CHECK(f.lost_updates == 0);
  CHECK(f.true_siblings == 1);
}

TEST_CASE("a long run of writes, each superseded, keeps a bounded memory") {
  // One client overwrites one of 10 keys 100,000 times; each write's copy
  // goes when the next write of its key replaces it. What is remembered at
  // any time is the 10 held versions, whatever the run's length; all the
  // writes are accepted, and the last of each key is held, so none is lost.
  Truth truth;
  std::vector<uint64_t> held_tag(10, 0);
  size_t most = 0;
  for (uint64_t i = 1; i <= 100000; ++i) {
    const std::string key = "k" + std::to_string(i % 10);
    truth.hold(i);
    const uint32_t w = truth.write(0, key, 1000 + i, i);
    truth.accept(w);
    if (held_tag[i % 10] != 0) truth.drop(held_tag[i % 10]);
    held_tag[i % 10] = i;
    most = std::max(most, truth.live_versions());
  }
  CHECK(most == 10);
  CHECK(truth.live_writes() == 10);
  CHECK(truth.writes() == 100000);
  uint64_t lost = 0;
  for (uint32_t k = 0; k < 10; ++k) {
    const std::string key = "k" + std::to_string(k);
    const uint32_t v = truth.version_of_write(truth.write_of_tag(held_tag[k]));
    lost += count(truth, key, {{v}}).lost_updates;
  }
  CHECK(lost == 0);
  // Were k0's last write gone from every node too, every accepted write of
  // k0 would have a number above the (empty) cover: all 10,000 lost.
  CHECK(count(truth, "k0", {{}}).lost_updates == 10000);
}

TEST_CASE("the tag table finds every live tag after many erasures") {
  // Tags erased out of order leave runs that erase must shift back: every
  // live tag must still be found, every dropped one not.
  Truth truth;
  for (uint64_t t = 1; t <= 5000; ++t) {
    truth.hold(t);
    truth.write(static_cast<uint32_t>(t % 3), "k" + std::to_string(t % 50), t, t);
  }
  for (uint64_t t = 1; t <= 5000; t += (t % 7 == 0) ? 1 : 2) truth.drop(t);
  size_t found = 0;
  for (uint64_t t = 1; t <= 5000; ++t) {
    const bool live = truth.write_of_tag(t) != Truth::kNone;
    found += live;
  }
  CHECK(found == truth.live_writes());
  CHECK(truth.live_versions() == truth.live_writes());  // each write its own version
  // Drop the rest: nothing is left.
  for (uint64_t t = 1; t <= 5000; ++t) {
    if (truth.write_of_tag(t) != Truth::kNone) truth.drop(t);
  }
  CHECK(truth.live_writes() == 0);
  CHECK(truth.live_versions() == 0);
}
