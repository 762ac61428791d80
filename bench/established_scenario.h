#pragma once
// Base of the scenarios that measure established connections (echo, drain,
// open loop, idle): it runs the SetupPhase, opens the worker's measurement
// window when the shared start arrives, and hands every tick after that to
// the scenario.

#include <cstddef>
#include <cstdint>

#include "bench/run_clock.h"
#include "bench/scenario.h"
#include "bench/scenarios.h"
#include "bench/setup_phase.h"

namespace botrelay::bench {

class EstablishedScenario : public Scenario {
 public:
  void Start(Worker& worker, int64_t now_ns) final;
  int64_t Tick(Worker& worker, int64_t now_ns) final;

 protected:
  EstablishedScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings), setup_(clock, settings.setup_timeout_ns) {}

  // Once, on the tick the measurement starts: the connections setup could
  // establish are ready. Returns when to tick next; by default the tick is
  // handled like any other measuring tick.
  virtual int64_t OnMeasurementStart(Worker& worker, int64_t now_ns) {
    return OnMeasurementTick(worker, now_ns);
  }
  // Every later tick until the run finishes.
  virtual int64_t OnMeasurementTick(Worker& worker, int64_t now_ns) = 0;
  // How many of the worker's connections (the first ones) the setup opens;
  // by default all of them.
  virtual size_t ConnectionsToOpen(const Worker& worker) const;

  const ScenarioSettings& settings() const { return settings_; }
  const SetupPhase& setup() const { return setup_; }
  int64_t end_ns() const { return setup_.start_ns() + settings_.duration_ns; }

 private:
  ScenarioSettings settings_;
  SetupPhase setup_;
};

}  // namespace botrelay::bench
