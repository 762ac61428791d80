#include "dataplane/admission/token_bucket.h"

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

TEST(TokenBucketTest, AllowsTheBurstThenTheRefillRate) {
  const TokenBucketSettings settings{.burst = 5, .refill_per_second = 2};
  TokenBucket bucket(settings, 1000);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(settings, 1000)) << i;
  EXPECT_FALSE(bucket.TryTake(settings, 1000));
  EXPECT_FALSE(bucket.TryTake(settings, 1400));  // 0.8 tokens
  EXPECT_TRUE(bucket.TryTake(settings, 1500));   // 1 token after 500 ms
  EXPECT_FALSE(bucket.TryTake(settings, 1500));
  EXPECT_FALSE(bucket.Full(settings, 1500));
  // Never more than the burst, however long the pause.
  EXPECT_TRUE(bucket.Full(settings, 100'000));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(settings, 100'000)) << i;
  EXPECT_FALSE(bucket.TryTake(settings, 100'000));
}

TEST(TokenBucketTest, AClockGoingBackwardsRefillsNothing) {
  const TokenBucketSettings settings{.burst = 1, .refill_per_second = 1};
  TokenBucket bucket(settings, 10'000);
  EXPECT_TRUE(bucket.TryTake(settings, 10'000));
  EXPECT_FALSE(bucket.TryTake(settings, 5'000));
  EXPECT_FALSE(bucket.TryTake(settings, 10'500));
  EXPECT_TRUE(bucket.TryTake(settings, 11'000));
}

}  // namespace
}  // namespace botrelay::admission
