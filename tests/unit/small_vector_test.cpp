#include "base/small_vector.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using kv::SmallVector;

namespace {

// An element that counts the live copies of itself, so that a test can tell a
// leaked or doubly destroyed element from a correct one.
struct Counted {
  static inline int live = 0;
  std::string text;
  explicit Counted(std::string t) : text(std::move(t)) { ++live; }
  Counted(const Counted& other) : text(other.text) { ++live; }
  Counted(Counted&& other) noexcept : text(std::move(other.text)) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --live; }
};

using Vec = SmallVector<Counted, 1>;

std::vector<std::string> texts(const Vec& v) {
  std::vector<std::string> out;
  for (const Counted& c : v) out.push_back(c.text);
  return out;
}

Vec of(std::initializer_list<const char*> items) {
  Vec v;
  for (const char* item : items) v.push_back(Counted(item));
  return v;
}

}  // namespace

TEST_CASE("a small vector of one pointer with one inline slot is two words") {
  CHECK(sizeof(SmallVector<void*, 1>) == 16);
}

TEST_CASE("a small vector keeps its first element inside and grows past it in order") {
  {
    Vec v;
    CHECK(v.empty());
    v.push_back(Counted("a"));
    CHECK(v.capacity() == 1);
    for (const char* t : {"b", "c", "d", "e"}) v.push_back(Counted(t));
    CHECK(v.capacity() > 1);
    CHECK(texts(v) == std::vector<std::string>{"a", "b", "c", "d", "e"});
    CHECK(Counted::live == 5);
  }
  CHECK(Counted::live == 0);
}

TEST_CASE("pushing a small vector's own element while it grows copies the element intact") {
  Vec v = of({"a"});
  v.push_back(v[0]);
  v.push_back(std::move(v[1]));
  CHECK(texts(v) == std::vector<std::string>{"a", "", "a"});
}

TEST_CASE("a copied small vector is independent of the original, inline or on the heap") {
  {
    for (const Vec& original : {of({"a"}), of({"a", "b", "c"})}) {
      Vec copy = original;
      copy.push_back(Counted("z"));
      CHECK(texts(copy).size() == original.size() + 1);
      CHECK(texts(copy).back() == "z");
      CHECK(texts(copy).front() == "a");
      CHECK(original.size() == texts(original).size());
      Vec assigned = of({"x", "y", "w", "v"});
      assigned = original;
      CHECK(texts(assigned) == texts(original));
    }
  }
  CHECK(Counted::live == 0);
}

TEST_CASE("a moved small vector takes the elements and leaves the source empty") {
  {
    Vec inline_source = of({"a"});
    Vec heap_source = of({"a", "b", "c"});
    const Counted* heap_elements = heap_source.data();
    Vec from_inline = std::move(inline_source);
    Vec from_heap = std::move(heap_source);
    CHECK(texts(from_inline) == std::vector<std::string>{"a"});
    CHECK(texts(from_heap) == std::vector<std::string>{"a", "b", "c"});
    CHECK(from_heap.data() == heap_elements);  // the heap block changed hands
    CHECK(inline_source.empty());              // NOLINT: checking the moved-from state
    CHECK(heap_source.empty());                // NOLINT
    heap_source.push_back(Counted("again"));   // a moved-from vector is usable
    CHECK(texts(heap_source) == std::vector<std::string>{"again"});
    from_inline = std::move(from_heap);
    CHECK(texts(from_inline) == std::vector<std::string>{"a", "b", "c"});
    CHECK(Counted::live == 4);
  }
  CHECK(Counted::live == 0);
}

TEST_CASE("truncate, erase_if and clear destroy exactly the elements they remove") {
  {
    Vec v = of({"a", "b", "c", "d", "e"});
    v.truncate(4);
    CHECK(texts(v) == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(Counted::live == 4);
    CHECK(erase_if(v, [](const Counted& c) { return c.text == "b" || c.text == "d"; }) == 2);
    CHECK(texts(v) == std::vector<std::string>{"a", "c"});
    CHECK(Counted::live == 2);
    CHECK(erase_if(v, [](const Counted&) { return false; }) == 0);
    const size_t capacity = v.capacity();
    v.clear();
    CHECK(v.empty());
    CHECK(v.capacity() == capacity);  // kept, as std::vector keeps it
    CHECK(Counted::live == 0);
    v.push_back(Counted("f"));
    CHECK(texts(v) == std::vector<std::string>{"f"});
  }
  CHECK(Counted::live == 0);
}
