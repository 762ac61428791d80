#pragma once
// Keeps a repeated warning to one log line per period: the first event is
// reported at once, later ones are counted and reported with the next line
// the period allows. Nothing is lost: the count says how many events the
// line stands for.
//
// Safe from any thread, so an owner (the server's accept-time refusals, a
// shard's handshake timeouts, a connection's or a bot's rate-limit refusals)
// need not prove which threads reach it. Relaxed atomics are enough, since
// the throttle orders nothing but its own two numbers, and cheap enough,
// since it is touched only when a warning happens, never per message. No
// allocation.

#include <atomic>
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
    pending_.fetch_add(1, std::memory_order_relaxed);
    return TakePendingIfDue(now);
  }

  // The events noted but not yet reported, if the period allows a line at
  // `now` (the line is then the caller's to write); otherwise 0. For a timer
  // that reports what is left once the events stop.
  uint64_t TakePendingIfDue(Clock::time_point now) {
    if (pending_.load(std::memory_order_relaxed) == 0) return 0;
    Clock::time_point due = next_report_at_.load(std::memory_order_relaxed);
    // Of threads noting events at once, the one that moves the time on
    // reports; the others' events are in its count or in the next one.
    if (now < due || !next_report_at_.compare_exchange_strong(due, now + period_,
                                                              std::memory_order_relaxed)) {
      return 0;
    }
    return TakePending();
  }

  // Events noted but not yet reported, whatever the period (e.g. to log them
  // at close).
  uint64_t TakePending() { return pending_.exchange(0, std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<Clock::time_point>::is_always_lock_free);

  const Clock::duration period_;
  // The first event is reported at once, whatever the clock's origin.
  std::atomic<Clock::time_point> next_report_at_{Clock::time_point::min()};
  std::atomic<uint64_t> pending_{0};
};

}  // namespace botrelay::log
