#pragma once
// The v3.3 bridge-script wire format, both directions, as far as the
// benchmark and its reference server need it (see docs/protocol.md):
//   frame = compact JSON object + optional raw tail + LF; the JSON ends at the
//   line's last '}'.
// Builders append to a caller-owned buffer (no allocation once it has grown).
// The reader is a scanner for the compact JSON that relayd and relaybench
// write, not a general JSON parser: it finds the first "key": of a name.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bench/auth_signer.h"

namespace botrelay::bench {

inline constexpr std::string_view kClientType = "MessengerBotR";
inline constexpr std::string_view kClientVersion = "3.3.2";
inline constexpr std::string_view kMacAddress = "02:00:00:00:00:00";
inline constexpr std::string_view kEchoPrefix = "# echo ";
inline constexpr std::string_view kEchoReplyPrefix = "에코: ";

// Who is speaking: the handshake identity plus the socket's local address,
// which the script reports as deviceIP and signs as ipAddress.
struct Speaker {
  std::string_view bot_name;
  std::string_view device_id;
  std::string_view local_ip;
};

// The auth block of one frame: the signing time and its signature.
struct AuthStamp {
  int64_t timestamp_ms;
  const Signature* signature;
};

SignedFields SignedFieldsOf(const Speaker& speaker);

// `iso_now` is the script's `new Date().toISOString()`.
void AppendHandshake(std::string& out, const Speaker& speaker, std::string_view iso_now);
// A chat `message` whose base64 tail carries `text`.
void AppendChatMessage(std::string& out, const Speaker& speaker, std::string_view room,
                       std::string_view channel_id, uint64_t log_id, std::string_view text,
                       std::string_view iso_now, const AuthStamp& auth);
// The v3.3.3 reply to a server ping; `server_timestamp` is echoed raw.
void AppendPong(std::string& out, const Speaker& speaker, std::string_view server_timestamp,
                std::string_view iso_now, const AuthStamp& auth);

struct InboundFrame {
  std::string_view event;  // empty if the line has no usable JSON object
  std::string_view json;   // the object, up to and including the last '}'
  std::string_view tail;   // everything after it
};
InboundFrame SplitFrame(std::string_view line);

// The raw (still JSON-escaped) contents of the first string member `key`.
std::optional<std::string_view> FindString(std::string_view json, std::string_view key);
// The first boolean member `key`.
std::optional<bool> FindBool(std::string_view json, std::string_view key);

// `new Date().toISOString()` for a Unix time in ms, reformatted only when
// the millisecond changes.
class IsoClock {
 public:
  std::string_view Format(int64_t unix_ms);

 private:
  int64_t unix_ms_ = -1;
  char text_[32] = {};
  size_t size_ = 0;
};

}  // namespace botrelay::bench
