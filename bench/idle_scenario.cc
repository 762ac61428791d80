// Idle: many handshaken connections that only answer pings, to measure what
// a held connection costs the server (RSS, ping CPU).

#include "bench/scenarios.h"
#include "bench/setup_phase.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class IdleScenario final : public Scenario {
 public:
  IdleScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings), setup_(clock, settings.setup_timeout_ns) {}

  void Start(Worker& worker, int64_t now_ns) override { setup_.Begin(worker, now_ns); }

  int64_t Tick(Worker& worker, int64_t now_ns) override {
    switch (setup_.Poll(worker, now_ns)) {
      case SetupPhase::Step::kWaiting:
        return now_ns + SetupPhase::kPollNs;
      case SetupPhase::Step::kTimedOut:
        return now_ns;
      case SetupPhase::Step::kStartsNow:
        worker.SetWindow(setup_.start_ns(), end_ns());
        break;
      case SetupPhase::Step::kRunning:
        break;
    }
    if (now_ns >= end_ns() && !recorded_) {
      recorded_ = true;
      worker.stats().connections_held = worker.ready();
    }
    return end_ns();
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    return setup_.timed_out() || recorded_;
  }

 private:
  int64_t end_ns() const { return setup_.start_ns() + settings_.duration_ns; }

  ScenarioSettings settings_;
  SetupPhase setup_;
  bool recorded_ = false;
};

}  // namespace

std::unique_ptr<Scenario> MakeIdleScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<IdleScenario>(settings, clock);
}

}  // namespace botrelay::bench
