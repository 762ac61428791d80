// Churn: connections keep reconnecting while they chat. Each session
// handshakes, sends `echoes_per_session` echoes (at most `inflight` at a
// time), closes once all are answered, and starts over.

#include <algorithm>

#include "bench/scenarios.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class ChurnScenario final : public Scenario {
 public:
  ChurnScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings), clock_(clock) {}

  void Start(Worker& worker, int64_t now_ns) override {
    start_ns_ = clock_.Start(now_ns);
    worker.SetWindow(start_ns_, end_ns());
    for (Connection& c : worker.connections()) worker.Open(c);
  }

  void OnReady(Worker& worker, Connection& c, int64_t now_ns) override {
    if (now_ns >= end_ns()) {
      worker.Close(c);
      return;
    }
    const int first = std::min(settings_.inflight, settings_.echoes_per_session);
    for (int i = 0; i < first; ++i) worker.SendEcho(c, now_ns, now_ns);
  }

  void OnEchoAnswered(Worker& worker, Connection& c, int64_t now_ns) override {
    if (c.session_answered == settings_.echoes_per_session) {
      ++worker.stats().sessions_completed;
      worker.Close(c);
      if (now_ns < end_ns()) worker.Open(c);
    } else if (c.session_sent < settings_.echoes_per_session && now_ns < end_ns()) {
      worker.SendEcho(c, now_ns, now_ns);
    } else if (c.requests.outstanding() == 0) {
      worker.Close(c);  // the run ended mid-session
    }
  }

  void OnLost(Worker& worker, Connection& c, int64_t now_ns) override {
    if (now_ns < end_ns()) worker.Open(c);
  }

  int64_t Tick(Worker& worker, int64_t now_ns) override {
    return now_ns < end_ns() ? end_ns() : now_ns + 10'000'000;
  }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    if (now_ns < end_ns()) return false;
    return worker.outstanding() == 0 || now_ns >= end_ns() + settings_.drain_timeout_ns;
  }

 private:
  int64_t end_ns() const { return start_ns_ + settings_.duration_ns; }

  ScenarioSettings settings_;
  RunClock& clock_;
  int64_t start_ns_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> MakeChurnScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<ChurnScenario>(settings, clock);
}

}  // namespace botrelay::bench
