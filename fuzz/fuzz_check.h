// An invariant check for fuzz targets: a violated invariant must abort() so
// libFuzzer records the input as a crash, in every build type (assert() is
// compiled out under NDEBUG).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "fuzz: %s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
