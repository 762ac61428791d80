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

namespace {

std::string Str(std::string_view v) { return std::string(v); }

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
                                     "Accepted chat messages whose processing completed")),
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
                                      "Bot connections closed, for any reason")) {
  for (int i = 0; i < kConnStateCount; ++i) {
    connections_by_state[i] =
        &r.AddGauge("botrelay_connections", "Open bot connections by state",
                    {{"state", Str(ConnStateName(static_cast<ConnState>(i)))}});
  }
  for (int i = 0; i < kHandshakeResultCount; ++i) {
    handshakes[i] = &r.AddCounter(
        "botrelay_handshakes_total", "Handshakes by result",
        {{"result", Str(HandshakeResultName(static_cast<HandshakeResult>(i)))}});
  }
  for (int i = 1; i < auth::kAuthOutcomeCount; ++i) {
    auth_failures[i] = &r.AddCounter(
        "botrelay_auth_failures_total", "Frames whose auth block failed verification",
        {{"reason", Str(auth::AuthOutcomeName(static_cast<auth::AuthOutcome>(i)))}});
  }
  auth_failures[0] = nullptr;
  static constexpr std::string_view kInboundNames[] = {"handshake", "chat", "ping_reply",
                                                       "invalid"};
  for (int i = 0; i < kInboundKindCount; ++i) {
    messages_in[i] = &r.AddCounter("botrelay_messages_in_total", "Lines received by kind",
                                   {{"event", Str(kInboundNames[i])}});
  }
  for (int i = 0; i < protocol::kOutboundEventCount; ++i) {
    messages_out[i] = &r.AddCounter(
        "botrelay_messages_out_total", "Frames sent by event",
        {{"event", Str(protocol::OutboundEventName(static_cast<protocol::OutboundEvent>(i)))}});
  }
  for (int i = 0; i < protocol::kErrorCodeCount; ++i) {
    errors_sent[i] = &r.AddCounter(
        "botrelay_errors_sent_total", "Error events sent (or due, for closed peers) by code",
        {{"code", Str(protocol::ErrorCodeName(static_cast<protocol::ErrorCode>(i)))}});
  }
}

}  // namespace botrelay::net
