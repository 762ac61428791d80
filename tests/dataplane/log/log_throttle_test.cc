#include "dataplane/log/log_throttle.h"

#include <gtest/gtest.h>

namespace botrelay::log {
namespace {

using Clock = LogThrottle::Clock;
using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point() + 1000s;

TEST(LogThrottleTest, FirstEventIsReportedAtOnceThenOnePerPeriodWithTheCount) {
  LogThrottle throttle(10s);
  EXPECT_EQ(throttle.Note(kStart), 1u);
  EXPECT_EQ(throttle.Note(kStart + 1s), 0u);
  EXPECT_EQ(throttle.Note(kStart + 2s), 0u);
  EXPECT_EQ(throttle.Note(kStart + 9999ms), 0u);
  EXPECT_EQ(throttle.Note(kStart + 10s), 4u);
  EXPECT_EQ(throttle.Note(kStart + 11s), 0u);
  EXPECT_EQ(throttle.TakePending(), 1u);
  EXPECT_EQ(throttle.TakePending(), 0u);
}

}  // namespace
}  // namespace botrelay::log
