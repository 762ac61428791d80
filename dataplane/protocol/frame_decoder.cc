#include "dataplane/protocol/frame_decoder.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>

#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/text.h"

namespace botrelay::protocol {
namespace {

namespace dom = simdjson::dom;

static_assert(kDecodePadding >= simdjson::SIMDJSON_PADDING,
              "read buffers must leave the slack simdjson reads past the input");

using NumberTextBuffer = char[32];

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view TrimAsciiSpace(std::string_view line) {
  while (!line.empty() && IsAsciiSpace(line.front())) line.remove_prefix(1);
  while (!line.empty() && IsAsciiSpace(line.back())) line.remove_suffix(1);
  return line;
}

// The value under `key` when present and not null.
bool Find(const dom::object& object, std::string_view key, dom::element& value) {
  return object.at_key(key).get(value) == simdjson::SUCCESS && !value.is_null();
}

// Several members of one object, found in a single walk over it.
// object::at_key walks the object from its start on every call, so reading a
// dozen fields that way walks it a dozen times (it was the decoder's largest
// cost). As with at_key, the first of duplicate keys wins; keys[i] must be
// distinct and not empty, and are best listed in the order phones send them.
template <size_t N>
class Members {
 public:
  Members(const dom::object& object, const std::array<std::string_view, N>& keys) {
    size_t expected = 0;  // the key after the last one found: usually the next field
    for (const dom::key_value_pair field : object) {
      for (size_t n = 0; n < N; ++n) {
        const size_t i = expected + n < N ? expected + n : expected + n - N;
        // Size and first byte reject almost every other key without a memcmp.
        if (field.key.size() == keys[i].size() && field.key[0] == keys[i][0] &&
            field.key == keys[i]) {
          if (!found_[i]) {
            found_[i] = true;
            values_[i] = field.value;
          }
          expected = i + 1 < N ? i + 1 : 0;
          break;
        }
      }
    }
  }

  // The value of keys[i] when present and not null, like Find.
  bool Find(size_t i, dom::element& value) const {
    if (!found_[i] || values_[i].is_null()) return false;
    value = values_[i];
    return true;
  }
  // keys[snake], or keys[camel] when that is absent or null. Chat fields are
  // snake_case in `message`, camelCase in `analyze` and in the v3.3.0+ side
  // branch's `message`; either spelling is accepted everywhere.
  bool FindEither(size_t snake, size_t camel, dom::element& value) const {
    return Find(snake, value) || Find(camel, value);
  }
  // keys[i] as a string; empty when absent, null or not a string.
  std::string_view String(size_t i) const {
    std::string_view text;
    return found_[i] && values_[i].get_string().get(text) == simdjson::SUCCESS
               ? text
               : std::string_view{};
  }

 private:
  std::array<dom::element, N> values_{};
  std::array<bool, N> found_{};
};

std::string_view StringOrEmpty(const dom::element& value) {
  std::string_view text;
  return value.get_string().get(text) == simdjson::SUCCESS ? text : std::string_view{};
}

// A string member, or `fallback` when absent, null or not a string.
std::string_view StringOr(const dom::object& object, std::string_view key,
                          std::string_view fallback) {
  dom::element value;
  std::string_view text;
  if (Find(object, key, value) && value.get_string().get(text) == simdjson::SUCCESS) return text;
  return fallback;
}

std::string_view StringOrEmpty(const dom::object& object, std::string_view key) {
  return StringOr(object, key, {});
}

bool BoolOrFalse(const dom::element& value) {
  bool flag = false;
  return value.get_bool().get(flag) == simdjson::SUCCESS && flag;
}

// Any JSON number as a double; 0 for anything else.
template <size_t N>
double NumberOrZero(const Members<N>& members, size_t key) {
  dom::element value;
  double number = 0;
  if (members.Find(key, value) && value.get_double().get(number) == simdjson::SUCCESS) {
    return number;
  }
  return 0;
}

// An integer, or a double with an integral value in int64 range (JavaScript
// has only doubles, so `1721700000000.0` is the same number).
bool IntegralNumber(const dom::element& value, int64_t& out) {
  int64_t integer = 0;
  if (value.get_int64().get(integer) == simdjson::SUCCESS) {
    out = integer;
    return true;
  }
  double number = 0;
  if (!value.is_double() || value.get_double().get(number) != simdjson::SUCCESS) return false;
  // 2^63 is exactly representable; anything at or above it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!std::isfinite(number) || number != std::trunc(number) || number >= kLimit ||
      number < -kLimit) {
    return false;
  }
  out = static_cast<int64_t>(number);
  return true;
}

template <size_t N>
int64_t IntegerOrZero(const Members<N>& members, size_t key) {
  dom::element value;
  int64_t number = 0;
  return members.Find(key, value) && IntegralNumber(value, number) ? number : 0;
}

// A string's contents, or a number's decimal text formatted into `buffer`
// (the DOM keeps no source text for numbers). Empty for anything else.
std::string_view StringOrNumberText(const dom::element& value, NumberTextBuffer& buffer) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return text;
  char* const end = buffer + sizeof(NumberTextBuffer);
  std::to_chars_result written{};
  int64_t integral = 0;
  uint64_t unsigned_value = 0;
  double number = 0;
  if (IntegralNumber(value, integral)) {
    written = std::to_chars(buffer, end, integral);
  } else if (value.get_uint64().get(unsigned_value) == simdjson::SUCCESS) {
    written = std::to_chars(buffer, end, unsigned_value);
  } else if (value.get_double().get(number) == simdjson::SUCCESS) {
    written = std::to_chars(buffer, end, number);
  } else {
    return {};
  }
  return {buffer, static_cast<size_t>(written.ptr - buffer)};
}

// In the order the bridge script writes them.
enum AuthKey : size_t {
  kAuthClientType, kAuthBotName, kAuthDeviceUuid, kAuthDeviceId, kAuthMacAddress,
  kAuthIpAddress, kAuthTimestamp, kAuthVersion, kAuthSignature, kAuthKeyCount
};
constexpr std::array<std::string_view, kAuthKeyCount> kAuthKeys = {
    "clientType", "botName",   "deviceUUID", "deviceID", "macAddress",
    "ipAddress",  "timestamp", "version",    "signature"};

// `value` is the data object's `auth` member, if it has one.
void ReadAuth(bool has_auth, const dom::element& value, AuthBlock& auth) {
  dom::object object;
  if (!has_auth || value.get_object().get(object) != simdjson::SUCCESS) return;
  const Members<kAuthKeyCount> fields(object, kAuthKeys);
  auth.present = true;
  auth.client_type = fields.String(kAuthClientType);
  auth.bot_name = fields.String(kAuthBotName);
  auth.device_uuid = fields.String(kAuthDeviceUuid);
  auth.device_id = fields.String(kAuthDeviceId);
  auth.mac_address = fields.String(kAuthMacAddress);
  auth.ip_address = fields.String(kAuthIpAddress);
  auth.version = fields.String(kAuthVersion);
  auth.signature = fields.String(kAuthSignature);
  dom::element timestamp;
  auth.has_timestamp =
      fields.Find(kAuthTimestamp, timestamp) && IntegralNumber(timestamp, auth.timestamp_ms);
}

DecodeResult DecodeHandshake(const dom::object& fields, bool envelope, HandshakeFrame& out) {
  out.bot_name = StringOrEmpty(fields, "botName");
  out.device_id = StringOrEmpty(fields, "deviceID");
  out.version = StringOrEmpty(fields, "version");
  if (out.bot_name.empty())
    return DecodeResult::Error(ErrorCode::kMissingField, "botName missing or empty");
  if (out.device_id.empty())
    return DecodeResult::Error(ErrorCode::kMissingField, "deviceID missing or empty");
  if (out.version.empty())
    return DecodeResult::Error(ErrorCode::kMissingField, "version missing or empty");
  out.client_type = StringOr(fields, "clientType", "MessengerBotR");
  out.device_ip = StringOr(fields, "deviceIP", "unknown");
  out.device_info = StringOrEmpty(fields, "deviceInfo");

  // The flat form is legacy v3.2 unless it is the v3.3.0+ side branch, which
  // announces itself with a numeric protocolVersion.
  dom::element protocol_version;
  double version_number = 0;
  const bool side_branch = Find(fields, "protocolVersion", protocol_version) &&
                           protocol_version.get_double().get(version_number) == simdjson::SUCCESS &&
                           version_number >= 3;
  out.generation = envelope || side_branch ? ClientGeneration::kV33 : ClientGeneration::kV32;
  return DecodeResult::Ok();
}

// The members of a chat message's `data` (`message` and `analyze` alike):
// the snake_case ones in the order v3.3 phones send a `message`, then the
// rest.
enum ChatKey : size_t {
  kChatRoom, kChatChannelId, kChatContentEncoding, kChatTimestamp, kChatSender,
  kChatIsGroupChat, kChatLogId, kChatUserHash, kChatIsMention, kChatAuth, kChatText,
  kChatChannelIdCamel, kChatLogIdCamel, kChatUserHashCamel, kChatIsGroupChatCamel,
  kChatIsMentionCamel, kChatKeyCount
};
constexpr std::array<std::string_view, kChatKeyCount> kChatKeys = {
    "room",        "channel_id", "content_encoding", "timestamp", "sender",      "is_group_chat",
    "log_id",      "user_hash",  "is_mention",       "auth",      "text",        "channelId",
    "logId",       "userHash",   "isGroupChat",      "isMention"};
using ChatMembers = Members<kChatKeyCount>;

// Reads the fields shared by `message` and `analyze`; the text is handled by
// the caller.
DecodeResult ReadChatFields(const ChatMembers& data, NumberTextBuffer& channel_id_buffer,
                            ChatFrame& out) {
  out.room = data.String(kChatRoom);
  if (out.room.empty())
    return DecodeResult::Error(ErrorCode::kMissingField, "room missing or empty");
  dom::element value;
  if (data.FindEither(kChatChannelId, kChatChannelIdCamel, value)) {
    out.channel_id = StringOrNumberText(value, channel_id_buffer);
  }
  out.sender = data.String(kChatSender);
  out.timestamp = data.String(kChatTimestamp);
  if (data.FindEither(kChatLogId, kChatLogIdCamel, value)) out.log_id = StringOrEmpty(value);
  if (data.FindEither(kChatUserHash, kChatUserHashCamel, value)) {
    out.user_hash = StringOrEmpty(value);
  }
  out.is_group_chat =
      data.FindEither(kChatIsGroupChat, kChatIsGroupChatCamel, value) && BoolOrFalse(value);
  out.is_mention = data.FindEither(kChatIsMention, kChatIsMentionCamel, value) && BoolOrFalse(value);
  const bool has_auth = data.Find(kChatAuth, value);
  ReadAuth(has_auth, value, out.auth);
  return DecodeResult::Ok();
}

DecodeResult CheckTextLength(std::string_view text) {
  // A UTF-8 string never has more UTF-16 units than bytes, so short texts
  // skip the count.
  if (text.size() > kKakaoTalkMaxTextUnits && Utf16Length(text) > kKakaoTalkMaxTextUnits) {
    return DecodeResult::Error(ErrorCode::kTextTooLong, "text exceeds the KakaoTalk limit");
  }
  return DecodeResult::Ok();
}

enum PingKey : size_t { kPingServerTimestamp, kPingMonitoring, kPingAuth, kPingKeyCount };
constexpr std::array<std::string_view, kPingKeyCount> kPingKeys = {"server_timestamp",
                                                                   "monitoring", "auth"};
enum MonitoringKey : size_t {
  kTotalMemory, kMemoryUsage, kMemoryPercent, kMessageQueueSize, kActiveRooms, kMonitoringKeyCount
};
constexpr std::array<std::string_view, kMonitoringKeyCount> kMonitoringKeys = {
    "total_memory", "memory_usage", "memory_percent", "message_queue_size", "active_rooms"};

void ReadPingReply(const dom::object& object, NumberTextBuffer& timestamp_buffer,
                   PingReplyFrame& out) {
  const Members<kPingKeyCount> data(object, kPingKeys);
  dom::element value;
  if (data.Find(kPingServerTimestamp, value)) {
    out.server_timestamp = StringOrNumberText(value, timestamp_buffer);
  }
  dom::object monitoring_object;
  if (data.Find(kPingMonitoring, value) &&
      value.get_object().get(monitoring_object) == simdjson::SUCCESS) {
    const Members<kMonitoringKeyCount> monitoring(monitoring_object, kMonitoringKeys);
    out.has_monitoring = true;
    // Absent or non-numeric members keep their zero defaults: `monitoring`
    // is `{}` when the phone fails to collect it.
    out.total_memory_mb = NumberOrZero(monitoring, kTotalMemory);
    out.memory_usage_mb = NumberOrZero(monitoring, kMemoryUsage);
    out.memory_percent = NumberOrZero(monitoring, kMemoryPercent);
    out.message_queue_size = IntegerOrZero(monitoring, kMessageQueueSize);
    out.active_rooms = IntegerOrZero(monitoring, kActiveRooms);
  }
  const bool has_auth = data.Find(kPingAuth, value);
  ReadAuth(has_auth, value, out.auth);
}

}  // namespace

struct FrameDecoder::Impl {
  DecodeResult DecodeMessage(const dom::object& data, std::string_view tail, ChatFrame& out);
  DecodeResult DecodeAnalyze(const dom::object& data, ChatFrame& out);

  dom::parser parser;
  std::string text;  // base64-decoded chat text; capacity reused across lines
  NumberTextBuffer channel_id_text;
  NumberTextBuffer server_timestamp_text;
};

DecodeResult FrameDecoder::Impl::DecodeMessage(const dom::object& object, std::string_view tail,
                                               ChatFrame& out) {
  const ChatMembers data(object, kChatKeys);
  if (DecodeResult fields = ReadChatFields(data, channel_id_text, out); !fields.ok) return fields;
  if (data.String(kChatContentEncoding) == "base64") {
    text.clear();
    if (!Base64Decode(tail, text)) {
      return DecodeResult::Error(ErrorCode::kInvalidPayload, "tail is not valid base64");
    }
    out.text = text;
  } else {
    out.text = tail;
  }
  // simdjson validated only the JSON header; the tail is ours to check.
  if (!IsValidUtf8(out.text)) {
    return DecodeResult::Error(ErrorCode::kInvalidUtf8, "message text is not UTF-8");
  }
  return CheckTextLength(out.text);
}

DecodeResult FrameDecoder::Impl::DecodeAnalyze(const dom::object& object, ChatFrame& out) {
  const ChatMembers data(object, kChatKeys);
  if (DecodeResult fields = ReadChatFields(data, channel_id_text, out); !fields.ok) return fields;
  dom::element value;
  if (!data.Find(kChatText, value) || value.get_string().get(out.text) != simdjson::SUCCESS) {
    return DecodeResult::Error(ErrorCode::kMissingField, "text missing or not a string");
  }
  return CheckTextLength(out.text);
}

FrameDecoder::FrameDecoder() : impl_(std::make_unique<Impl>()) {}
FrameDecoder::~FrameDecoder() = default;

DecodeResult FrameDecoder::Decode(std::string_view line, DecodedFrame& out) {
  out = DecodedFrame{};
  const std::string_view trimmed = TrimAsciiSpace(line);
  if (trimmed.empty()) return DecodeResult::Error(ErrorCode::kEmptyLine, "empty line");

  // Framing rule shared with every client: the JSON ends at the last '}'.
  const size_t json_end = trimmed.rfind('}');
  if (json_end == std::string_view::npos) {
    return DecodeResult::Error(ErrorCode::kInvalidJson, "no closing brace");
  }
  const std::string_view header = trimmed.substr(0, json_end + 1);
  const std::string_view tail = trimmed.substr(json_end + 1);

  // In place: the caller guarantees kDecodePadding readable bytes after the
  // line, and the header ends inside the line.
  dom::element root;
  const simdjson::error_code parse_error =
      impl_->parser.parse(header.data(), header.size(), false).get(root);
  if (parse_error == simdjson::UTF8_ERROR) {
    return DecodeResult::Error(ErrorCode::kInvalidUtf8, "JSON header is not UTF-8");
  }
  if (parse_error != simdjson::SUCCESS) {
    return DecodeResult::Error(ErrorCode::kInvalidJson, "malformed JSON");
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return DecodeResult::Error(ErrorCode::kInvalidJson, "not a JSON object");
  }

  dom::element value;
  if (!Find(object, "event", value)) {
    out.kind = FrameKind::kHandshake;
    return DecodeHandshake(object, /*envelope=*/false, out.handshake);
  }
  std::string_view event;
  if (value.get_string().get(event) != simdjson::SUCCESS) {
    return DecodeResult::Error(ErrorCode::kMissingField, "event is not a string");
  }
  const bool has_data = object.at_key("data").get(value) == simdjson::SUCCESS;
  if (event == "handshake" && !has_data) {
    out.kind = FrameKind::kHandshake;
    return DecodeHandshake(object, /*envelope=*/false, out.handshake);
  }

  const bool is_handshake = event == "handshake";
  const bool is_message = event == "message";
  const bool is_analyze = event == "analyze";
  const bool is_ping_reply = event == "ping" || event == "pong";
  if (!is_handshake && !is_message && !is_analyze && !is_ping_reply) {
    return DecodeResult::Error(ErrorCode::kUnknownEvent, "unknown event");
  }
  dom::object data;
  if (!has_data || value.get_object().get(data) != simdjson::SUCCESS) {
    return DecodeResult::Error(ErrorCode::kMissingField, "data is not an object");
  }

  if (is_handshake) {
    out.kind = FrameKind::kHandshake;
    return DecodeHandshake(data, /*envelope=*/true, out.handshake);
  }
  if (is_ping_reply) {
    out.kind = FrameKind::kPingReply;
    ReadPingReply(data, impl_->server_timestamp_text, out.ping);
    return DecodeResult::Ok();
  }
  out.kind = FrameKind::kChat;
  return is_message ? impl_->DecodeMessage(data, tail, out.chat)
                    : impl_->DecodeAnalyze(data, out.chat);
}

}  // namespace botrelay::protocol
