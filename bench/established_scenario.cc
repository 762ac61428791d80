#include "bench/established_scenario.h"

#include "bench/worker.h"

namespace botrelay::bench {

void EstablishedScenario::Start(Worker& worker, int64_t now_ns) {
  setup_.Begin(worker, now_ns, ConnectionsToOpen(worker));
}

size_t EstablishedScenario::ConnectionsToOpen(const Worker& worker) const {
  return worker.connections().size();
}

int64_t EstablishedScenario::Tick(Worker& worker, int64_t now_ns) {
  switch (setup_.Poll(worker, now_ns)) {
    case SetupPhase::Step::kWaiting:
      return now_ns + SetupPhase::kPollNs;
    case SetupPhase::Step::kTimedOut:
      return now_ns;
    case SetupPhase::Step::kStartsNow:
      worker.SetWindow(setup_.start_ns(), end_ns());
      return OnMeasurementStart(worker, now_ns);
    case SetupPhase::Step::kRunning:
      return OnMeasurementTick(worker, now_ns);
  }
  return now_ns;
}

}  // namespace botrelay::bench
