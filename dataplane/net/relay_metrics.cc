#include "dataplane/net/relay_metrics.h"

#include <string>

namespace botrelay::net {

std::string_view HandshakeResultName(HandshakeResult result) {
  switch (result) {
    case HandshakeResult::kApproved: return "approved";
    case HandshakeResult::kPending: return "pending";
    case HandshakeResult::kRefused: return "refused";
    case HandshakeResult::kUnknownRefused: return "unknown_refused";
    case HandshakeResult::kThrottled: return "throttled";
    case HandshakeResult::kStoreUnavailable: return "store_unavailable";
    case HandshakeResult::kInvalid: return "invalid";
    case HandshakeResult::kTimeout: return "timeout";
    case HandshakeResult::kFlapping: return "flapping";
  }
  return "unknown";
}

std::string_view ConnStateName(ConnState state) {
  switch (state) {
    case ConnState::kHandshaking: return "handshaking";
    case ConnState::kPending: return "pending";
    case ConnState::kApproved: return "approved";
    case ConnState::kClosing: return "closing";
  }
  return "unknown";
}

std::string_view RateLimitScopeName(RateLimitScope scope) {
  switch (scope) {
    case RateLimitScope::kConnection: return "connection";
    case RateLimitScope::kBot: return "bot";
  }
  return "unknown";
}

namespace {

std::string Str(std::string_view v) { return std::string(v); }

// One counter per enum value, labelled with the value's name.
template <typename Enum, size_t N, typename NameFn>
void AddFamily(metrics::Registry& r, std::array<metrics::Counter*, N>& out, const char* name,
               const char* help, const char* label, NameFn value_name, size_t first = 0) {
  out.fill(nullptr);
  for (size_t i = first; i < N; ++i) {
    out[i] = &r.AddCounter(name, help, {{label, Str(value_name(static_cast<Enum>(i)))}});
  }
}

}  // namespace

RelayMetrics::RelayMetrics(metrics::Registry& r)
    : connections_accepted(r.AddCounter("botrelay_connections_accepted_total",
                                        "TCP connections accepted on the bot port")),
      connections_rejected_busy(r.AddCounter("botrelay_connections_rejected_total",
                                             "Connections refused at accept",
                                             {{"reason", "server_busy"}})),
      connections_rejected_draining(r.AddCounter("botrelay_connections_rejected_total",
                                                 "Connections refused at accept",
                                                 {{"reason", "draining"}})),
      replays(r.AddCounter("botrelay_replays_total",
                           "Frames refused because they repeat an accepted frame")),
      bytes_in(r.AddCounter("botrelay_bytes_in_total", "Bytes read from bot connections")),
      bytes_out(r.AddCounter("botrelay_bytes_out_total", "Bytes written to bot connections")),
      messages_accepted(r.AddCounter("botrelay_messages_accepted_total",
                                     "Chat messages accepted for processing")),
      messages_answered(r.AddCounter("botrelay_messages_answered_total",
                                     "Accepted chat messages whose processing ended (answered, failed or timed out)")),
      messages_timed_out(r.AddCounter("botrelay_messages_timed_out_total",
                                      "Accepted chat messages that missed their deadline")),
      messages_failed(r.AddCounter("botrelay_messages_failed_total",
                                   "Accepted chat messages a processor failed on")),
      replies_undeliverable(r.AddCounter(
          "botrelay_replies_undeliverable_total",
          "Reply frames dropped because no connection held the device any more")),
      processing_latency(r.AddHistogram("botrelay_processing_latency_seconds",
                                        "Time from accepting a chat message to its completion",
                                        metrics::LatencyBucketsSeconds())),
      pings_sent(r.AddCounter("botrelay_pings_sent_total", "Server pings sent")),
      ping_replies(r.AddCounter("botrelay_ping_replies_total", "Ping replies received")),
      ping_timeouts(r.AddCounter("botrelay_ping_timeouts_total",
                                 "Connections closed for not answering pings")),
      ping_rtt(r.AddHistogram("botrelay_ping_rtt_seconds", "Round-trip time of server pings",
                              metrics::LatencyBucketsSeconds())),
      slow_consumer_closes(r.AddCounter(
          "botrelay_slow_consumer_closes_total",
          "Connections closed because their outbound buffer exceeded the limit")),
      early_lines_accepted(r.AddCounter(
          "botrelay_early_lines_accepted_total",
          "Chat lines received before the handshake and processed after it")),
      pushes(r.AddCounter("botrelay_pushes_total", "Admin push messages queued to connections")),
      draining(r.AddGauge("botrelay_draining", "1 while a drain is in progress")),
      drain_connections_remaining(r.AddGauge("botrelay_drain_connections_remaining",
                                             "Connections left to close in the current drain")),
      migration_selected(r.AddCounter("botrelay_migration_selected_total",
                                      "Connections selected for migration")),
      migration_notified(r.AddCounter("botrelay_migration_notified_total",
                                      "Connections sent a serverMigration event")),
      migration_closed(r.AddCounter("botrelay_migration_closed_total",
                                    "Migrated connections closed")),
      connections_closed(r.AddCounter("botrelay_connections_closed_total",
                                      "Bot connections closed, for any reason")),
      lines_discarded_after_close(r.AddCounter(
          "botrelay_lines_discarded_after_close_total",
          "Lines a phone sent after relayd had half-closed the connection")) {
  for (int i = 0; i < kConnStateCount; ++i) {
    connections_by_state[i] =
        &r.AddGauge("botrelay_connections", "Open bot connections by state",
                    {{"state", Str(ConnStateName(static_cast<ConnState>(i)))}});
  }
  AddFamily<RateLimitScope>(r, rate_limited, "botrelay_rate_limited_total",
                            "Chat messages refused with rate_limited, by the limit that refused them",
                            "scope", RateLimitScopeName);
  AddFamily<HandshakeResult>(r, handshakes, "botrelay_handshakes_total", "Handshakes by result",
                             "result", HandshakeResultName);
  // Index 0 (kOk) is not a failure and has no series.
  AddFamily<auth::AuthOutcome>(r, auth_failures, "botrelay_auth_failures_total",
                               "Frames whose auth block failed verification", "reason",
                               auth::AuthOutcomeName, /*first=*/1);
  static constexpr std::string_view kInboundNames[] = {"handshake", "chat", "ping_reply",
                                                       "invalid"};
  AddFamily<InboundKind>(r, messages_in, "botrelay_messages_in_total", "Lines received by kind",
                         "event", [](InboundKind k) { return kInboundNames[static_cast<int>(k)]; });
  AddFamily<protocol::OutboundEvent>(r, messages_out, "botrelay_messages_out_total",
                                     "Frames sent by event", "event", protocol::OutboundEventName);
  AddFamily<protocol::ErrorCode>(r, errors_sent, "botrelay_errors_sent_total",
                                 "Error events sent (or due, for closed peers) by code", "code",
                                 protocol::ErrorCodeName);
}

}  // namespace botrelay::net
