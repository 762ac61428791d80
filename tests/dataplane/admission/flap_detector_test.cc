#include "dataplane/admission/flap_detector.h"

#include <string>

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

FlapSettings Small() {
  return FlapSettings{
      .handshake_limit = 3, .window_ms = 10'000, .cooldown_ms = 60'000, .max_tracked_devices = 64};
}

TEST(FlapDetectorTest, MoreThanTheLimitWithinTheWindowStartsOneCooldown) {
  FlapDetector flaps(Small());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(flaps.OnHandshake("bot", "dev", i * 1000).allowed);
  FlapVerdict fourth = flaps.OnHandshake("bot", "dev", 3000);
  EXPECT_FALSE(fourth.allowed);
  EXPECT_TRUE(fourth.cooldown_started);
  EXPECT_EQ(fourth.retry_after_ms, 60'000);
  // Refused for the rest of the cool-down, started only once.
  FlapVerdict later = flaps.OnHandshake("bot", "dev", 33'000);
  EXPECT_FALSE(later.allowed);
  EXPECT_FALSE(later.cooldown_started);
  EXPECT_EQ(later.retry_after_ms, 30'000);
  // Other devices of the bot are unaffected.
  EXPECT_TRUE(flaps.OnHandshake("bot", "other", 33'000).allowed);
  // After the cool-down the device starts with a clean count.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(flaps.OnHandshake("bot", "dev", 63'000 + i).allowed) << i;
  }
  EXPECT_FALSE(flaps.OnHandshake("bot", "dev", 63'010).allowed);
}

TEST(FlapDetectorTest, ASteadyReconnectBelowTheRateIsFine) {
  FlapDetector flaps(Small());
  // One handshake every 4 s: never more than 3 within 10 s.
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(flaps.OnHandshake("bot", "dev", i * 4000).allowed) << i;
  }
}

TEST(FlapDetectorTest, KeysDoNotCollideAcrossTheSeparator) {
  FlapDetector flaps(Small());
  for (int i = 0; i < 3; ++i) flaps.OnHandshake("ab", "c", i);
  EXPECT_FALSE(flaps.OnHandshake("ab", "c", 10).allowed);
  EXPECT_TRUE(flaps.OnHandshake("a", "bc", 10).allowed);
}

TEST(FlapDetectorTest, ZeroLimitDisables) {
  FlapSettings s = Small();
  s.handshake_limit = 0;
  FlapDetector flaps(s);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(flaps.OnHandshake("bot", "dev", i).allowed);
  EXPECT_EQ(flaps.tracked_devices(), 0u);
}

TEST(FlapDetectorTest, MemoryIsBoundedAndCooldownsSurvive) {
  FlapSettings s = Small();
  s.max_tracked_devices = FlapDetector::kStripes * 2;
  FlapDetector flaps(s);
  for (int i = 0; i < 4; ++i) flaps.OnHandshake("bot", "flapper", i);
  for (int i = 0; i < 5000; ++i) flaps.OnHandshake("bot", "dev" + std::to_string(i), 100);
  EXPECT_LE(flaps.tracked_devices(), s.max_tracked_devices);
  EXPECT_FALSE(flaps.OnHandshake("bot", "flapper", 200).allowed);
}

}  // namespace
}  // namespace botrelay::admission
