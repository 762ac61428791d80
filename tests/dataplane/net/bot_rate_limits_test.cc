#include "dataplane/net/bot_rate_limits.h"

#include <gtest/gtest.h>

namespace botrelay::net {
namespace {

using Clock = BotRateLimits::Clock;
using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point() + 1000s;

TEST(BotRateLimitsTest, OffMeansNoEntry) {
  BotRateLimits limits(ratelimit::RateLimit{0, 0});
  EXPECT_EQ(limits.Acquire("bot"), nullptr);
  EXPECT_EQ(limits.size(), 0u);
}

TEST(BotRateLimitsTest, SessionsOfOneBotShareOneBucket) {
  BotRateLimits limits(ratelimit::RateLimit{1, 3});
  BotRateLimits::Entry* a = limits.Acquire("bot");
  BotRateLimits::Entry* b = limits.Acquire("bot");
  BotRateLimits::Entry* other = limits.Acquire("other");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_TRUE(limits.TryTake(*a, kStart));
  EXPECT_TRUE(limits.TryTake(*b, kStart));
  EXPECT_TRUE(limits.TryTake(*a, kStart));
  EXPECT_FALSE(limits.TryTake(*b, kStart));
  EXPECT_TRUE(limits.TryTake(*other, kStart));
}

TEST(BotRateLimitsTest, SweepKeepsUsedOrDrainedBuckets) {
  BotRateLimits limits(ratelimit::RateLimit{1, 2});
  BotRateLimits::Entry* live = limits.Acquire("live");
  BotRateLimits::Entry* drained = limits.Acquire("drained");
  ASSERT_TRUE(limits.TryTake(*drained, kStart));
  ASSERT_TRUE(limits.TryTake(*drained, kStart));
  limits.Release(drained);
  BotRateLimits::Entry* idle = limits.Acquire("idle");
  limits.Release(idle);

  limits.Sweep(kStart);
  EXPECT_EQ(limits.size(), 2u);  // "idle" had a full bucket: forgotten
  // Reconnecting does not refill the bucket of "drained".
  BotRateLimits::Entry* again = limits.Acquire("drained");
  EXPECT_EQ(again, drained);
  EXPECT_FALSE(limits.TryTake(*again, kStart));
  limits.Release(again);

  limits.Sweep(kStart + 1s);
  EXPECT_EQ(limits.size(), 2u);  // still one token short
  limits.Sweep(kStart + 2s);
  EXPECT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits.Acquire("live"), live);
}

}  // namespace
}  // namespace botrelay::net
