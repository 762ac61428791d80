#pragma once
// Builds client-to-server lines byte for byte as the deployed bridge scripts
// write them (bridge-v3.2.2.js for kV32, bridge-v3.3.2+/v3.3.3 for kV33):
// JSON.stringify key order, compact JSON, the v3.3 envelope fields
// (timestamp, timezone, message_positions) appended by _sendV330Message,
// the base64 raw tail, and the terminating LF.
//
// Every builder takes `now_ms` (Date.now()) so frames are reproducible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace botrelay::testbot {

enum class Generation : uint8_t {
  kV32,  // flat handshake, `analyze`, reads every line with JSON.parse
  kV33,  // envelope handshake, `message` + base64 tail, JSON + raw tail
};
std::string_view GenerationName(Generation generation);  // "v3.2" / "v3.3"

// The event a phone answers a server ping with: `ping` (v3.2, v3.3.0-3.3.2)
// or `pong` (v3.3.3 / bridge.js).
enum class PingReplyStyle : uint8_t { kPing, kPong };

// BOT_CONFIG of the script plus what the device reports about itself.
struct PhoneIdentity {
  Generation generation = Generation::kV33;
  std::string bot_name = "LOA.i";
  std::string device_id = "ccbd8eee1012327e";   // Android ID
  std::string version = "3.3.2";                // BOT_CONFIG.VERSION as sent
  std::string client_type = "MessengerBotR";
  std::string device_ip = "unknown";            // socket local address: handshake and auth
  std::string device_info = "samsung SM-G991N (Android 13, API 33)";
  std::string device_uuid = "unknown";          // Device.getAndroidId() or "unknown"
  std::string mac_address = "02:00:00:00:00:00";
  std::string secret_key;
  std::string salt;
};

// How the `auth` block of one frame is produced.
struct AuthOptions {
  enum class Mode : uint8_t {
    kSigned,            // as the phone does
    kOmitted,           // no `auth` key at all
    kCorruptSignature,  // correct shape, one hex digit of the signature changed
  };
  Mode mode = Mode::kSigned;
  // auth.timestamp; default now_ms. A fixed value reproduces a block exactly
  // (replay tests) or makes it stale.
  std::optional<int64_t> timestamp_ms;
  // auth.botName (signed as given); default the identity's bot name.
  std::optional<std::string> bot_name;
};

// One KakaoTalk message as the script reports it.
struct ChatMessage {
  std::string room = "테스트방";
  std::string text;
  std::optional<std::string> channel_id = std::string("18445682959392711");  // null if absent
  std::string sender = "홍길동";
  bool is_group_chat = true;
  std::optional<std::string> log_id;     // null if absent
  std::optional<std::string> user_hash;  // null (v3.3) / omitted (v3.2) if absent
  bool is_mention = false;
  // Apply the script's sanitizeText (65,000-unit cut, control characters).
  // Off for tests that must send what a phone never would.
  bool sanitize = true;
  AuthOptions auth;
};

// Java-heap figures the script reports in ping replies (monitoring).
struct Monitoring {
  double total_memory = 256.0;
  double memory_usage = 30.5;
  double memory_percent = 11.9;
  int64_t message_queue_size = 0;
  int64_t active_rooms = 3;
};

// What the script copies from the server's ping into its reply.
struct PingEcho {
  std::optional<std::string> bot_name;               // data.bot_name if a string
  std::optional<std::string> server_timestamp_json;  // the value's JSON text, echoed verbatim
};

std::string BuildHandshakeLine(const PhoneIdentity& phone, int64_t now_ms);

// Uses message.text verbatim (sanitising is the caller's decision).
std::string BuildChatLine(const PhoneIdentity& phone, const ChatMessage& message, int64_t now_ms);

std::string BuildPingReplyLine(const PhoneIdentity& phone, PingReplyStyle style,
                               const PingEcho& echo, const std::optional<Monitoring>& monitoring,
                               const AuthOptions& auth, int64_t now_ms);

}  // namespace botrelay::testbot
