#pragma once
// A circuit breaker for one downstream dependency (the upstream HTTP
// backend today; anything relayd calls tomorrow). It decides whether a
// request may be sent at all, so that a failing dependency costs fast error
// answers instead of requests that wait for their timeouts.
//
//   closed    --(N consecutive failures, or failure ratio over a window)--> open
//   open      --(cool-down over; checked when the next request asks)-----> half-open
//   half-open --(a trial request fails)---------------------------------> open
//   half-open --(every trial request succeeded)--------------------------> closed
//
// Every permit handed out must be answered by exactly one RecordSuccess or
// RecordFailure. Results of permits from an earlier state (a request sent
// while closed that ends after the breaker opened) are ignored: they say
// nothing about the dependency now.
//
// Not thread-safe: one instance belongs to one event-loop thread. The clock
// is injected so tests can drive the cool-down without sleeping.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace botrelay::upstream {

enum class BreakerState : uint8_t { kClosed, kOpen, kHalfOpen };
inline constexpr int kBreakerStateCount = 3;
std::string_view BreakerStateName(BreakerState state);  // "closed", "open", "half_open"

struct CircuitBreakerSettings {
  int consecutive_failures = 5;  // failures in a row that open it; 0 = rule off
  double failure_ratio = 0.5;    // failed share of the window that opens it; 0 = rule off
  int ratio_min_requests = 20;   // the ratio rule needs at least this many results
  std::chrono::milliseconds ratio_window{10'000};
  std::chrono::milliseconds open_duration{5'000};  // cool-down before half-open
  int half_open_trials = 1;      // requests let through while half-open; all must succeed
};

class CircuitBreaker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Clock = std::function<TimePoint()>;
  // Called on every state change with a short human-readable cause.
  using TransitionCallback =
      std::function<void(BreakerState from, BreakerState to, std::string_view why)>;

  struct Permit {
    uint64_t epoch = 0;  // which state period issued it
    bool trial = false;  // issued while half-open
  };

  CircuitBreaker(const CircuitBreakerSettings& settings, Clock clock,
                 TransitionCallback on_transition);

  // A permit to send one request, or nullopt: fail fast without sending.
  std::optional<Permit> TryAcquire();
  void RecordSuccess(const Permit& permit);
  void RecordFailure(const Permit& permit);

  // The state as of the last call; open turns half-open only when a request
  // asks after the cool-down.
  BreakerState state() const { return state_; }

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    int64_t index = -1;  // which window slice this bucket currently counts
    uint32_t successes = 0;
    uint32_t failures = 0;
  };

  void CountInWindow(bool failed);
  bool RatioExceeded(uint32_t* total, uint32_t* failures) const;
  void ClearHistory();
  void TransitionTo(BreakerState to, std::string_view why);

  CircuitBreakerSettings settings_;
  Clock clock_;
  TransitionCallback on_transition_;
  BreakerState state_ = BreakerState::kClosed;
  uint64_t epoch_ = 1;
  int consecutive_failures_ = 0;
  TimePoint origin_;
  std::chrono::steady_clock::duration bucket_width_;
  std::array<Bucket, kBuckets> buckets_;
  TimePoint opened_at_;
  int trials_issued_ = 0;
  int trials_succeeded_ = 0;
};

}  // namespace botrelay::upstream
