#pragma once
// Wire-level vocabulary shared by the decoder, the encoder and the sessions.

#include <cstdint>
#include <string_view>

namespace botrelay::protocol {

// Which bridge-script family a connection speaks; chosen by the handshake shape
// and fixed for the life of the connection.
enum class ClientGeneration : uint8_t {
  kV32,  // legacy: flat handshake, `analyze`, plain-JSON replies with data.text
  kV33,  // envelope handshake, `message` with base64 tail, replies with raw tail
};
std::string_view GenerationName(ClientGeneration generation);  // "v3.2" / "v3.3"

// Codes carried in {"event":"error","data":{"code":...}}. The names are part of
// the protocol (docs/protocol.md) and of the metric label `code`.
enum class ErrorCode : uint8_t {
  kInvalidJson,         // line is not a JSON object / no closing brace
  kInvalidUtf8,         // line or decoded text is not UTF-8
  kInvalidPayload,      // raw tail is not valid base64
  kMissingField,        // a required field is absent or has the wrong type
  kUnknownEvent,        // event name relayd does not handle
  kEmptyLine,           // blank line
  kLineTooLong,         // line exceeds the size limit (connection closed)
  kTextTooLong,         // chat text exceeds the KakaoTalk limit
  kHandshakeRequired,   // too many lines before a handshake
  kHandshakeInvalid,    // first line is not a usable handshake (closed)
  kHandshakeTimeout,    // no handshake in time (closed)
  kServerBusy,          // connection limit reached (closed)
  kAuthFailed,          // auth block missing, stale or wrongly signed
  kReplay,              // frame already accepted inside the window
  kDeviceNotApproved,   // device is pending; message not processed
  kDeviceRefused,       // device blocked/denied/revoked/unknown (closed)
  kStoreUnavailable,    // device registry unreadable; fail closed (closed)
  kOverloaded,          // processing capacity exhausted
  kRateLimited,         // message over a per-connection or per-bot rate limit
  kProcessingTimeout,   // message missed its processing deadline
  kProcessingFailed,    // a processor failed; no reply
  kUpstreamUnavailable, // the upstream backend failed, timed out or its circuit breaker is open
  kSessionReplaced,     // a newer connection took over this device (closed)
  kPingTimeout,         // no ping reply in time (closed)
  kIdleTimeout,         // no traffic in time (closed)
  kDisconnected,        // an admin closed the connection (closed)
  kShuttingDown,        // relayd is draining and refuses new work
  kConnectionRateLimited,  // this address opens connections too fast (closed at accept)
  kTooManyConnections,  // this address holds too many open connections (closed at accept)
  kBanned,              // this address is temporarily banned (closed at accept; a manual ban also closes open connections)
  kDeviceFlapping,      // this device reconnects too often; cool-down (closed)
};
inline constexpr int kErrorCodeCount = static_cast<int>(ErrorCode::kDeviceFlapping) + 1;
std::string_view ErrorCodeName(ErrorCode code);  // "invalid_json", ...

// Events relayd sends; used for the `event` label of messages-out metrics.
enum class OutboundEvent : uint8_t {
  kHandshakeComplete,
  kMessageResponse,
  kScheduleMessage,
  kPing,
  kError,
  kServerShutdown,
  kServerMigration,
};
inline constexpr int kOutboundEventCount = static_cast<int>(OutboundEvent::kServerMigration) + 1;
std::string_view OutboundEventName(OutboundEvent event);

// KakaoTalk rejects longer messages; counted in UTF-16 code units because the
// phone's JavaScript truncates by String.length.
inline constexpr size_t kKakaoTalkMaxTextUnits = 65000;

}  // namespace botrelay::protocol
