#include "dataplane/admission/log_throttle.h"

namespace botrelay::admission {

bool LogThrottle::Allow(int64_t now_ms, uint64_t* suppressed) {
  int64_t next = next_allowed_ms_.load(std::memory_order_relaxed);
  if (now_ms < next ||
      !next_allowed_ms_.compare_exchange_strong(next, now_ms + interval_ms_,
                                                std::memory_order_relaxed)) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
  return true;
}

}  // namespace botrelay::admission
