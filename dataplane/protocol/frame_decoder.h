#pragma once
// Turns one received line into a typed frame. The decoder owns reusable
// scratch storage (a simdjson parser and a text buffer), so decoding does not
// allocate once warm. Every string_view in a DecodedFrame points into the line
// or into that storage and is valid until the next Decode call.
//
// One decoder per event-loop thread: it is not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/protocol/types.h"

namespace botrelay::protocol {

// Bytes that must be readable (not necessarily initialised) after the end of
// every line passed to Decode. Read buffers reserve this much slack so the
// JSON parser can run in place without copying the line.
inline constexpr size_t kDecodePadding = 64;

// The HMAC `auth` block the bridge attaches to chat messages and ping replies.
// JSON null and absent string fields both read as empty, as JS Array.join
// treats them when the phone signs.
struct AuthBlock {
  bool present = false;          // `auth` key present and an object
  std::string_view client_type;
  std::string_view bot_name;
  std::string_view device_uuid;
  std::string_view device_id;
  std::string_view mac_address;
  std::string_view ip_address;
  std::string_view version;
  std::string_view signature;
  bool has_timestamp = false;    // integer (or integral number) timestamp present
  int64_t timestamp_ms = 0;
};

struct HandshakeFrame {
  ClientGeneration generation = ClientGeneration::kV33;
  std::string_view bot_name;     // required, non-empty
  std::string_view device_id;    // required, non-empty
  std::string_view version;      // required, non-empty
  std::string_view client_type;  // default "MessengerBotR"
  std::string_view device_ip;    // default "unknown"
  std::string_view device_info;  // default ""
};

// A chat message from either generation (`message` or `analyze`).
struct ChatFrame {
  std::string_view room;         // required, non-empty
  std::string_view text;         // decoded; required (may be empty only if tail empty)
  std::string_view channel_id;   // empty when absent or null
  std::string_view sender;
  std::string_view log_id;
  std::string_view user_hash;
  std::string_view timestamp;    // client's own timestamp string, informational
  bool is_group_chat = false;
  bool is_mention = false;
  AuthBlock auth;
};

// The phone's answer to a server ping: event `ping` (v3.2, v3.3.0-3.3.2) or
// `pong` (v3.3.3).
struct PingReplyFrame {
  // The echoed server_timestamp as its JSON text: the string contents for a
  // string, the digits for a number; empty if absent.
  std::string_view server_timestamp;
  bool has_monitoring = false;
  double total_memory_mb = 0;
  double memory_usage_mb = 0;
  double memory_percent = 0;
  int64_t message_queue_size = 0;
  int64_t active_rooms = 0;
  AuthBlock auth;
};

enum class FrameKind : uint8_t { kHandshake, kChat, kPingReply };

struct DecodedFrame {
  FrameKind kind = FrameKind::kChat;
  HandshakeFrame handshake;  // valid when kind == kHandshake
  ChatFrame chat;            // valid when kind == kChat
  PingReplyFrame ping;       // valid when kind == kPingReply
};

// Outcome of Decode: ok, or the error code to send and a short reason for
// the log and the error event (a string literal, never owned).
struct DecodeResult {
  bool ok = true;
  ErrorCode code = ErrorCode::kInvalidJson;
  std::string_view detail;

  static DecodeResult Ok() { return {}; }
  static DecodeResult Error(ErrorCode c, std::string_view why) { return {false, c, why}; }
};

class FrameDecoder {
 public:
  FrameDecoder();
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Decodes one line (without its LF). Leading/trailing ASCII whitespace,
  // including a CR, is ignored. The JSON header ends at the last '}' of the
  // line; the bytes after it are the raw tail. kDecodePadding bytes after
  // line.end() must be readable.
  //
  // Recognised shapes:
  //  * {"event":"handshake","data":{...}}          -> kHandshake, kV33
  //  * {"botName":...,"deviceID":...} (no event or event "handshake" without
  //    data; the legacy flat form)                   -> kHandshake, kV32
  //    (a flat form with "protocolVersion" >= 3 is the v3.3.0+ side branch:
  //    kV33)
  //  * {"event":"message","data":{...}}<base64>    -> kChat (text decoded
  //    from the tail when data.content_encoding == "base64", else verbatim;
  //    snake_case fields, camelCase accepted as fallback)
  //  * {"event":"analyze","data":{...}}            -> kChat (data.text)
  //  * {"event":"ping"|"pong","data":{...}}        -> kPingReply
  // Errors: kEmptyLine, kInvalidJson, kInvalidUtf8, kInvalidPayload,
  // kMissingField, kUnknownEvent, kTextTooLong (text over
  // kKakaoTalkMaxTextUnits UTF-16 units).
  DecodeResult Decode(std::string_view line, DecodedFrame& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace botrelay::protocol
