#include "dataplane/upstream/upstream_metrics.h"

#include <string>

namespace botrelay::upstream {

std::string_view UpstreamOutcomeName(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kOk: return "ok";
    case UpstreamOutcome::kRejected: return "rejected";
    case UpstreamOutcome::kServerError: return "server_error";
    case UpstreamOutcome::kMalformed: return "malformed";
    case UpstreamOutcome::kTimeout: return "timeout";
    case UpstreamOutcome::kConnectError: return "connect_error";
    case UpstreamOutcome::kIoError: return "io_error";
    case UpstreamOutcome::kBreakerOpen: return "breaker_open";
    case UpstreamOutcome::kInFlightLimit: return "in_flight_limit";
  }
  return "unknown";
}

bool IsBackendFailure(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kServerError:
    case UpstreamOutcome::kMalformed:
    case UpstreamOutcome::kTimeout:
    case UpstreamOutcome::kConnectError:
    case UpstreamOutcome::kIoError:
      return true;
    default:
      return false;
  }
}

UpstreamMetrics::UpstreamMetrics(metrics::Registry& r)
    : request_duration(r.AddHistogram("botrelay_upstream_request_duration_seconds",
                                      "Time from sending a message to the upstream backend to "
                                      "its answer (requests actually sent)",
                                      metrics::LatencyBucketsSeconds())),
      in_flight(r.AddGauge("botrelay_upstream_requests_in_flight",
                           "Requests sent to the upstream backend and not yet answered")),
      connections_opened(r.AddCounter("botrelay_upstream_connections_opened_total",
                                      "TCP connections opened to the upstream backend")),
      retries(r.AddCounter("botrelay_upstream_retries_total",
                           "Requests resent on a new connection because a pooled keep-alive "
                           "connection had been closed by the backend")) {
  for (int i = 0; i < kUpstreamOutcomeCount; ++i) {
    requests[i] = &r.AddCounter(
        "botrelay_upstream_requests_total", "Chat messages for the upstream backend, by outcome",
        {{"outcome", std::string(UpstreamOutcomeName(static_cast<UpstreamOutcome>(i)))}});
  }
  for (int i = 0; i < kBreakerStateCount; ++i) {
    const std::string state(BreakerStateName(static_cast<BreakerState>(i)));
    breaker_shards[i] = &r.AddGauge("botrelay_upstream_breaker_state",
                                    "Event-loop threads whose upstream circuit breaker is in "
                                    "this state",
                                    {{"state", state}});
    breaker_transitions[i] = &r.AddCounter("botrelay_upstream_breaker_transitions_total",
                                           "Upstream circuit breaker state changes, by new state",
                                           {{"to", state}});
  }
}

}  // namespace botrelay::upstream
