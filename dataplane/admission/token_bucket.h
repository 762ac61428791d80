#pragma once
// TokenBucket: `burst` tokens, refilled at `refill_per_second`; one token per
// connection. Time comes from the caller (milliseconds of any monotonic
// clock), so tests drive it directly. 16 bytes, no allocation.

#include <cstdint>

namespace botrelay::admission {

struct TokenBucketSettings {
  double burst = 200;
  double refill_per_second = 50;
};

class TokenBucket {
 public:
  // A new bucket is full.
  TokenBucket(const TokenBucketSettings& settings, int64_t now_ms)
      : tokens_(settings.burst), updated_ms_(now_ms) {}

  // Takes one token if there is one.
  bool TryTake(const TokenBucketSettings& settings, int64_t now_ms);
  // True when the bucket has refilled completely: it then holds no memory of
  // the past and may be forgotten.
  bool Full(const TokenBucketSettings& settings, int64_t now_ms) const;

 private:
  double Level(const TokenBucketSettings& settings, int64_t now_ms) const;

  double tokens_;
  int64_t updated_ms_;
};

}  // namespace botrelay::admission
