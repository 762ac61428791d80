#include "dataplane/net/timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace botrelay::net {
namespace {

using Clock = TimerWheel::Clock;
using std::chrono::milliseconds;

struct Probe : TimerWheel::Entry {
  std::vector<Clock::time_point> fired;
  void OnTimer(Clock::time_point now) override { fired.push_back(now); }
};

TEST(TimerWheelTest, FiresAtOrAfterTheDeadlineNeverBefore) {
  Clock::time_point start = Clock::now();
  TimerWheel wheel(milliseconds(100), 8, start);
  Probe p;
  wheel.Schedule(p, start + milliseconds(250));
  wheel.Advance(start + milliseconds(240));
  EXPECT_TRUE(p.fired.empty());
  wheel.Advance(start + milliseconds(400));
  ASSERT_EQ(p.fired.size(), 1u);
  EXPECT_FALSE(p.scheduled());
}

TEST(TimerWheelTest, DeadlinesBeyondOneTurnWaitForTheirRound) {
  Clock::time_point start = Clock::now();
  TimerWheel wheel(milliseconds(100), 4, start);  // one turn = 400 ms
  Probe p;
  wheel.Schedule(p, start + milliseconds(1000));
  for (int t = 100; t < 1000; t += 100) wheel.Advance(start + milliseconds(t));
  EXPECT_TRUE(p.fired.empty());
  wheel.Advance(start + milliseconds(1200));
  EXPECT_EQ(p.fired.size(), 1u);
}

TEST(TimerWheelTest, RescheduleAndCancelAndDestroyUnlink) {
  Clock::time_point start = Clock::now();
  TimerWheel wheel(milliseconds(100), 16, start);
  Probe moved, cancelled;
  wheel.Schedule(moved, start + milliseconds(100));
  wheel.Schedule(moved, start + milliseconds(900));
  wheel.Schedule(cancelled, start + milliseconds(100));
  TimerWheel::Cancel(cancelled);
  {
    Probe destroyed;
    wheel.Schedule(destroyed, start + milliseconds(100));
  }  // auto-unlink: the wheel must not touch it
  wheel.Advance(start + milliseconds(500));
  EXPECT_TRUE(moved.fired.empty());
  EXPECT_TRUE(cancelled.fired.empty());
  wheel.Advance(start + milliseconds(1100));
  EXPECT_EQ(moved.fired.size(), 1u);
}

TEST(TimerWheelTest, ManyEntriesAllFireOnce) {
  Clock::time_point start = Clock::now();
  TimerWheel wheel(milliseconds(10), 64, start);
  std::vector<Probe> probes(10000);
  for (size_t i = 0; i < probes.size(); ++i) {
    wheel.Schedule(probes[i], start + milliseconds(static_cast<int>(i % 3000)));
  }
  for (int t = 0; t <= 3100; t += 10) wheel.Advance(start + milliseconds(t));
  for (const Probe& p : probes) EXPECT_EQ(p.fired.size(), 1u);
}

}  // namespace
}  // namespace botrelay::net
