#include "dataplane/upstream/circuit_breaker.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_format.h"

namespace botrelay::upstream {

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerSettings& settings, Clock clock,
                               TransitionCallback on_transition)
    : settings_(settings),
      clock_(std::move(clock)),
      on_transition_(std::move(on_transition)),
      origin_(clock_()),
      bucket_width_(std::max<std::chrono::steady_clock::duration>(
          settings.ratio_window / kBuckets, std::chrono::milliseconds(1))) {
  settings_.half_open_trials = std::max(1, settings_.half_open_trials);
}

std::optional<CircuitBreaker::Permit> CircuitBreaker::TryAcquire() {
  if (state_ == BreakerState::kOpen) {
    if (clock_() - opened_at_ < settings_.open_duration) return std::nullopt;
    TransitionTo(BreakerState::kHalfOpen,
                 absl::StrFormat("cool-down of %d ms over", settings_.open_duration.count()));
  }
  if (state_ == BreakerState::kHalfOpen) {
    if (trials_issued_ >= settings_.half_open_trials) return std::nullopt;
    ++trials_issued_;
    return Permit{epoch_, true};
  }
  return Permit{epoch_, false};
}

void CircuitBreaker::RecordSuccess(const Permit& permit) {
  if (permit.epoch != epoch_) return;
  if (permit.trial) {
    if (++trials_succeeded_ >= settings_.half_open_trials) {
      TransitionTo(BreakerState::kClosed,
                   absl::StrFormat("%d trial request(s) succeeded", trials_succeeded_));
    }
    return;
  }
  consecutive_failures_ = 0;
  CountInWindow(false);
}

void CircuitBreaker::RecordFailure(const Permit& permit) {
  if (permit.epoch != epoch_) return;
  if (permit.trial) {
    TransitionTo(BreakerState::kOpen, "a trial request failed");
    return;
  }
  ++consecutive_failures_;
  CountInWindow(true);
  if (settings_.consecutive_failures > 0 &&
      consecutive_failures_ >= settings_.consecutive_failures) {
    TransitionTo(BreakerState::kOpen,
                 absl::StrFormat("%d consecutive failures", consecutive_failures_));
    return;
  }
  uint32_t total = 0, failures = 0;
  if (RatioExceeded(&total, &failures)) {
    TransitionTo(BreakerState::kOpen,
                 absl::StrFormat("%d of %d requests failed within %d ms", failures, total,
                                 settings_.ratio_window.count()));
  }
}

void CircuitBreaker::CountInWindow(bool failed) {
  const int64_t index = (clock_() - origin_) / bucket_width_;
  Bucket& bucket = buckets_[index % kBuckets];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};
  ++(failed ? bucket.failures : bucket.successes);
}

bool CircuitBreaker::RatioExceeded(uint32_t* total, uint32_t* failures) const {
  if (settings_.failure_ratio <= 0) return false;
  const int64_t now_index = (clock_() - origin_) / bucket_width_;
  for (const Bucket& bucket : buckets_) {
    if (bucket.index < 0 || bucket.index <= now_index - kBuckets) continue;  // outside the window
    *total += bucket.successes + bucket.failures;
    *failures += bucket.failures;
  }
  return *total > 0 && *total >= static_cast<uint32_t>(settings_.ratio_min_requests) &&
         static_cast<double>(*failures) >= settings_.failure_ratio * *total;
}

void CircuitBreaker::ClearHistory() {
  consecutive_failures_ = 0;
  buckets_.fill(Bucket{});
  trials_issued_ = 0;
  trials_succeeded_ = 0;
}

void CircuitBreaker::TransitionTo(BreakerState to, std::string_view why) {
  const BreakerState from = state_;
  state_ = to;
  ++epoch_;  // outstanding permits now belong to the past
  ClearHistory();
  if (to == BreakerState::kOpen) opened_at_ = clock_();
  if (on_transition_) on_transition_(from, to, why);
}

}  // namespace botrelay::upstream
