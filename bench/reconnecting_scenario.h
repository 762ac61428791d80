#pragma once
// Base of the scenarios whose connections cycle through connect, handshake
// and close for the whole run (handshake storm, churn): the measurement
// starts at once, with no setup phase, and a connection that ends before the
// end of the run opens again.

#include <cstdint>

#include "bench/run_clock.h"
#include "bench/scenario.h"
#include "bench/scenarios.h"

namespace botrelay::bench {

class ReconnectingScenario : public Scenario {
 public:
  void Start(Worker& worker, int64_t now_ns) final;
  void OnLost(Worker& worker, Connection& connection, int64_t now_ns) final {
    ReopenBeforeEnd(worker, connection, now_ns);
  }

 protected:
  ReconnectingScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings), clock_(clock) {}

  // Opens `connection` again unless the run is over.
  void ReopenBeforeEnd(Worker& worker, Connection& connection, int64_t now_ns);

  const ScenarioSettings& settings() const { return settings_; }
  int64_t end_ns() const { return start_ns_ + settings_.duration_ns; }

 private:
  ScenarioSettings settings_;
  RunClock& clock_;
  int64_t start_ns_ = 0;
};

}  // namespace botrelay::bench
