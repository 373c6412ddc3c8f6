// A vector that keeps up to kInline elements inside itself and moves them to
// the heap only when it grows past that.
//
// Most keys hold one sibling, so a store of a million keys would otherwise pay
// a heap block (and malloc's overhead for it) per key for one pointer. With
// kInline = 1 and an 8-byte element it is 16 bytes and allocates nothing.
//
// Invariants: size_ <= capacity_; capacity_ == kInline while the elements are
// inline, > kInline once they are on the heap (where they stay, as a
// std::vector keeps its capacity, until the vector is destroyed or moved
// from). Elements [0, size_) are constructed, the rest are raw memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "base/assert.h"

namespace kv {

template <typename T, uint32_t kInline>
class SmallVector {
  static_assert(kInline >= 1);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& other) { append(other); }
  SmallVector(SmallVector&& other) noexcept { take(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      clear();
      append(other);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  const T* data() const { return on_heap() ? heap_ : inline_data(); }
  T* data() { return on_heap() ? heap_ : inline_data(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& operator[](size_t i) { return data()[i]; }

  void push_back(const T& value) {
    if (size_ == capacity_) return push_back_grown(T(value));
    new (data() + size_) T(value);
    ++size_;
  }
  void push_back(T&& value) {
    if (size_ == capacity_) return push_back_grown(std::move(value));
    new (data() + size_) T(std::move(value));
    ++size_;
  }

  // Destroys the elements from `n` on. REQUIRES: n <= size().
  void truncate(size_t n) {
    KV_ASSERT(n <= size_);
    T* items = data();
    std::destroy(items + n, items + size_);
    size_ = static_cast<uint32_t>(n);
  }
  void clear() { truncate(0); }
  // Adds `n` copies of `value`, or removes elements, to have `n`.
  void resize(size_t n, const T& value) {
    if (n <= size_) return truncate(n);
    KV_ASSERT(n <= UINT32_MAX);
    reserve(static_cast<uint32_t>(n));
    std::uninitialized_fill(end(), data() + n, value);
    size_ = static_cast<uint32_t>(n);
  }
  // Appends the `n` elements at `items` (not this vector's own).
  void append(const T* items, size_t n) {
    KV_ASSERT(size_ + n <= UINT32_MAX);
    reserve(static_cast<uint32_t>(size_ + n));
    std::uninitialized_copy(items, items + n, end());
    size_ += static_cast<uint32_t>(n);
  }

 private:
  bool on_heap() const { return capacity_ > kInline; }
  // Removes every element and gives the heap block back.
  void release() {
    clear();
    if (on_heap()) ::operator delete(heap_);
    capacity_ = kInline;
  }
  T* inline_data() { return std::launder(reinterpret_cast<T*>(inline_)); }
  const T* inline_data() const { return std::launder(reinterpret_cast<const T*>(inline_)); }

  // `value` is taken by value: it may be one of this vector's own elements,
  // which the move below would leave empty.
  void push_back_grown(T value) {
    KV_ASSERT(capacity_ <= UINT32_MAX / 2);
    reserve(capacity_ * 2);
    new (data() + size_) T(std::move(value));
    ++size_;
  }
  void reserve(uint32_t capacity) {
    if (capacity <= capacity_) return;
    T* bigger = static_cast<T*>(::operator new(sizeof(T) * capacity));
    std::uninitialized_move(begin(), end(), bigger);
    std::destroy(begin(), end());
    if (on_heap()) ::operator delete(heap_);
    heap_ = bigger;
    capacity_ = capacity;
  }
  void append(const SmallVector& other) { append(other.data(), other.size()); }
  // REQUIRES: this vector is empty, its elements inside.
  void take(SmallVector& other) {
    if (other.on_heap()) {
      heap_ = other.heap_;
      capacity_ = other.capacity_;
      size_ = other.size_;
      other.capacity_ = kInline;
      other.size_ = 0;
      return;
    }
    std::uninitialized_move(other.begin(), other.end(), inline_data());
    size_ = other.size_;
    other.clear();
  }

  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
  union {
    alignas(T) unsigned char inline_[sizeof(T) * kInline];
    T* heap_;
  };
};

// Removes the elements for which pred(element) holds, keeping the others in
// order; returns how many it removed.
template <typename T, uint32_t kInline, typename Pred>
size_t erase_if(SmallVector<T, kInline>& v, Pred pred) {
  size_t kept = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (pred(std::as_const(v[i]))) continue;
    if (kept != i) v[kept] = std::move(v[i]);
    ++kept;
  }
  const size_t removed = v.size() - kept;
  v.truncate(kept);
  return removed;
}

}  // namespace kv
