#include "dataplane/ratelimit/token_bucket.h"

#include <algorithm>

namespace botrelay::ratelimit {
namespace {

using Ticks = std::chrono::duration<double, Clock::period>;

// Longer than any process runs. Bounding both durations keeps a tiny rate or
// a huge burst from overflowing the time arithmetic of TryTake.
constexpr Ticks kLongestWait = std::chrono::hours(24 * 365 * 10);

Clock::duration Bounded(Ticks ticks) {
  return std::chrono::duration_cast<Clock::duration>(std::min(ticks, kLongestWait));
}

}  // namespace

TokenBucketPolicy::TokenBucketPolicy(const RateLimit& limit) {
  if (!limit.enabled()) return;
  interval_ = std::max(Clock::duration(1),
                       Bounded(std::chrono::duration<double>(1.0 / limit.per_second)));
  // In whole ticks of the interval, so an integral burst is exact.
  capacity_ = Bounded(Ticks(interval_) * std::max(1.0, limit.burst));
}

}  // namespace botrelay::ratelimit
