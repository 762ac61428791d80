#pragma once
// The data plane's metrics, registered once in the shared registry. Names
// and meanings are listed in docs/operations.md.

#include <array>
#include <string_view>

#include "dataplane/auth/auth_verifier.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/protocol/types.h"

namespace botrelay::net {

enum class HandshakeResult : uint8_t {
  kApproved, kPending, kRefused, kUnknownRefused, kThrottled, kStoreUnavailable, kInvalid,
  kTimeout, kFlapping,
};
inline constexpr int kHandshakeResultCount = static_cast<int>(HandshakeResult::kFlapping) + 1;

enum class InboundKind : uint8_t { kHandshake, kChat, kPingReply, kInvalid };
inline constexpr int kInboundKindCount = static_cast<int>(InboundKind::kInvalid) + 1;

// Whose message rate limit refused a chat message.
enum class RateLimitScope : uint8_t { kConnection, kBot };
inline constexpr int kRateLimitScopeCount = static_cast<int>(RateLimitScope::kBot) + 1;

enum class ConnState : uint8_t { kHandshaking, kPending, kApproved, kClosing };
inline constexpr int kConnStateCount = static_cast<int>(ConnState::kClosing) + 1;

struct RelayMetrics {
  explicit RelayMetrics(metrics::Registry& registry);

  metrics::Counter& connections_accepted;
  metrics::Counter& connections_rejected_busy;
  metrics::Counter& connections_rejected_draining;
  std::array<metrics::Gauge*, kConnStateCount> connections_by_state;
  std::array<metrics::Counter*, kHandshakeResultCount> handshakes;
  std::array<metrics::Counter*, auth::kAuthOutcomeCount> auth_failures;  // [kOk] unused
  metrics::Counter& replays;
  std::array<metrics::Counter*, kInboundKindCount> messages_in;
  std::array<metrics::Counter*, protocol::kOutboundEventCount> messages_out;
  std::array<metrics::Counter*, protocol::kErrorCodeCount> errors_sent;
  metrics::Counter& bytes_in;
  metrics::Counter& bytes_out;
  metrics::Counter& messages_accepted;
  metrics::Counter& messages_answered;
  metrics::Counter& messages_timed_out;
  metrics::Counter& messages_failed;
  metrics::Counter& replies_undeliverable;
  metrics::Histogram& processing_latency;
  metrics::Counter& pings_sent;
  metrics::Counter& ping_replies;
  metrics::Counter& ping_timeouts;
  metrics::Histogram& ping_rtt;
  metrics::Counter& slow_consumer_closes;
  std::array<metrics::Counter*, kRateLimitScopeCount> rate_limited;
  metrics::Counter& early_lines_accepted;
  metrics::Counter& pushes;
  metrics::Gauge& draining;
  metrics::Gauge& drain_connections_remaining;
  metrics::Counter& migration_selected;
  metrics::Counter& migration_notified;
  metrics::Counter& migration_closed;
  metrics::Counter& connections_closed;
  metrics::Counter& lines_discarded_after_close;

  void Error(protocol::ErrorCode code) { errors_sent[static_cast<int>(code)]->Inc(); }
  void Out(protocol::OutboundEvent event) { messages_out[static_cast<int>(event)]->Inc(); }
};

std::string_view HandshakeResultName(HandshakeResult result);
std::string_view ConnStateName(ConnState state);
std::string_view RateLimitScopeName(RateLimitScope scope);  // "connection" / "bot"

}  // namespace botrelay::net
