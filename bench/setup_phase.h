#pragma once
// The common start of the scenarios that measure established connections:
// open every connection, wait until every worker's connections are settled
// (handshaken or failed), then start the measurement at one shared moment.

#include <cstddef>
#include <cstdint>

#include "bench/run_clock.h"

namespace botrelay::bench {

class Worker;

class SetupPhase {
 public:
  enum class Step { kWaiting, kStartsNow, kRunning, kTimedOut };

  SetupPhase(RunClock& clock, int64_t timeout_ns) : clock_(clock), timeout_ns_(timeout_ns) {}

  // Opens the worker's first `count` connections.
  void Begin(Worker& worker, int64_t now_ns, size_t count);
  Step Poll(Worker& worker, int64_t now_ns);
  int64_t start_ns() const { return start_ns_; }
  bool timed_out() const { return timed_out_; }
  // When Poll wants to run again while waiting (other workers may settle).
  static constexpr int64_t kPollNs = 1'000'000;

 private:
  RunClock& clock_;
  int64_t timeout_ns_;
  int64_t deadline_ns_ = 0;
  int64_t start_ns_ = 0;
  bool settled_ = false;
  bool running_ = false;
  bool timed_out_ = false;
};

}  // namespace botrelay::bench
