#include "dataplane/net/token_bucket.h"

#include <gtest/gtest.h>

namespace botrelay::net {
namespace {

using Clock = TokenBucket::Clock;
using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point() + 1000s;

int TakeAll(TokenBucket& bucket, Clock::time_point now, int attempts) {
  int taken = 0;
  for (int i = 0; i < attempts; ++i) taken += bucket.TryTake(now) ? 1 : 0;
  return taken;
}

TEST(TokenBucketTest, UnlimitedBucketNeverRefuses) {
  TokenBucket bucket(RateLimit{0, 0});
  EXPECT_EQ(TakeAll(bucket, kStart, 100000), 100000);
  TokenBucket default_constructed;
  EXPECT_EQ(TakeAll(default_constructed, kStart, 1000), 1000);
}

TEST(TokenBucketTest, FullBucketAllowsExactlyTheBurst) {
  TokenBucket bucket(RateLimit{10, 25});
  EXPECT_EQ(TakeAll(bucket, kStart, 100), 25);
  EXPECT_FALSE(bucket.TryTake(kStart));
}

TEST(TokenBucketTest, RefillsAtTheRate) {
  TokenBucket bucket(RateLimit{10, 5});
  EXPECT_EQ(TakeAll(bucket, kStart, 5), 5);
  EXPECT_FALSE(bucket.TryTake(kStart + 99ms));
  EXPECT_TRUE(bucket.TryTake(kStart + 100ms));
  EXPECT_FALSE(bucket.TryTake(kStart + 150ms));
  // Half a second refills five tokens, never more than the burst.
  EXPECT_EQ(TakeAll(bucket, kStart + 600ms, 10), 5);
  EXPECT_EQ(TakeAll(bucket, kStart + 100s, 100), 5);
}

TEST(TokenBucketTest, RefusedTakesDoNotDelayTheNextToken) {
  // A sender that keeps hammering still gets `rate` messages per second.
  TokenBucket bucket(RateLimit{100, 1});
  int taken = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    taken += TakeAll(bucket, kStart + std::chrono::milliseconds(ms), 50);
  }
  EXPECT_EQ(taken, 100);
}

TEST(TokenBucketTest, SustainedRateMatchesTheLimit) {
  TokenBucket bucket(RateLimit{200, 400});
  int taken = 0;
  // 10 s at 1000 attempts per second: the burst plus 200 per second.
  for (int ms = 0; ms < 10000; ++ms) {
    taken += bucket.TryTake(kStart + std::chrono::milliseconds(ms)) ? 1 : 0;
  }
  EXPECT_NEAR(taken, 400 + 200 * 10, 2);
}

TEST(TokenBucketTest, FractionalRates) {
  TokenBucket bucket(RateLimit{0.5, 1});
  EXPECT_TRUE(bucket.TryTake(kStart));
  EXPECT_FALSE(bucket.TryTake(kStart + 1999ms));
  EXPECT_TRUE(bucket.TryTake(kStart + 2000ms));
}

TEST(TokenBucketTest, IsFullOnlyAfterRefilling) {
  TokenBucket bucket(RateLimit{10, 3});
  EXPECT_TRUE(bucket.IsFull(kStart));
  ASSERT_TRUE(bucket.TryTake(kStart));
  ASSERT_TRUE(bucket.TryTake(kStart));
  EXPECT_FALSE(bucket.IsFull(kStart + 199ms));
  EXPECT_TRUE(bucket.IsFull(kStart + 200ms));
}

TEST(TokenBucketTest, ZeroBurstBehavesAsOne) {
  TokenBucket bucket(RateLimit{10, 0});
  EXPECT_EQ(TakeAll(bucket, kStart, 10), 1);
}

}  // namespace
}  // namespace botrelay::net
