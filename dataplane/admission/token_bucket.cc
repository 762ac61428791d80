#include "dataplane/admission/token_bucket.h"

#include <algorithm>

namespace botrelay::admission {

double TokenBucket::Level(const TokenBucketSettings& settings, int64_t now_ms) const {
  // A clock that went backwards refills nothing (never a negative amount).
  const int64_t elapsed_ms = std::max<int64_t>(0, now_ms - updated_ms_);
  return std::min(settings.burst, tokens_ + elapsed_ms * settings.refill_per_second / 1000.0);
}

bool TokenBucket::TryTake(const TokenBucketSettings& settings, int64_t now_ms) {
  tokens_ = Level(settings, now_ms);
  updated_ms_ = std::max(updated_ms_, now_ms);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool TokenBucket::Full(const TokenBucketSettings& settings, int64_t now_ms) const {
  return Level(settings, now_ms) >= settings.burst;
}

}  // namespace botrelay::admission
