#pragma once
// The load patterns. Each worker gets its own scenario instance for its
// slice of the connections; the instances of one run share a RunClock.

#include <cstdint>
#include <memory>

#include "bench/run_clock.h"
#include "bench/scenario.h"

namespace botrelay::bench {

struct ScenarioSettings {
  int64_t duration_ns = 0;
  int64_t setup_timeout_ns = 0;     // to get every connection handshaken first
  int64_t drain_timeout_ns = 0;     // to collect outstanding replies after the end
  int inflight = 1;                 // echo/churn: requests in flight per connection
  double rate_per_second = 0;       // open: this worker's share of the total rate
  int64_t phase_ns = 0;             // open: this worker's offset in the shared schedule
  int echoes_per_session = 1;       // churn
  int64_t drain_after_ns = 0;       // drain: when the observer sends SIGTERM
};

// Closed loop: every connection keeps `inflight` echoes outstanding for the
// duration, then waits for the rest.
std::unique_ptr<Scenario> MakeEchoScenario(const ScenarioSettings& settings, RunClock& clock);
// Like echo, but runs until the server has drained and closed every
// connection; a connection stops sending once it sees serverShutdown.
std::unique_ptr<Scenario> MakeDrainScenario(const ScenarioSettings& settings, RunClock& clock);
// Open loop: sends on a fixed schedule regardless of replies; latency counts
// from the scheduled time.
std::unique_ptr<Scenario> MakeOpenLoopScenario(const ScenarioSettings& settings, RunClock& clock);
// Holds handshaken connections, answering pings, for the duration.
std::unique_ptr<Scenario> MakeIdleScenario(const ScenarioSettings& settings, RunClock& clock);
// Connect, handshake, close, repeat, for the duration.
std::unique_ptr<Scenario> MakeHandshakeScenario(const ScenarioSettings& settings, RunClock& clock);
// Connect, handshake, send `echoes_per_session` echoes, close, repeat.
std::unique_ptr<Scenario> MakeChurnScenario(const ScenarioSettings& settings, RunClock& clock);

}  // namespace botrelay::bench
