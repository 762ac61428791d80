#pragma once
// The two clocks the benchmark uses: monotonic nanoseconds for every
// interval it measures, wall-clock milliseconds only where the protocol
// carries a wall time (auth timestamps, ISO timestamps).

#include <time.h>

#include <cstdint>

namespace botrelay::bench {

inline int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t WallMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSec = 1'000'000'000;

}  // namespace botrelay::bench
