// Open loop: the send schedule ignores replies, so a slow server cannot slow
// the generator down and hide its own latency (coordinated omission). Each
// request's latency runs from its scheduled time, not from when the
// generator got round to writing it; the generator's own lateness is
// reported separately as send lag.

#include <cmath>
#include <vector>

#include "bench/established_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class OpenLoopScenario final : public EstablishedScenario {
 public:
  OpenLoopScenario(const ScenarioSettings& settings, RunClock& clock)
      : EstablishedScenario(settings, clock),
        interval_ns_(settings.rate_per_second > 0 ? 1e9 / settings.rate_per_second : 1e18) {}

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (setup().timed_out()) return true;
    if (setup().start_ns() == 0 || now_ns < end_ns()) return false;
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings().drain_timeout_ns;
  }

 private:
  int64_t OnMeasurementStart(Worker& worker, int64_t now_ns) override {
    for (Connection& c : worker.connections()) {
      if (c.state == ConnectionState::kReady) targets_.push_back(&c);
    }
    return OnMeasurementTick(worker, now_ns);
  }

  int64_t OnMeasurementTick(Worker& worker, int64_t now_ns) override {
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

  int64_t DueTime(uint64_t n) const {
    return setup().start_ns() + settings().phase_ns +
           static_cast<int64_t>(std::llround(static_cast<double>(n) * interval_ns_));
  }

  double interval_ns_;
  std::vector<Connection*> targets_;
  uint64_t sent_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> MakeOpenLoopScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<OpenLoopScenario>(settings, clock);
}

}  // namespace botrelay::bench
