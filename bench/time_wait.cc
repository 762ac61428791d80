#include "bench/time_wait.h"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "bench/clock.h"

namespace botrelay::bench {

std::optional<int64_t> TimeWaitSockets() {
  // "TCP: inuse 202 orphan 0 tw 499 alloc 202 mem 0"
  std::ifstream sockstat("/proc/net/sockstat");
  std::string word;
  while (sockstat >> word) {
    if (word != "tw") continue;
    int64_t count = 0;
    if (sockstat >> count) return count;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<int64_t> SettleTimeWait(int64_t limit, double max_wait_s) {
  const int64_t deadline = MonotonicNs() + static_cast<int64_t>(max_wait_s * 1e9);
  std::optional<int64_t> count = TimeWaitSockets();
  while (count && *count > limit && MonotonicNs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    count = TimeWaitSockets();
  }
  return count;
}

}  // namespace botrelay::bench
