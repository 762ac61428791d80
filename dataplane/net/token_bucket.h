#pragma once
// A token bucket for message rate limits, kept as one number: the time at
// which the bucket would be full again (the "theoretical arrival time" of
// GCRA). Taking a token moves that time one emission interval (1/rate)
// later; a take is refused when it would move it more than `burst`
// intervals past now. Refused takes cost nothing, so a client that keeps
// sending over the limit still gets its `rate` through.
//
// The caller passes the time in, so the check reads no clock of its own and
// tests can drive it; no allocation, no lock (each bucket belongs to one
// thread).

#include <chrono>
#include <cstdint>

namespace botrelay::net {

struct RateLimit {
  double per_second = 0;  // 0 = unlimited
  uint32_t burst = 0;     // messages allowed at once from a full bucket (>= 1 when limited)

  bool enabled() const { return per_second > 0; }
};

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket() = default;
  explicit TokenBucket(const RateLimit& limit);

  // True (and a token taken) if a message at `now` is within the limit.
  // Always true for an unlimited bucket.
  bool TryTake(Clock::time_point now) {
    if (interval_ == Clock::duration::zero()) return true;
    const Clock::time_point from = full_at_ > now ? full_at_ : now;
    const Clock::time_point next = from + interval_;
    if (next - now > capacity_) return false;
    full_at_ = next;
    return true;
  }

  // True if the bucket holds `burst` tokens again at `now`: it is then
  // indistinguishable from a fresh one and may be forgotten.
  bool IsFull(Clock::time_point now) const { return full_at_ <= now; }

 private:
  Clock::duration interval_{};  // 1 / rate; zero = unlimited
  Clock::duration capacity_{};  // burst * interval
  Clock::time_point full_at_{};
};

}  // namespace botrelay::net
