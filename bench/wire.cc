#include "bench/wire.h"

#include <time.h>

#include <charconv>
#include <cstring>
#include <cstdio>

#include "dataplane/protocol/base64.h"

namespace botrelay::bench {
namespace {

void AppendInt(std::string& out, int64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

// Identities, rooms and timestamps the benchmark generates are plain ASCII
// with no characters JSON would escape, so they are written verbatim.
void AppendAuth(std::string& out, const Speaker& speaker, const AuthStamp& auth) {
  out += R"("auth":{"clientType":")";
  out += kClientType;
  out += R"(","botName":")";
  out += speaker.bot_name;
  out += R"(","deviceUUID":")";
  out += speaker.device_id;
  out += R"(","deviceID":")";
  out += speaker.device_id;
  out += R"(","macAddress":")";
  out += kMacAddress;
  out += R"(","ipAddress":")";
  out += speaker.local_ip;
  out += R"(","timestamp":)";
  AppendInt(out, auth.timestamp_ms);
  out += R"(,"version":")";
  out += kClientVersion;
  out += R"(","signature":")";
  out.append(auth.signature->data(), auth.signature->size());
  out += R"("})";
}

size_t SkipSpaces(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

// Position just after `"key"` followed by optional spaces and ':'.
std::optional<size_t> ValueStart(std::string_view json, std::string_view key) {
  size_t from = 0;
  while (true) {
    const size_t at = json.find(key, from);
    if (at == std::string_view::npos) return std::nullopt;
    from = at + 1;
    if (at == 0 || json[at - 1] != '"') continue;
    size_t i = at + key.size();
    if (i >= json.size() || json[i] != '"') continue;
    i = SkipSpaces(json, i + 1);
    if (i >= json.size() || json[i] != ':') continue;
    return SkipSpaces(json, i + 1);
  }
}

}  // namespace

SignedFields SignedFieldsOf(const Speaker& speaker) {
  return SignedFields{kClientType, speaker.bot_name, speaker.device_id, kMacAddress,
                      speaker.local_ip};
}

void AppendHandshake(std::string& out, const Speaker& speaker, std::string_view iso_now) {
  out += R"({"event":"handshake","data":{"clientType":")";
  out += kClientType;
  out += R"(","botName":")";
  out += speaker.bot_name;
  out += R"(","version":")";
  out += kClientVersion;
  out += R"(","deviceID":")";
  out += speaker.device_id;
  out += R"(","deviceIP":")";
  out += speaker.local_ip;
  out += R"(","deviceInfo":"relaybench-linux","timestamp":")";
  out += iso_now;
  out += R"(","timezone":"Asia/Seoul","message_positions":[0,0]}})";
  out += '\n';
}

void AppendChatMessage(std::string& out, const Speaker& speaker, std::string_view room,
                       std::string_view channel_id, uint64_t log_id, std::string_view text,
                       std::string_view iso_now, const AuthStamp& auth) {
  out += R"({"event":"message","data":{"room":")";
  out += room;
  out += R"(","channel_id":")";
  out += channel_id;
  out += R"(","message_type":"text","content_encoding":"base64","message_positions":[0,)";
  AppendInt(out, static_cast<int64_t>(protocol::Base64EncodedSize(text.size())));
  out += R"(],"timestamp":")";
  out += iso_now;
  out += R"(","timezone":"Asia/Seoul","sender":"bench","is_group_chat":true,"log_id":")";
  AppendInt(out, static_cast<int64_t>(log_id));
  out += R"(","user_hash":"bench","is_mention":false,"bot_name":")";
  out += speaker.bot_name;
  out += R"(","client_type":")";
  out += kClientType;
  out += R"(",)";
  AppendAuth(out, speaker, auth);
  out += "}}";
  protocol::Base64Encode(text, out);
  out += '\n';
}

void AppendPong(std::string& out, const Speaker& speaker, std::string_view server_timestamp,
                std::string_view iso_now, const AuthStamp& auth) {
  out += R"({"event":"pong","data":{"bot_name":")";
  out += speaker.bot_name;
  out += R"(","server_timestamp":")";
  out += server_timestamp;
  out += R"(","monitoring":{"total_memory":256.0,"memory_usage":30.5,"memory_percent":11.9,)"
         R"("message_queue_size":0,"active_rooms":1},)";
  AppendAuth(out, speaker, auth);
  out += R"(,"timestamp":")";
  out += iso_now;
  out += R"(","timezone":"Asia/Seoul","message_positions":[0,0]}})";
  out += '\n';
}

InboundFrame SplitFrame(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  InboundFrame frame;
  // memrchr: string_view::rfind(char) walks a long base64 tail byte by byte.
  const void* close = line.empty() ? nullptr : ::memrchr(line.data(), '}', line.size());
  if (close == nullptr || line.front() != '{') return frame;
  const size_t end = static_cast<size_t>(static_cast<const char*>(close) - line.data()) + 1;
  frame.json = line.substr(0, end);
  frame.tail = line.substr(end);
  if (auto event = FindString(frame.json, "event")) frame.event = *event;
  return frame;
}

std::optional<std::string_view> FindString(std::string_view json, std::string_view key) {
  std::optional<size_t> start = ValueStart(json, key);
  if (!start || *start >= json.size() || json[*start] != '"') return std::nullopt;
  for (size_t i = *start + 1; i < json.size(); ++i) {
    if (json[i] == '\\') {
      ++i;
    } else if (json[i] == '"') {
      return json.substr(*start + 1, i - *start - 1);
    }
  }
  return std::nullopt;
}

std::optional<bool> FindBool(std::string_view json, std::string_view key) {
  std::optional<size_t> start = ValueStart(json, key);
  if (!start) return std::nullopt;
  const std::string_view rest = json.substr(*start);
  if (rest.starts_with("true")) return true;
  if (rest.starts_with("false")) return false;
  return std::nullopt;
}

std::string_view IsoClock::Format(int64_t unix_ms) {
  if (unix_ms != unix_ms_) {
    unix_ms_ = unix_ms;
    const time_t seconds = static_cast<time_t>(unix_ms / 1000);
    tm utc;
    gmtime_r(&seconds, &utc);
    const int written = std::snprintf(text_, sizeof text_, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                      utc.tm_min, utc.tm_sec, static_cast<int>(unix_ms % 1000));
    size_ = written > 0 ? static_cast<size_t>(written) : 0;
  }
  return std::string_view(text_, size_);
}

}  // namespace botrelay::bench
