#include "dataplane/log/log_throttle.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace botrelay::log {
namespace {

using Clock = LogThrottle::Clock;
using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point() + 1000s;

// Refusals at accept are throttled on milliseconds of the monotonic clock.
Clock::time_point AtMs(int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

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

TEST(LogThrottleTest, OneLinePerIntervalWithTheCountOfTheRest) {
  LogThrottle throttle(1000ms);
  EXPECT_EQ(throttle.Note(AtMs(5000)), 1u);  // no line left out before it
  for (int i = 0; i < 7; ++i) EXPECT_EQ(throttle.Note(AtMs(5000 + i * 100)), 0u);
  EXPECT_EQ(throttle.Note(AtMs(6000)), 1u + 7u);  // this one and the 7 left out
  EXPECT_EQ(throttle.Note(AtMs(6999)), 0u);
}

TEST(LogThrottleTest, TheFirstEventIsReportedWhateverTheClocksOrigin) {
  LogThrottle throttle(1s);
  EXPECT_EQ(throttle.Note(AtMs(0)), 1u);
  LogThrottle negative(1s);
  EXPECT_EQ(negative.Note(AtMs(-5000)), 1u);
}

TEST(LogThrottleTest, LeftoversAreTakenOnceThePeriodAllows) {
  LogThrottle throttle(1s);
  EXPECT_EQ(throttle.TakePendingIfDue(kStart), 0u);  // nothing noted: no line
  EXPECT_EQ(throttle.Note(kStart), 1u);
  EXPECT_EQ(throttle.Note(kStart + 100ms), 0u);
  EXPECT_EQ(throttle.Note(kStart + 200ms), 0u);
  EXPECT_EQ(throttle.TakePendingIfDue(kStart + 999ms), 0u);
  EXPECT_EQ(throttle.TakePendingIfDue(kStart + 1s), 2u);
  // That line used the period: the next event waits for the next one.
  EXPECT_EQ(throttle.Note(kStart + 1500ms), 0u);
  EXPECT_EQ(throttle.Note(kStart + 2s), 2u);
}

TEST(LogThrottleTest, EventsFromManyThreadsAreEachCountedOnce) {
  LogThrottle throttle(1ms);
  constexpr int kThreads = 4;
  constexpr int kEventsPerThread = 20000;
  std::vector<uint64_t> reported(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&throttle, &reported, t] {
      for (int i = 0; i < kEventsPerThread; ++i) reported[t] += throttle.Note(Clock::now());
    });
  }
  for (std::thread& thread : threads) thread.join();
  uint64_t total = throttle.TakePending();
  for (uint64_t n : reported) total += n;
  EXPECT_EQ(total, uint64_t{kThreads} * kEventsPerThread);
}

}  // namespace
}  // namespace botrelay::log
