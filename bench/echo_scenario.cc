// Closed-loop echo, and the drain run built on it.

#include <algorithm>

#include "bench/scenarios.h"
#include "bench/setup_phase.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class EchoScenario final : public Scenario {
 public:
  EchoScenario(const ScenarioSettings& settings, RunClock& clock, bool until_drained)
      : settings_(settings), setup_(clock, settings.setup_timeout_ns), until_drained_(until_drained) {}

  void Start(Worker& worker, int64_t now_ns) override { setup_.Begin(worker, now_ns); }

  void OnEchoAnswered(Worker& worker, Connection& c, int64_t now_ns) override {
    if (MaySend(c, now_ns)) worker.SendEcho(c, now_ns, now_ns);
  }

  int64_t Tick(Worker& worker, int64_t now_ns) override {
    switch (setup_.Poll(worker, now_ns)) {
      case SetupPhase::Step::kWaiting:
        return now_ns + SetupPhase::kPollNs;
      case SetupPhase::Step::kTimedOut:
        return now_ns;
      case SetupPhase::Step::kStartsNow:
        worker.SetWindow(setup_.start_ns(), end_ns());
        for (Connection& c : worker.connections()) {
          if (c.state != ConnectionState::kReady) continue;
          for (int i = 0; i < settings_.inflight; ++i) worker.SendEcho(c, now_ns, now_ns);
        }
        return end_ns();
      case SetupPhase::Step::kRunning:
        return now_ns < end_ns() ? end_ns() : now_ns + 10'000'000;
    }
    return now_ns;
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (setup_.timed_out()) return true;
    if (setup_.start_ns() == 0 || now_ns < end_ns()) {
      // A drain ends when the server has closed everything.
      return until_drained_ && setup_.start_ns() != 0 && worker.ready() == 0 &&
             worker.in_progress() == 0;
    }
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings_.drain_timeout_ns;
  }

 private:
  // Echo runs for the duration; a drain run sends until the connection is
  // told the server shuts down, with the duration as an upper bound.
  bool MaySend(const Connection& c, int64_t now_ns) const {
    return now_ns < end_ns() && !(until_drained_ && c.shutdown_notice);
  }
  int64_t end_ns() const { return setup_.start_ns() + settings_.duration_ns; }

  ScenarioSettings settings_;
  SetupPhase setup_;
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
