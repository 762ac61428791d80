#pragma once
// Wall-clock time, for what is seen outside the process: frame timestamps,
// registry records, the admin API's times. Deadlines inside the process use
// steady_clock.

#include <chrono>
#include <cstdint>

namespace botrelay::net {

// Milliseconds since the Unix epoch.
inline int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace botrelay::net
