// Open loop: the send schedule ignores replies, so a slow server cannot slow
// the generator down and hide its own latency (coordinated omission). Each
// request's latency runs from its scheduled time, not from when the
// generator got round to writing it; the generator's own lateness is
// reported separately as send lag.

#include <cmath>
#include <vector>

#include "bench/scenarios.h"
#include "bench/setup_phase.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class OpenLoopScenario final : public Scenario {
 public:
  OpenLoopScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings),
        setup_(clock, settings.setup_timeout_ns),
        interval_ns_(settings.rate_per_second > 0 ? 1e9 / settings.rate_per_second : 1e18) {}

  void Start(Worker& worker, int64_t now_ns) override { setup_.Begin(worker, now_ns); }

  int64_t Tick(Worker& worker, int64_t now_ns) override {
    switch (setup_.Poll(worker, now_ns)) {
      case SetupPhase::Step::kWaiting:
        return now_ns + SetupPhase::kPollNs;
      case SetupPhase::Step::kTimedOut:
        return now_ns;
      case SetupPhase::Step::kStartsNow:
        worker.SetWindow(setup_.start_ns(), end_ns());
        for (Connection& c : worker.connections()) {
          if (c.state == ConnectionState::kReady) targets_.push_back(&c);
        }
        break;
      case SetupPhase::Step::kRunning:
        break;
    }
    if (targets_.empty()) return end_ns();
    int64_t due = DueTime(sent_);
    while (due <= now_ns && due < end_ns()) {
      Connection& c = *targets_[sent_ % targets_.size()];
      if (c.state == ConnectionState::kReady) {
        worker.SendEcho(c, due, now_ns);
      } else {
        worker.stats().AddError("scheduled_send_on_closed_connection");
      }
      due = DueTime(++sent_);
    }
    return due < end_ns() ? due : now_ns + 10'000'000;
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (setup_.timed_out()) return true;
    if (setup_.start_ns() == 0 || now_ns < end_ns()) return false;
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings_.drain_timeout_ns;
  }

 private:
  int64_t DueTime(uint64_t n) const {
    return setup_.start_ns() + settings_.phase_ns +
           static_cast<int64_t>(std::llround(static_cast<double>(n) * interval_ns_));
  }
  int64_t end_ns() const { return setup_.start_ns() + settings_.duration_ns; }

  ScenarioSettings settings_;
  SetupPhase setup_;
  double interval_ns_;
  std::vector<Connection*> targets_;
  uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> MakeOpenLoopScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<OpenLoopScenario>(settings, clock);
}

}  // namespace botrelay::bench
