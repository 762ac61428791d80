// Handshake storm: every connection slot connects, handshakes and closes in
// a loop for the duration; the rate is handshakes completed per second.

#include "bench/scenarios.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

class HandshakeScenario final : public Scenario {
 public:
  HandshakeScenario(const ScenarioSettings& settings, RunClock& clock)
      : settings_(settings), clock_(clock) {}

  void Start(Worker& worker, int64_t now_ns) override {
    start_ns_ = clock_.Start(now_ns);
    worker.SetWindow(start_ns_, end_ns());
    for (Connection& c : worker.connections()) worker.Open(c);
  }

  void OnReady(Worker& worker, Connection& c, int64_t now_ns) override {
    worker.Close(c);
    if (now_ns < end_ns()) worker.Open(c);
  }

  void OnLost(Worker& worker, Connection& c, int64_t now_ns) override {
    if (now_ns < end_ns()) worker.Open(c);
  }

  int64_t Tick(Worker& worker, int64_t now_ns) override { return end_ns(); }

  bool Finished(const Worker& worker, int64_t now_ns) const override {
    return now_ns >= end_ns() && worker.in_progress() == 0;
  }

 private:
  int64_t end_ns() const { return start_ns_ + settings_.duration_ns; }

  ScenarioSettings settings_;
  RunClock& clock_;
  int64_t start_ns_ = 0;
};

}  // namespace

std::unique_ptr<Scenario> MakeHandshakeScenario(const ScenarioSettings& settings, RunClock& clock) {
  return std::make_unique<HandshakeScenario>(settings, clock);
}

}  // namespace botrelay::bench
