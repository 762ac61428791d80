#include "bench/setup_phase.h"

#include "bench/worker.h"

namespace botrelay::bench {

void SetupPhase::Begin(Worker& worker, int64_t now_ns, size_t count) {
  deadline_ns_ = now_ns + timeout_ns_;
  for (size_t i = 0; i < count && i < worker.connections().size(); ++i) {
    worker.Open(worker.connections()[i]);
  }
}

SetupPhase::Step SetupPhase::Poll(Worker& worker, int64_t now_ns) {
  if (running_) return Step::kRunning;
  if (timed_out_) return Step::kTimedOut;
  if (!settled_ && worker.in_progress() == 0) {
    settled_ = true;
    clock_.MarkSettled();
  }
  if (clock_.AllSettled()) {
    start_ns_ = clock_.Start(now_ns);
    running_ = true;
    return Step::kStartsNow;
  }
  if (now_ns >= deadline_ns_) {
    worker.stats().AddError("setup_timeout");
    timed_out_ = true;
    return Step::kTimedOut;
  }
  return Step::kWaiting;
}

}  // namespace botrelay::bench
