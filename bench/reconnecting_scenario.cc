#include "bench/reconnecting_scenario.h"

#include "bench/worker.h"

namespace botrelay::bench {

void ReconnectingScenario::Start(Worker& worker, int64_t now_ns) {
  start_ns_ = clock_.Start(now_ns);
  worker.SetWindow(start_ns_, end_ns());
  for (Connection& c : worker.connections()) worker.Open(c);
}

void ReconnectingScenario::ReopenBeforeEnd(Worker& worker, Connection& connection, int64_t now_ns) {
  if (now_ns < end_ns()) worker.Open(connection);
}

}  // namespace botrelay::bench
