#include "dataplane/admission/log_throttle.h"

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

TEST(LogThrottleTest, OneLinePerIntervalWithTheCountOfTheRest) {
  LogThrottle throttle(1000);
  uint64_t suppressed = 99;
  EXPECT_TRUE(throttle.Allow(5000, &suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(throttle.Allow(5000 + i * 100, &suppressed));
  EXPECT_TRUE(throttle.Allow(6000, &suppressed));
  EXPECT_EQ(suppressed, 7u);
  EXPECT_FALSE(throttle.Allow(6999, &suppressed));
}

}  // namespace
}  // namespace botrelay::admission
