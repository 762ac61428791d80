#pragma once
// The upstream processor's metrics (docs/operations.md, "Upstream"),
// registered once and shared by every event-loop thread.

#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/upstream/circuit_breaker.h"

namespace botrelay::upstream {

// How one forwarded message ended, from the backend's point of view.
enum class UpstreamOutcome : uint8_t {
  kOk,             // 2xx with a valid reply (replies, none, or an error answer)
  kRejected,       // 4xx: the backend is up and refused the message
  kServerError,    // 5xx or another unexpected status
  kMalformed,      // 2xx whose body is not a valid reply, or is too large
  kTimeout,        // no complete answer within upstream-request-timeout
  kConnectError,   // name resolution or connect failed
  kIoError,        // the connection broke while sending or receiving
  kBreakerOpen,    // not sent: the circuit breaker is open
  kInFlightLimit,  // not sent: upstream-max-in-flight requests already pending
};
inline constexpr int kUpstreamOutcomeCount = static_cast<int>(UpstreamOutcome::kInFlightLimit) + 1;
std::string_view UpstreamOutcomeName(UpstreamOutcome outcome);

// Whether the outcome says the backend is unhealthy (counts against the
// breaker). 4xx does not: a backend that refuses a message is up.
bool IsBackendFailure(UpstreamOutcome outcome);

struct UpstreamMetrics {
  explicit UpstreamMetrics(metrics::Registry& registry);

  std::array<metrics::Counter*, kUpstreamOutcomeCount> requests;
  metrics::Histogram& request_duration;
  metrics::Gauge& in_flight;
  metrics::Counter& connections_opened;
  metrics::Counter& retries;
  std::array<metrics::Gauge*, kBreakerStateCount> breaker_shards;  // shards in each state
  std::array<metrics::Counter*, kBreakerStateCount> breaker_transitions;  // by target state

  void Count(UpstreamOutcome outcome) { requests[static_cast<int>(outcome)]->Inc(); }
  void Transition(BreakerState from, BreakerState to) {
    breaker_shards[static_cast<int>(from)]->Add(-1);
    breaker_shards[static_cast<int>(to)]->Add(1);
    breaker_transitions[static_cast<int>(to)]->Inc();
  }
};

}  // namespace botrelay::upstream
