// Handshake storm: every connection slot connects, handshakes and closes in
// a loop for the duration; the rate is handshakes completed per second.

#include "bench/reconnecting_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class HandshakeScenario final : public ReconnectingScenario {
 public:
  HandshakeScenario(const ScenarioSettings& settings, RunClock& clock)
      : ReconnectingScenario(settings, clock) {}

  void OnReady(Worker& worker, Connection& c, int64_t now_ns) override {
    worker.Close(c);
    ReopenBeforeEnd(worker, c, now_ns);
  }

  int64_t Tick(Worker& worker, int64_t now_ns) override { return end_ns(); }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    return now_ns >= end_ns() && worker.in_progress() == 0;
  }
};

}  // namespace

std::unique_ptr<Scenario> MakeHandshakeScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<HandshakeScenario>(settings, clock);
}

}  // namespace botrelay::bench
