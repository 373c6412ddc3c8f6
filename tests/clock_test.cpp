#include <doctest/doctest.h>

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
  CHECK(kv::dominates(Clock{1, 1}, Clock{1, 0}));
  CHECK_FALSE(kv::dominates(Clock{1, 0}, Clock{1, 0}));
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
