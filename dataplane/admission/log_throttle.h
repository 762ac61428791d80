#pragma once
// LogThrottle: at most one log line per interval for an event that can
// happen thousands of times a second (refusals at accept), with the number
// of lines left out, so a flood shows in the log without flooding it.
// Lock-free; any thread.

#include <atomic>
#include <cstdint>

namespace botrelay::admission {

class LogThrottle {
 public:
  explicit LogThrottle(int64_t interval_ms) : interval_ms_(interval_ms) {}

  // True if a line may be written now; then `*suppressed` is the number of
  // lines refused since the last one written.
  bool Allow(int64_t now_ms, uint64_t* suppressed);

 private:
  const int64_t interval_ms_;
  std::atomic<int64_t> next_allowed_ms_{INT64_MIN};
  std::atomic<uint64_t> suppressed_{0};
};

}  // namespace botrelay::admission
