// Closed-loop echo, and the drain run built on it.

#include <algorithm>

#include "bench/established_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class EchoScenario final : public EstablishedScenario {
 public:
  EchoScenario(const ScenarioSettings& settings, RunClock& clock, bool until_drained)
      : EstablishedScenario(settings, clock), until_drained_(until_drained) {}

  void OnEchoAnswered(Worker& worker, Connection& c, int64_t now_ns) override {
    if (MaySend(c, now_ns)) worker.SendEcho(c, now_ns, now_ns);
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (setup().timed_out()) return true;
    if (setup().start_ns() == 0 || now_ns < end_ns()) {
      // A drain ends when the server has closed everything.
      return until_drained_ && setup().start_ns() != 0 && worker.ready() == 0 &&
             worker.in_progress() == 0;
    }
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings().drain_timeout_ns;
  }

 private:
  // Echo runs for the duration; a drain run sends until the connection is
  // told the server shuts down, with the duration as an upper bound.
  bool MaySend(const Connection& c, int64_t now_ns) const {
    return now_ns < end_ns() && !(until_drained_ && c.shutdown_notice);
  }

  int64_t OnMeasurementStart(Worker& worker, int64_t now_ns) override {
    for (Connection& c : worker.connections()) {
      if (c.state != ConnectionState::kReady) continue;
      for (int i = 0; i < settings().inflight; ++i) worker.SendEcho(c, now_ns, now_ns);
    }
    return end_ns();
  }

  int64_t OnMeasurementTick(Worker& worker, int64_t now_ns) override {
    return now_ns < end_ns() ? end_ns() : now_ns + 10'000'000;
  }

  bool until_drained_;
};

}  // namespace

std::unique_ptr<Scenario> MakeEchoScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<EchoScenario>(settings, clock, /*until_drained=*/false);
}

std::unique_ptr<Scenario> MakeDrainScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<EchoScenario>(settings, clock, /*until_drained=*/true);
}

}  // namespace botrelay::bench
