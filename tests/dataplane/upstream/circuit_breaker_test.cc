#include "dataplane/upstream/circuit_breaker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace botrelay::upstream {
namespace {

using namespace std::chrono_literals;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker Make(CircuitBreakerSettings settings) {
    return CircuitBreaker(
        settings, [this] { return now_; },
        [this](BreakerState from, BreakerState to, std::string_view why) {
          transitions_.push_back(std::string(BreakerStateName(from)) + "->" +
                                 std::string(BreakerStateName(to)) + ": " + std::string(why));
        });
  }
  static CircuitBreakerSettings ConsecutiveOnly(int failures) {
    CircuitBreakerSettings s;
    s.consecutive_failures = failures;
    s.failure_ratio = 0;
    s.open_duration = 1000ms;
    return s;
  }
  void Fail(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      auto permit = breaker.TryAcquire();
      ASSERT_TRUE(permit.has_value()) << "request " << i;
      breaker.RecordFailure(*permit);
    }
  }
  void Succeed(CircuitBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      auto permit = breaker.TryAcquire();
      ASSERT_TRUE(permit.has_value()) << "request " << i;
      breaker.RecordSuccess(*permit);
    }
  }

  CircuitBreaker::TimePoint now_ = CircuitBreaker::TimePoint() + 1h;
  std::vector<std::string> transitions_;
};

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndFailsFast) {
  CircuitBreaker breaker = Make(ConsecutiveOnly(3));
  Fail(breaker, 2);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker.TryAcquire().has_value());
  EXPECT_EQ(transitions_, (std::vector<std::string>{"closed->open: 3 consecutive failures"}));
}

TEST_F(CircuitBreakerTest, SuccessResetsTheConsecutiveCount) {
  CircuitBreaker breaker = Make(ConsecutiveOnly(3));
  Fail(breaker, 2);
  Succeed(breaker, 1);
  Fail(breaker, 2);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, HalfOpenAfterCoolDownLetsOnlyTheTrialsThrough) {
  CircuitBreakerSettings settings = ConsecutiveOnly(1);
  settings.half_open_trials = 2;
  CircuitBreaker breaker = Make(settings);
  Fail(breaker, 1);
  now_ += 999ms;
  EXPECT_FALSE(breaker.TryAcquire().has_value());
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  now_ += 1ms;
  auto first = breaker.TryAcquire();
  auto second = breaker.TryAcquire();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(first->trial);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.TryAcquire().has_value()) << "only two trials";
  breaker.RecordSuccess(*first);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen) << "every trial must succeed";
  breaker.RecordSuccess(*second);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(transitions_, (std::vector<std::string>{
                              "closed->open: 1 consecutive failures",
                              "open->half_open: cool-down of 1000 ms over",
                              "half_open->closed: 2 trial request(s) succeeded"}));
  Succeed(breaker, 5);  // closed again: no limit
}

TEST_F(CircuitBreakerTest, FailedTrialReopensForAnotherCoolDown) {
  CircuitBreaker breaker = Make(ConsecutiveOnly(1));
  Fail(breaker, 1);
  now_ += 1s;
  auto trial = breaker.TryAcquire();
  ASSERT_TRUE(trial.has_value());
  breaker.RecordFailure(*trial);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  now_ += 500ms;
  EXPECT_FALSE(breaker.TryAcquire().has_value()) << "the cool-down restarted at the failed trial";
  now_ += 500ms;
  EXPECT_TRUE(breaker.TryAcquire().has_value());
  EXPECT_EQ(transitions_.back(), "open->half_open: cool-down of 1000 ms over");
  EXPECT_EQ(transitions_[2], "half_open->open: a trial request failed");
}

TEST_F(CircuitBreakerTest, ResultsOfPermitsFromAnEarlierStateAreIgnored) {
  CircuitBreaker breaker = Make(ConsecutiveOnly(2));
  auto slow = breaker.TryAcquire();  // sent while closed, answered much later
  ASSERT_TRUE(slow.has_value());
  Fail(breaker, 2);
  ASSERT_EQ(breaker.state(), BreakerState::kOpen);
  now_ += 1s;
  auto trial = breaker.TryAcquire();
  ASSERT_TRUE(trial.has_value());
  breaker.RecordSuccess(*slow);  // must not count as the trial's success
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  breaker.RecordFailure(*slow);  // nor as its failure
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  breaker.RecordSuccess(*trial);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST_F(CircuitBreakerTest, FailureRatioOverTheWindowOpensIt) {
  CircuitBreakerSettings settings;
  settings.consecutive_failures = 0;
  settings.failure_ratio = 0.5;
  settings.ratio_min_requests = 10;
  settings.ratio_window = 10s;
  CircuitBreaker breaker = Make(settings);
  // Alternating: never two failures in a row, but half of them fail.
  for (int i = 0; i < 4; ++i) {
    Succeed(breaker, 1);
    Fail(breaker, 1);
  }
  EXPECT_EQ(breaker.state(), BreakerState::kClosed) << "8 results: below the minimum";
  Succeed(breaker, 1);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(transitions_, (std::vector<std::string>{
                              "closed->open: 5 of 10 requests failed within 10000 ms"}));
}

TEST_F(CircuitBreakerTest, FailuresOutsideTheWindowAreForgotten) {
  CircuitBreakerSettings settings;
  settings.consecutive_failures = 0;
  settings.failure_ratio = 0.5;
  settings.ratio_min_requests = 4;
  settings.ratio_window = 10s;
  CircuitBreaker breaker = Make(settings);
  Fail(breaker, 1);
  Succeed(breaker, 1);
  Fail(breaker, 1);
  now_ += 11s;  // those three have left the window
  Succeed(breaker, 2);
  Fail(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed) << "1 of 3 recent, below the minimum";
  Succeed(breaker, 1);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  Fail(breaker, 1);  // 2 of 5 recent: 40 %
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  Fail(breaker, 1);  // 3 of 6: 50 %
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST_F(CircuitBreakerTest, BothRulesOffNeverOpens) {
  CircuitBreakerSettings settings;
  settings.consecutive_failures = 0;
  settings.failure_ratio = 0;
  CircuitBreaker breaker = Make(settings);
  Fail(breaker, 100);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(transitions_.empty());
}

}  // namespace
}  // namespace botrelay::upstream
