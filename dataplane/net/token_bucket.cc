#include "dataplane/net/token_bucket.h"

#include <algorithm>

namespace botrelay::net {

TokenBucket::TokenBucket(const RateLimit& limit) {
  if (!limit.enabled()) return;
  interval_ = std::max<Clock::duration>(
      Clock::duration(1), std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(1.0 / limit.per_second)));
  capacity_ = interval_ * std::max<uint32_t>(1, limit.burst);
}

}  // namespace botrelay::net
