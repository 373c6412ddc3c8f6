#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "node/node.h"
#include "node/store.h"

using kv::ApplyResult;
using kv::Clock;
using kv::make_version;
using kv::Store;
using kv::VersionPtr;

namespace {

VersionPtr v(const std::string& value, Clock clock) {
  return make_version("\"" + value + "\"", std::move(clock));
}

std::vector<std::string> values_of(const Store& store, const std::string& key) {
  std::vector<std::string> out;
  for (const VersionPtr& s : store.get(key)) out.push_back(s->value);
  return out;
}

// A tiny deterministic generator for the property tests (splitmix64).
struct TestRng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

}  // namespace

TEST_CASE("a write to an empty key is applied and leaves one sibling") {
  Store store;
  const auto outcome = store.apply("x", v("a", {1, 0}));
  CHECK(outcome.result == ApplyResult::kApplied);
  CHECK(outcome.siblings == 1);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"a\""});
}

TEST_CASE("a key never written has no siblings") {
  Store store;
  CHECK(store.get("nope").empty());
  CHECK(store.key_count() == 0);
}

TEST_CASE("a dominating write replaces what it dominates") {
  Store store;
  store.apply("x", v("a", {1, 0}));
  const auto outcome = store.apply("x", v("b", {2, 0}));
  CHECK(outcome.result == ApplyResult::kApplied);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"b\""});
}

TEST_CASE("a stale write is rejected and changes nothing") {
  Store store;
  store.apply("x", v("a", {2, 1}));
  const auto outcome = store.apply("x", v("old", {1, 1}));
  CHECK(outcome.result == ApplyResult::kStale);
  CHECK(outcome.siblings == 1);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"a\""});
}

TEST_CASE("a write dominated by one sibling of several is rejected") {
  Store store;
  store.apply("x", v("a", {1, 0}));
  store.apply("x", v("b", {0, 2}));
  CHECK(store.apply("x", v("c", {0, 1})).result == ApplyResult::kStale);
  CHECK(store.get("x").size() == 2);
}

TEST_CASE("concurrent writes are kept as siblings in the order they were added") {
  Store store;
  store.apply("x", v("a", {1, 0}));
  const auto outcome = store.apply("x", v("b", {0, 1}));
  CHECK(outcome.result == ApplyResult::kApplied);
  CHECK(outcome.siblings == 2);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"a\"", "\"b\""});
}

TEST_CASE("an exact duplicate of a sibling changes nothing") {
  Store store;
  store.apply("x", v("a", {1, 0}));
  store.apply("x", v("b", {0, 1}));
  const auto outcome = store.apply("x", v("a", {1, 0}));
  CHECK(outcome.result == ApplyResult::kDuplicate);
  CHECK(outcome.siblings == 2);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"a\"", "\"b\""});
}

TEST_CASE("a duplicate with a zero-padded clock is still a duplicate") {
  Store store;
  store.apply("x", v("a", {1}));
  CHECK(store.apply("x", v("a", {1, 0, 0})).result == ApplyResult::kDuplicate);
  CHECK(store.get("x").size() == 1);
}

TEST_CASE("equal clocks with different values are concurrent and both kept") {
  Store store;
  store.apply("x", v("a", {1, 1}));
  const auto outcome = store.apply("x", v("b", {1, 1}));
  CHECK(outcome.result == ApplyResult::kApplied);
  CHECK(outcome.siblings == 2);
}

TEST_CASE("a resolving write removes every sibling it dominates and keeps the rest in order") {
  Store store;
  store.apply("x", v("a", {1, 0, 0}));
  store.apply("x", v("b", {0, 1, 0}));
  store.apply("x", v("c", {0, 0, 1}));
  const auto outcome = store.apply("x", v("ab", {1, 1, 0}));
  CHECK(outcome.siblings == 2);
  CHECK(values_of(store, "x") == std::vector<std::string>{"\"c\"", "\"ab\""});
  CHECK(store.sibling_count() == 2);
}

TEST_CASE("keys are independent and listed in byte order") {
  Store store;
  store.apply("b", v("1", {1}));
  store.apply("a", v("2", {1}));
  store.apply("B", v("3", {1}));
  const auto keys = store.sorted_keys();
  REQUIRE(keys.size() == 3);
  CHECK(keys[0] == "B");
  CHECK(keys[1] == "a");
  CHECK(keys[2] == "b");
}

TEST_CASE("node replies: written, conflict with a count, rejected, resolved") {
  kv::Node node;
  node.init("n1", {"n1", "n2"}, 0);
  CHECK(node.put("x", v("a", {1, 0})).status == kv::WriteStatus::kWritten);
  const auto conflict = node.put("x", v("b", {0, 1}));
  CHECK(conflict.status == kv::WriteStatus::kConflict);
  CHECK(conflict.siblings == 2);
  CHECK(node.put("x", v("c", {0, 0})).status == kv::WriteStatus::kRejected);
  CHECK(node.resolve("x", v("ab", {1, 1})).status == kv::WriteStatus::kResolved);
  CHECK(node.put("x", v("d", {1, 1})).status == kv::WriteStatus::kConflict);
  CHECK(node.resolve("x", v("e", {2, 1})).status == kv::WriteStatus::kResolved);
  // A retried resolve gets the same answer as the first.
  CHECK(node.resolve("x", v("e", {2, 1})).status == kv::WriteStatus::kResolved);
}

// The maximal (value, clock) pairs among `writes`, as sorted "value@clock" text.
static std::vector<std::string> maximal(const std::vector<VersionPtr>& writes) {
  std::vector<std::string> out;
  for (const VersionPtr& w : writes) {
    bool dominated = false;
    for (const VersionPtr& o : writes)
      dominated |= kv::compare(o->clock, w->clock) == kv::Order::kDominates;
    if (dominated) continue;
    std::string text = w->value + "@";
    for (size_t i = 0; i < 3; ++i) text += std::to_string(w->clock.at(i)) + ",";
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  }
  std::sort(out.begin(), out.end());
  return out;
}

static std::vector<std::string> held(const Store& store) {
  std::vector<std::string> out;
  for (const VersionPtr& s : store.get("k")) {
    std::string text = s->value + "@";
    for (size_t i = 0; i < 3; ++i) text += std::to_string(s->clock.at(i)) + ",";
    out.push_back(text);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("every order of the same writes leaves exactly the maximal writes") {
  TestRng rng{42};
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<VersionPtr> writes;
    const size_t count = 1 + rng.below(6);
    for (size_t i = 0; i < count; ++i) {
      // Small values and clock entries make duplicates and equal clocks common.
      Clock clock{rng.below(3), rng.below(3), rng.below(2)};
      writes.push_back(v(std::string(1, static_cast<char>('a' + rng.below(3))), clock));
    }
    const auto expected = maximal(writes);
    std::vector<size_t> order(count);
    for (size_t i = 0; i < count; ++i) order[i] = i;
    Store::Digest first_digest{};
    bool first = true;
    do {
      Store store;
      for (size_t i : order) store.apply("k", writes[i]);
      REQUIRE(held(store) == expected);
      // Same sibling set, same anti-entropy digest, whatever the order.
      if (first) first_digest = store.digest();
      CHECK(store.digest() == first_digest);
      first = false;
    } while (std::next_permutation(order.begin(), order.end()));
  }
}

TEST_CASE("applying a write twice is the same as applying it once") {
  TestRng rng{7};
  for (int trial = 0; trial < 200; ++trial) {
    Store once, twice;
    for (int i = 0; i < 5; ++i) {
      auto w = v(std::string(1, static_cast<char>('a' + rng.below(2))),
                 Clock{rng.below(3), rng.below(3)});
      once.apply("k", w);
      twice.apply("k", w);
      twice.apply("k", w);
    }
    CHECK(held(once) == held(twice));
  }
}

TEST_CASE("anti-entropy digests differ exactly in the buckets whose keys differ") {
  kv::Node a, b;
  a.init("n1", {"n1", "n2"}, 0);
  b.init("n2", {"n1", "n2"}, 1);
  for (int i = 0; i < 100; ++i) {
    auto w = v("x", {static_cast<uint64_t>(i + 1), 0});
    a.put("k" + std::to_string(i), w);
    b.replicate("k" + std::to_string(i), w);
  }
  CHECK(a.differing_buckets(b.digest()).empty());
  a.put("k7", v("y", {50, 0}));
  const auto differ = a.differing_buckets(b.digest());
  REQUIRE(differ.size() == 1);
  CHECK(differ[0] == Store::bucket_of("k7"));
  const auto shipped = a.versions_in(differ);
  bool has_k7 = false;
  for (const auto& kvs : shipped) {
    CHECK(Store::bucket_of(kvs.key) == differ[0]);
    has_k7 |= kvs.key == "k7";
    for (const auto& version : kvs.versions) b.replicate(kvs.key, version);
  }
  CHECK(has_k7);
  CHECK(a.differing_buckets(b.digest()).empty());
}

TEST_CASE("an amnesia crash forgets the store and its digest") {
  kv::Node a;
  a.init("n1", {"n1"}, 0);
  a.put("k", v("x", {1}));
  a.forget();
  CHECK(a.store().empty());
  CHECK(a.digest() == Store::Digest{});
}

TEST_CASE("a write that would pass the sibling bound is refused and changes nothing") {
  Store store;
  for (int i = 0; i < 3; ++i) {
    CHECK(store.apply("k", v(std::to_string(i), {1}), 3).result == ApplyResult::kApplied);
  }
  const auto refused = store.apply("k", v("x", {1}), 3);
  CHECK(refused.result == ApplyResult::kRefused);
  CHECK(refused.siblings == 3);
  CHECK(store.get("k").size() == 3);
  // A write that supersedes some of them stays within the bound and is applied.
  CHECK(store.apply("k", v("y", {2}), 3).result == ApplyResult::kApplied);
  CHECK(store.get("k").size() == 1);
}

TEST_CASE("client writes stop at kMaxSiblings; replicated writes are still applied") {
  kv::Node node;
  node.init("n1", {"n1"}, 0);
  for (size_t i = 0; i < kv::kMaxSiblings; ++i) {
    CHECK(node.put("k", v("w" + std::to_string(i), {1})).accepted());
  }
  const auto refused = node.put("k", v("one-too-many", {1}));
  CHECK(refused.status == kv::WriteStatus::kTooManySiblings);
  CHECK_FALSE(refused.accepted());
  CHECK(node.get("k").size() == kv::kMaxSiblings);
  CHECK(node.replicate("k", v("from-a-peer", {1})).result == ApplyResult::kApplied);
  CHECK(node.get("k").size() == kv::kMaxSiblings + 1);
  CHECK(node.resolve("k", v("merged", {2})).status == kv::WriteStatus::kResolved);
}
