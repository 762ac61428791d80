#include "tests/testbot/client_frames.h"

#include "tests/testbot/auth_signer.h"
#include "tests/testbot/base64.h"
#include "tests/testbot/json_writer.h"
#include "tests/testbot/phone_clock.h"

namespace botrelay::testbot {
namespace {

constexpr std::string_view kTimezone = "Asia/Seoul";

void WriteOptionalString(JsonWriter& w, const std::optional<std::string>& value) {
  if (value) {
    w.String(*value);
  } else {
    w.Null();
  }
}

// _sendV330Message's additions, after every other field.
void WriteV33Envelope(JsonWriter& w, int64_t now_ms, size_t tail_length) {
  w.Key("timestamp").String(IsoUtcMillis(now_ms));
  w.Key("timezone").String(kTimezone);
  w.Key("message_positions").BeginArray().Int(0).Int(static_cast<int64_t>(tail_length)).EndArray();
}

// Auth.createAuthData(); key order as the script builds the object.
void WriteAuth(JsonWriter& w, const PhoneIdentity& phone, const AuthOptions& options,
               int64_t now_ms) {
  const std::string& bot_name = options.bot_name ? *options.bot_name : phone.bot_name;
  const int64_t timestamp = options.timestamp_ms.value_or(now_ms);
  std::string signature = AuthSignature(
      SignedFields{phone.client_type, bot_name, phone.device_uuid, phone.mac_address,
                   phone.device_ip, timestamp},
      phone.secret_key, phone.salt);
  if (options.mode == AuthOptions::Mode::kCorruptSignature) {
    signature.back() = signature.back() == '0' ? '1' : '0';
  }
  w.Key("auth").BeginObject();
  w.Key("clientType").String(phone.client_type);
  w.Key("botName").String(bot_name);
  w.Key("deviceUUID").String(phone.device_uuid);
  w.Key("deviceID").String(phone.device_id);
  w.Key("macAddress").String(phone.mac_address);
  w.Key("ipAddress").String(phone.device_ip);
  w.Key("timestamp").Int(timestamp);
  w.Key("version").String(phone.version);
  w.Key("signature").String(signature);
  w.EndObject();
}

void MaybeWriteAuth(JsonWriter& w, const PhoneIdentity& phone, const AuthOptions& options,
                    int64_t now_ms) {
  if (options.mode != AuthOptions::Mode::kOmitted) WriteAuth(w, phone, options, now_ms);
}

void WriteMonitoring(JsonWriter& w, const Monitoring& m) {
  w.Key("monitoring").BeginObject();
  w.Key("total_memory").Double(m.total_memory);
  w.Key("memory_usage").Double(m.memory_usage);
  w.Key("memory_percent").Double(m.memory_percent);
  w.Key("message_queue_size").Int(m.message_queue_size);
  w.Key("active_rooms").Int(m.active_rooms);
  w.EndObject();
}

std::string Finish(JsonWriter& w, std::string_view tail) {
  std::string line = w.Take();
  line.append(tail);
  line.push_back('\n');
  return line;
}

}  // namespace

std::string_view GenerationName(Generation generation) {
  return generation == Generation::kV32 ? "v3.2" : "v3.3";
}

std::string BuildHandshakeLine(const PhoneIdentity& phone, int64_t now_ms) {
  JsonWriter w;
  const bool v33 = phone.generation == Generation::kV33;
  if (v33) w.BeginObject().Key("event").String("handshake").Key("data");
  // DeviceInfo.createHandshakeData()
  w.BeginObject();
  w.Key("clientType").String(phone.client_type);
  w.Key("botName").String(phone.bot_name);
  w.Key("version").String(phone.version);
  w.Key("deviceID").String(phone.device_id);
  w.Key("deviceIP").String(phone.device_ip);
  w.Key("deviceInfo").String(phone.device_info);
  if (v33) {
    WriteV33Envelope(w, now_ms, 0);
    w.EndObject();
  }
  w.EndObject();
  return Finish(w, "");
}

std::string BuildChatLine(const PhoneIdentity& phone, const ChatMessage& message, int64_t now_ms) {
  JsonWriter w;
  if (phone.generation == Generation::kV32) {
    // bridge-v3.2.2.js onMessage -> sendMessage('analyze', ...)
    w.BeginObject().Key("event").String("analyze").Key("data").BeginObject();
    w.Key("room").String(message.room);
    w.Key("text").String(message.text);
    w.Key("sender").String(message.sender);
    w.Key("isGroupChat").Bool(message.is_group_chat);
    w.Key("channelId");
    WriteOptionalString(w, message.channel_id);
    w.Key("logId");
    WriteOptionalString(w, message.log_id);
    // msg.author.hash: JSON.stringify drops the key when it is undefined.
    if (message.user_hash) w.Key("userHash").String(*message.user_hash);
    w.Key("isMention").Bool(message.is_mention);
    w.Key("timestamp").String(KstDateTime(now_ms));
    w.Key("botName").String(phone.bot_name);
    w.Key("clientType").String(phone.client_type);
    MaybeWriteAuth(w, phone, message.auth, now_ms);
    w.EndObject().EndObject();
    return Finish(w, "");
  }
  // bridge-v3.3.x onMessage -> sendMessage('message', data, base64) ->
  // _sendV330Message, which overwrites timestamp/timezone/message_positions
  // in place (JS keeps the original key order) after `auth` was appended.
  const std::string tail = Base64Encode(message.text);
  w.BeginObject().Key("event").String("message").Key("data").BeginObject();
  w.Key("room").String(message.room);
  w.Key("channel_id");
  WriteOptionalString(w, message.channel_id);
  w.Key("message_type").String("text");
  w.Key("content_encoding").String("base64");
  w.Key("message_positions").BeginArray().Int(0).Int(static_cast<int64_t>(tail.size())).EndArray();
  w.Key("timestamp").String(IsoUtcMillis(now_ms));
  w.Key("timezone").String(kTimezone);
  w.Key("sender").String(message.sender);
  w.Key("is_group_chat").Bool(message.is_group_chat);
  w.Key("log_id");
  WriteOptionalString(w, message.log_id);
  w.Key("user_hash");
  WriteOptionalString(w, message.user_hash);
  w.Key("is_mention").Bool(message.is_mention);
  w.Key("bot_name").String(phone.bot_name);
  w.Key("client_type").String(phone.client_type);
  MaybeWriteAuth(w, phone, message.auth, now_ms);
  w.EndObject().EndObject();
  return Finish(w, tail);
}

std::string BuildPingReplyLine(const PhoneIdentity& phone, PingReplyStyle style,
                               const PingEcho& echo, const std::optional<Monitoring>& monitoring,
                               const AuthOptions& auth, int64_t now_ms) {
  const bool v33 = phone.generation == Generation::kV33;
  JsonWriter w;
  w.BeginObject().Key("event").String(style == PingReplyStyle::kPong ? "pong" : "ping");
  w.Key("data").BeginObject();
  // v3.3 falls back to BOT_CONFIG.BOT_NAME; v3.2 copies data.bot_name as is.
  if (v33) {
    const bool usable = echo.bot_name && !echo.bot_name->empty();
    w.Key("bot_name").String(usable ? *echo.bot_name : phone.bot_name);
  } else if (echo.bot_name) {
    w.Key("bot_name").String(*echo.bot_name);
  }
  if (echo.server_timestamp_json) w.Key("server_timestamp").Raw(*echo.server_timestamp_json);
  if (monitoring) WriteMonitoring(w, *monitoring);
  MaybeWriteAuth(w, phone, auth, now_ms);
  if (v33) WriteV33Envelope(w, now_ms, 0);
  w.EndObject().EndObject();
  return Finish(w, "");
}

}  // namespace botrelay::testbot
