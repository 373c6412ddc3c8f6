// KV_ASSERT: an internal invariant, checked in every build type.
// KV_ASSERT_MSG(cond, message): the same, printing `message` (a C string,
// evaluated only when the invariant fails) instead of the condition's text.
//
// Bad input is expected and answered with an error; a failed KV_ASSERT is a
// bug in kvsim, so it prints where and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define KV_ASSERT(cond)                                                                      \
  do {                                                                                       \
    if (!(cond)) [[unlikely]] {                                                              \
      std::fprintf(stderr, "kvsim: internal error: %s:%d: assertion failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                                         \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

#define KV_ASSERT_MSG(cond, message)                                                             \
  do {                                                                                           \
    if (!(cond)) [[unlikely]] {                                                                  \
      std::fprintf(stderr, "kvsim: internal error: %s:%d: %s\n", __FILE__, __LINE__, (message)); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

// KV_EXPENSIVE_ASSERT: an invariant too costly to check on every operation
// of a release build (a pass over a key's siblings, say). Checked in debug
// and sanitizer builds, where meson.build defines KV_EXPENSIVE_CHECKS.
#ifdef KV_EXPENSIVE_CHECKS
#define KV_EXPENSIVE_ASSERT(cond) KV_ASSERT(cond)
#else
#define KV_EXPENSIVE_ASSERT(cond) \
  do {                            \
  } while (0)
#endif
