#pragma once
// A property check for fuzz targets. It aborts, so libFuzzer records the
// input as a crash and the corpus-replay test fails, with or without
// sanitizers, in every build type (assert() vanishes under NDEBUG).

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, \
                   #condition);                                                      \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
