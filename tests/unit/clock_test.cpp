#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>

#include "node/clock.h"

using kv::Clock;
using kv::compare;
using kv::Order;

TEST_CASE("clocks of different lengths compare as if padded with zeros") {
  CHECK(compare(Clock{1, 0}, Clock{1}) == Order::kEqual);
  CHECK(compare(Clock{1}, Clock{1, 0, 0}) == Order::kEqual);
  CHECK(compare(Clock{1, 1}, Clock{1}) == Order::kDominates);
  CHECK(compare(Clock{1}, Clock{1, 1}) == Order::kDominated);
  CHECK(compare(Clock{0, 0, 2}, Clock{1}) == Order::kConcurrent);
}

TEST_CASE("empty clocks equal all-zero clocks and are dominated by any non-zero clock") {
  CHECK(compare(Clock{}, Clock{}) == Order::kEqual);
  CHECK(compare(Clock{}, Clock{0, 0}) == Order::kEqual);
  CHECK(compare(Clock{}, Clock{0, 3}) == Order::kDominated);
  CHECK(compare(Clock{0, 3}, Clock{}) == Order::kDominates);
}

TEST_CASE("dominance needs every slot >= and at least one >") {
  CHECK(compare(Clock{2, 1}, Clock{1, 1}) == Order::kDominates);
  CHECK(compare(Clock{1, 1}, Clock{2, 1}) == Order::kDominated);
  CHECK(compare(Clock{2, 0}, Clock{1, 1}) == Order::kConcurrent);
  CHECK(compare(Clock{1, 0}, Clock{0, 1}) == Order::kConcurrent);
  CHECK(compare(Clock{3, 3}, Clock{3, 3}) == Order::kEqual);
  CHECK(compare(Clock{1, 1}, Clock{1, 0}) == Order::kDominates);
  CHECK(compare(Clock{1, 0}, Clock{1, 0}) != Order::kDominates);
}

TEST_CASE("entries at 2^64-1 compare without overflow") {
  const uint64_t max = UINT64_MAX;
  CHECK(compare(Clock{max}, Clock{max - 1}) == Order::kDominates);
  CHECK(compare(Clock{max, 0}, Clock{0, max}) == Order::kConcurrent);
  CHECK(compare(Clock{max, max}, Clock{max, max}) == Order::kEqual);
  CHECK_FALSE(Clock{max}.can_increment(0));
  CHECK(Clock{max}.can_increment(1));
}

TEST_CASE("merge takes the point-wise maximum and grows to the longer clock") {
  Clock a{3, 0, 1};
  a.merge(Clock{1, 5, 0, 2});
  CHECK(a == Clock{3, 5, 1, 2});
  Clock b{};
  b.merge(Clock{});
  CHECK(b.size() == 0);
}

TEST_CASE("increment adds one to a slot, growing the clock to reach it") {
  Clock a{1};
  a.increment(0);
  CHECK(a == Clock{2});
  a.increment(2);
  CHECK(a == Clock{2, 0, 1});
}

TEST_CASE("equality of clocks as arrays keeps the length") {
  CHECK(Clock{1, 0} != Clock{1});
  CHECK(Clock{1, 0} == Clock{1, 0});
}

TEST_CASE("compare agrees with a slot-by-slot reference on random clocks of 0..40 slots") {
  // Mostly equal slots with a few differences, as clocks of one key are.
  const auto reference = [](const Clock& a, const Clock& b) {
    bool a_greater = false, b_greater = false;
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      a_greater |= a.at(i) > b.at(i);
      b_greater |= b.at(i) > a.at(i);
    }
    return a_greater && b_greater ? Order::kConcurrent
           : a_greater            ? Order::kDominates
           : b_greater            ? Order::kDominated
                                  : Order::kEqual;
  };
  uint64_t state = 12345;
  const auto next = [&state] {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  int seen[4] = {0, 0, 0, 0};
  for (int round = 0; round < 20000; ++round) {
    const size_t na = next() % 41;
    const size_t nb = next() % 4 == 0 ? next() % 41 : na;
    Clock a = Clock::zeros(na);
    for (size_t i = 0; i < na; ++i) a.increment(i), a.increment(i);
    Clock b = Clock::zeros(nb);
    for (size_t i = 0; i < nb; ++i) b.increment(i), b.increment(i);
    const int changes = static_cast<int>(next() % 4);
    for (int c = 0; c < changes; ++c) {
      if (na > 0 && next() % 2 == 0) a.increment(next() % na);
      if (nb > 0 && next() % 2 == 0) b.increment(next() % nb);
    }
    const Order expected = reference(a, b);
    ++seen[static_cast<int>(expected)];
    INFO("round " << round);
    REQUIRE(compare(a, b) == expected);
  }
  for (int order = 0; order < 4; ++order) CHECK(seen[order] > 100);
}
