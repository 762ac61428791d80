#include "dataplane/ratelimit/token_bucket.h"

#include <gtest/gtest.h>

namespace botrelay::ratelimit {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point() + 1000s;

// The admission table drives its buckets with milliseconds of a monotonic clock.
Clock::time_point AtMs(int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

int TakeAll(TokenBucket& bucket, const TokenBucketPolicy& policy, Clock::time_point now,
            int attempts) {
  int taken = 0;
  for (int i = 0; i < attempts; ++i) taken += bucket.TryTake(policy, now) ? 1 : 0;
  return taken;
}

TEST(TokenBucketTest, StateIsOneTimePoint) {
  // One bucket per tracked source address: it must stay small.
  static_assert(sizeof(TokenBucket) == sizeof(Clock::time_point));
}

TEST(TokenBucketTest, UnlimitedBucketNeverRefuses) {
  const TokenBucketPolicy policy(RateLimit{0, 0});
  TokenBucket bucket;
  EXPECT_EQ(TakeAll(bucket, policy, kStart, 100000), 100000);
  TokenBucket default_constructed;
  EXPECT_EQ(TakeAll(default_constructed, TokenBucketPolicy(), kStart, 1000), 1000);
}

TEST(TokenBucketTest, FullBucketAllowsExactlyTheBurst) {
  const TokenBucketPolicy policy(RateLimit{10, 25});
  TokenBucket bucket;
  EXPECT_EQ(TakeAll(bucket, policy, kStart, 100), 25);
  EXPECT_FALSE(bucket.TryTake(policy, kStart));
}

TEST(TokenBucketTest, RefillsAtTheRate) {
  const TokenBucketPolicy policy(RateLimit{10, 5});
  TokenBucket bucket;
  EXPECT_EQ(TakeAll(bucket, policy, kStart, 5), 5);
  EXPECT_FALSE(bucket.TryTake(policy, kStart + 99ms));
  EXPECT_TRUE(bucket.TryTake(policy, kStart + 100ms));
  EXPECT_FALSE(bucket.TryTake(policy, kStart + 150ms));
  // Half a second refills five tokens, never more than the burst.
  EXPECT_EQ(TakeAll(bucket, policy, kStart + 600ms, 10), 5);
  EXPECT_EQ(TakeAll(bucket, policy, kStart + 100s, 100), 5);
}

TEST(TokenBucketTest, AllowsTheBurstThenTheRefillRate) {
  // Admission's connect-rate-burst 5 and connect-rate-per-second 2.
  const TokenBucketPolicy policy(RateLimit{.per_second = 2, .burst = 5});
  TokenBucket bucket;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(policy, AtMs(1000))) << i;
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(1000)));
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(1400)));  // 0.8 tokens
  EXPECT_TRUE(bucket.TryTake(policy, AtMs(1500)));   // 1 token after 500 ms
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(1500)));
  EXPECT_FALSE(bucket.IsFull(AtMs(1500)));
  // Never more than the burst, however long the pause.
  EXPECT_TRUE(bucket.IsFull(AtMs(100'000)));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(policy, AtMs(100'000))) << i;
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(100'000)));
}

TEST(TokenBucketTest, RefusedTakesDoNotDelayTheNextToken) {
  // A sender that keeps hammering still gets `rate` messages per second.
  const TokenBucketPolicy policy(RateLimit{100, 1});
  TokenBucket bucket;
  int taken = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    taken += TakeAll(bucket, policy, kStart + std::chrono::milliseconds(ms), 50);
  }
  EXPECT_EQ(taken, 100);
}

TEST(TokenBucketTest, SustainedRateMatchesTheLimit) {
  const TokenBucketPolicy policy(RateLimit{200, 400});
  TokenBucket bucket;
  int taken = 0;
  // 10 s at 1000 attempts per second: the burst plus 200 per second.
  for (int ms = 0; ms < 10000; ++ms) {
    taken += bucket.TryTake(policy, kStart + std::chrono::milliseconds(ms)) ? 1 : 0;
  }
  EXPECT_NEAR(taken, 400 + 200 * 10, 2);
}

TEST(TokenBucketTest, FractionalRates) {
  const TokenBucketPolicy policy(RateLimit{0.5, 1});
  TokenBucket bucket;
  EXPECT_TRUE(bucket.TryTake(policy, kStart));
  EXPECT_FALSE(bucket.TryTake(policy, kStart + 1999ms));
  EXPECT_TRUE(bucket.TryTake(policy, kStart + 2000ms));
}

TEST(TokenBucketTest, FractionalBursts) {
  // connect-rate-burst takes decimals: 2.5 lets two connections through at
  // once and keeps the half token, so the third comes after half a second.
  const TokenBucketPolicy policy(RateLimit{.per_second = 1, .burst = 2.5});
  TokenBucket bucket;
  EXPECT_EQ(TakeAll(bucket, policy, kStart, 10), 2);
  EXPECT_FALSE(bucket.TryTake(policy, kStart + 499ms));
  EXPECT_TRUE(bucket.TryTake(policy, kStart + 500ms));
}

TEST(TokenBucketTest, IsFullOnlyAfterRefilling) {
  const TokenBucketPolicy policy(RateLimit{10, 3});
  TokenBucket bucket;
  EXPECT_TRUE(bucket.IsFull(kStart));
  ASSERT_TRUE(bucket.TryTake(policy, kStart));
  ASSERT_TRUE(bucket.TryTake(policy, kStart));
  EXPECT_FALSE(bucket.IsFull(kStart + 199ms));
  EXPECT_TRUE(bucket.IsFull(kStart + 200ms));
}

TEST(TokenBucketTest, ZeroBurstBehavesAsOne) {
  const TokenBucketPolicy policy(RateLimit{10, 0});
  TokenBucket bucket;
  EXPECT_EQ(TakeAll(bucket, policy, kStart, 10), 1);
}

TEST(TokenBucketTest, AFreshBucketIsFullWhateverTheClocksOrigin) {
  const TokenBucketPolicy policy(RateLimit{.per_second = 1, .burst = 2});
  TokenBucket bucket;
  EXPECT_TRUE(bucket.IsFull(AtMs(-5000)));
  EXPECT_EQ(TakeAll(bucket, policy, AtMs(-5000), 5), 2);
}

TEST(TokenBucketTest, AClockGoingBackwardsRefillsNothing) {
  const TokenBucketPolicy policy(RateLimit{.per_second = 1, .burst = 1});
  TokenBucket bucket;
  EXPECT_TRUE(bucket.TryTake(policy, AtMs(10'000)));
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(5'000)));
  EXPECT_FALSE(bucket.TryTake(policy, AtMs(10'500)));
  EXPECT_TRUE(bucket.TryTake(policy, AtMs(11'000)));
}

TEST(TokenBucketTest, ExtremeRatesAndBurstsDoNotOverflow) {
  // One connection a million years, from a bucket of a trillion.
  const TokenBucketPolicy slow(RateLimit{.per_second = 1e-15, .burst = 1e12});
  TokenBucket bucket;
  EXPECT_TRUE(bucket.TryTake(slow, kStart));
  EXPECT_FALSE(bucket.IsFull(kStart + 1000s));
  // Faster than the clock ticks: one token per tick.
  const TokenBucketPolicy fast(RateLimit{.per_second = 1e300, .burst = 3});
  TokenBucket other;
  EXPECT_EQ(TakeAll(other, fast, kStart, 10), 3);
}

}  // namespace
}  // namespace botrelay::ratelimit
