#pragma once
// Keeps a repeated warning to one log line per period: the first event is
// reported at once, later ones are counted and reported with the next line
// the period allows. Nothing is lost: the count says how many events the
// line stands for. One owner thread; no allocation.

#include <chrono>
#include <cstdint>

namespace botrelay::log {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration period) : period_(period) {}

  // Notes one event at `now`. Returns how many events the caller should log
  // now (this one included), or 0 to stay quiet.
  uint64_t Note(Clock::time_point now) {
    ++pending_;
    if (now < next_report_at_) return 0;
    next_report_at_ = now + period_;
    return TakePending();
  }

  // Events noted but not yet reported (e.g. to log them at close).
  uint64_t TakePending() {
    uint64_t n = pending_;
    pending_ = 0;
    return n;
  }

 private:
  Clock::duration period_;
  Clock::time_point next_report_at_{};
  uint64_t pending_ = 0;
};

}  // namespace botrelay::log
