// Idle: many handshaken connections that only answer pings, to measure what
// a held connection costs the server (RSS, ping CPU).

#include "bench/established_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class IdleScenario final : public EstablishedScenario {
 public:
  IdleScenario(const ScenarioSettings& settings, RunClock& clock)
      : EstablishedScenario(settings, clock) {}

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    return setup().timed_out() || recorded_;
  }

 private:
  int64_t OnMeasurementTick(Worker& worker, int64_t now_ns) override {
    if (now_ns >= end_ns() && !recorded_) {
      recorded_ = true;
      worker.stats().connections_held = worker.ready();
    }
    return end_ns();
  }

  bool recorded_ = false;
};

}  // namespace

std::unique_ptr<Scenario> MakeIdleScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<IdleScenario>(settings, clock);
}

}  // namespace botrelay::bench
