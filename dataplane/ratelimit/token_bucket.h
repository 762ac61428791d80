#pragma once
// The token bucket behind every rate limit, as GCRA: a bucket is one number,
// the time at which it would be full again (the "theoretical arrival time").
// Taking a token moves that time one emission interval (1/rate) later; a take
// is refused when it would move it more than `burst` intervals past now.
// Refused takes cost nothing, so a client that keeps going over the limit
// still gets its `rate` through.
//
// The algorithm is split in two so that a bucket per client stays small:
// TokenBucketPolicy, computed once from the rate and the burst, and
// TokenBucket, the 8-byte state of one client, whose calls take the policy.
// The per-address table at accept keeps one bucket per source address; a
// connection and a bot keep one each for their chat messages.
//
// The caller passes the time in, so a check reads no clock of its own and
// tests can drive it. No allocation, no lock: a bucket belongs to one thread
// or is guarded by its owner's lock.

#include <chrono>

namespace botrelay::ratelimit {

using Clock = std::chrono::steady_clock;

struct RateLimit {
  double per_second = 0;  // 0 = unlimited
  double burst = 0;       // taken at once from a full bucket; below 1 counts as 1

  bool enabled() const { return per_second > 0; }
};

class TokenBucketPolicy {
 public:
  TokenBucketPolicy() = default;  // unlimited
  explicit TokenBucketPolicy(const RateLimit& limit);

  bool unlimited() const { return interval_ == Clock::duration::zero(); }

 private:
  friend class TokenBucket;

  Clock::duration interval_{};  // 1 / rate; zero = unlimited
  Clock::duration capacity_{};  // burst * interval
};

class TokenBucket {
 public:
  // True (and a token taken) if a take at `now` is within `policy`; always
  // true for an unlimited policy. A clock that went backwards refills
  // nothing: it only makes the bucket look emptier.
  bool TryTake(const TokenBucketPolicy& policy, Clock::time_point now) {
    if (policy.unlimited()) return true;
    const Clock::time_point from = full_at_ > now ? full_at_ : now;
    const Clock::time_point next = from + policy.interval_;
    if (next - now > policy.capacity_) return false;
    full_at_ = next;
    return true;
  }

  // True if the bucket holds its whole burst again at `now`: it is then
  // indistinguishable from a fresh one and may be forgotten.
  bool IsFull(Clock::time_point now) const { return full_at_ <= now; }

 private:
  // A fresh bucket is full whatever clock drives it (tests start at 0).
  Clock::time_point full_at_ = Clock::time_point::min();
};

}  // namespace botrelay::ratelimit
