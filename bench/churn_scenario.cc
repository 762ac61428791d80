// Churn: connections keep reconnecting while they chat. Each session
// handshakes, sends `echoes_per_session` echoes (at most `inflight` at a
// time), closes once all are answered, and starts over.

#include <algorithm>

#include "bench/reconnecting_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class ChurnScenario final : public ReconnectingScenario {
 public:
  ChurnScenario(const ScenarioSettings& settings, RunClock& clock)
      : ReconnectingScenario(settings, clock) {}

  void OnReady(Worker& worker, Connection& c, int64_t now_ns) override {
    if (now_ns >= end_ns()) {
      worker.Close(c);
      return;
    }
    const int first = std::min(settings().inflight, settings().echoes_per_session);
    for (int i = 0; i < first; ++i) worker.SendEcho(c, now_ns, now_ns);
  }

  void OnEchoAnswered(Worker& worker, Connection& c, int64_t now_ns) override {
    if (c.session_answered == settings().echoes_per_session) {
      ++worker.stats().sessions_completed;
      worker.Close(c);
      ReopenBeforeEnd(worker, c, now_ns);
    } else if (c.session_sent < settings().echoes_per_session && now_ns < end_ns()) {
      worker.SendEcho(c, now_ns, now_ns);
    } else if (c.requests.outstanding() == 0) {
      worker.Close(c);  // the run ended mid-session
    }
  }

  int64_t Tick(Worker& worker, int64_t now_ns) override {
    return now_ns < end_ns() ? end_ns() : now_ns + 10'000'000;
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (now_ns < end_ns()) return false;
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings().drain_timeout_ns;
  }
};

}  // namespace

std::unique_ptr<Scenario> MakeChurnScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<ChurnScenario>(settings, clock);
}

}  // namespace botrelay::bench
