#include "dataplane/protocol/types.h"

namespace botrelay::protocol {

std::string_view GenerationName(ClientGeneration generation) {
  switch (generation) {
    case ClientGeneration::kV32: return "v3.2";
    case ClientGeneration::kV33: return "v3.3";
  }
  return "unknown";
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson: return "invalid_json";
    case ErrorCode::kInvalidUtf8: return "invalid_utf8";
    case ErrorCode::kInvalidPayload: return "invalid_payload";
    case ErrorCode::kMissingField: return "missing_field";
    case ErrorCode::kUnknownEvent: return "unknown_event";
    case ErrorCode::kEmptyLine: return "empty_line";
    case ErrorCode::kLineTooLong: return "line_too_long";
    case ErrorCode::kTextTooLong: return "text_too_long";
    case ErrorCode::kHandshakeRequired: return "handshake_required";
    case ErrorCode::kHandshakeInvalid: return "handshake_invalid";
    case ErrorCode::kHandshakeTimeout: return "handshake_timeout";
    case ErrorCode::kServerBusy: return "server_busy";
    case ErrorCode::kAuthFailed: return "auth_failed";
    case ErrorCode::kReplay: return "replay";
    case ErrorCode::kDeviceNotApproved: return "device_not_approved";
    case ErrorCode::kDeviceRefused: return "device_refused";
    case ErrorCode::kStoreUnavailable: return "store_unavailable";
    case ErrorCode::kOverloaded: return "overloaded";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kProcessingTimeout: return "processing_timeout";
    case ErrorCode::kProcessingFailed: return "processing_failed";
    case ErrorCode::kUpstreamUnavailable: return "upstream_unavailable";
    case ErrorCode::kSessionReplaced: return "session_replaced";
    case ErrorCode::kPingTimeout: return "ping_timeout";
    case ErrorCode::kIdleTimeout: return "idle_timeout";
    case ErrorCode::kDisconnected: return "disconnected";
    case ErrorCode::kShuttingDown: return "shutting_down";
    case ErrorCode::kConnectionRateLimited: return "connection_rate_limited";
    case ErrorCode::kTooManyConnections: return "too_many_connections";
    case ErrorCode::kBanned: return "banned";
    case ErrorCode::kDeviceFlapping: return "device_flapping";
  }
  return "unknown";
}

std::string_view OutboundEventName(OutboundEvent event) {
  switch (event) {
    case OutboundEvent::kHandshakeComplete: return "handshakeComplete";
    case OutboundEvent::kMessageResponse: return "messageResponse";
    case OutboundEvent::kScheduleMessage: return "scheduleMessage";
    case OutboundEvent::kPing: return "ping";
    case OutboundEvent::kError: return "error";
    case OutboundEvent::kServerShutdown: return "serverShutdown";
    case OutboundEvent::kServerMigration: return "serverMigration";
  }
  return "unknown";
}

}  // namespace botrelay::protocol
