#include "base/key_index.h"

#include <doctest/doctest.h>

#include <string>

#include "node/version.h"

using kv::KeyIndex;

namespace {

uint64_t hash_of(std::string_view key) {
  return kv::stable_hash(key.data(), key.size());
}

}  // namespace

TEST_CASE("keys get dense ids in the order they are first inserted") {
  KeyIndex index;
  CHECK(index.size() == 0);
  CHECK(index.find("a", hash_of("a")) == KeyIndex::kAbsent);
  CHECK(index.insert("b", hash_of("b")) == 0);
  CHECK(index.insert("a", hash_of("a")) == 1);
  CHECK(index.insert("b", hash_of("b")) == 0);  // already there
  CHECK(index.insert("", hash_of("")) == 2);    // the empty key is a key
  CHECK(index.size() == 3);
  CHECK(index.find("a", hash_of("a")) == 1);
  CHECK(index.key(0) == "b");
  CHECK(index.key(1) == "a");
  CHECK(index.key(2).empty());
}

TEST_CASE("a hundred thousand keys stay findable as the table grows") {
  KeyIndex index;
  for (uint32_t i = 0; i < 100000; ++i) {
    const std::string key = "key" + std::to_string(i);
    REQUIRE(index.insert(key, hash_of(key)) == i);
  }
  for (uint32_t i = 0; i < 100000; ++i) {
    const std::string key = "key" + std::to_string(i);
    REQUIRE(index.find(key, hash_of(key)) == i);
    REQUIRE(index.key(i) == key);
  }
  CHECK(index.find("key100000", hash_of("key100000")) == KeyIndex::kAbsent);
}

TEST_CASE("keys with the same hash are told apart by their bytes") {
  KeyIndex index;
  // Every key hashes to 7: one chain of collisions, prefixes of each other.
  for (const char* key : {"x", "xx", "xy", "y", "xxx"}) index.insert(key, 7);
  CHECK(index.find("xx", 7) == 1);
  CHECK(index.find("xxx", 7) == 4);
  CHECK(index.find("xz", 7) == KeyIndex::kAbsent);
  CHECK(index.find("xx", 8) == KeyIndex::kAbsent);
}

TEST_CASE("a cleared key index is empty and numbers keys from 0 again") {
  KeyIndex index;
  for (const char* key : {"a", "b", "c"}) index.insert(key, hash_of(key));
  index.clear();
  CHECK(index.size() == 0);
  CHECK(index.find("a", hash_of("a")) == KeyIndex::kAbsent);
  CHECK(index.insert("c", hash_of("c")) == 0);
  CHECK(index.key(0) == "c");
}

TEST_CASE("keys of the same length and hash that differ in any one byte are different keys") {
  for (size_t length = 1; length <= 20; ++length) {
    KeyIndex index;
    const std::string base(length, 'a');
    index.insert(base, 7);
    for (size_t at = 0; at < length; ++at) {
      std::string other = base;
      other[at] = 'b';
      CHECK(index.find(other, 7) == KeyIndex::kAbsent);
      CHECK(index.insert(other, 7) == at + 1);
    }
    CHECK(index.find(base, 7) == 0);
  }
}
