#pragma once
// Shared by the workers of one run (one per thread) and the observing main
// thread: when every worker has its connections settled (ready or failed),
// the first worker to notice fixes the measurement start for all of them.

#include <atomic>
#include <cstdint>

namespace botrelay::bench {

class RunClock {
 public:
  explicit RunClock(int workers) : workers_(workers) {}

  void MarkSettled() { settled_.fetch_add(1, std::memory_order_acq_rel); }
  bool AllSettled() const { return settled_.load(std::memory_order_acquire) >= workers_; }
  // The measurement start: the first caller's `now_ns`, the same for every caller.
  int64_t Start(int64_t now_ns) {
    int64_t expected = kNotStarted;
    start_.compare_exchange_strong(expected, now_ns, std::memory_order_acq_rel);
    return start_.load(std::memory_order_acquire);
  }
  bool started() const { return start_.load(std::memory_order_acquire) != kNotStarted; }
  int64_t start_ns() const { return start_.load(std::memory_order_acquire); }

 private:
  static constexpr int64_t kNotStarted = -1;
  const int workers_;
  std::atomic<int> settled_{0};
  std::atomic<int64_t> start_{kNotStarted};
};

}  // namespace botrelay::bench
