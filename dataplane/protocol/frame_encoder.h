#pragma once
// Builds outbound frames, appending them (LF included) to a caller-owned
// buffer so a session can coalesce many frames into one write. No function
// here allocates except by growing `out`.
//
// v3.3 clients get {"event":E,"data":{...,"message_positions":[...]}}<tail>.
// v3.2 clients parse the whole line as JSON, so they never get a raw tail:
// text goes in data.text and media as "IMAGE_BASE64:a|||b" / "MEDIA_URL:u".

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dataplane/protocol/types.h"

namespace botrelay::protocol {

// Where a reply goes: the phone posts by room name and sends media by channel.
struct ReplyTarget {
  std::string_view room;
  std::string_view channel_id;  // numeric string; empty if unknown
  std::string_view bot_name;
};

// `event` is kMessageResponse or kScheduleMessage. v3.2 clients ignore
// scheduleMessage, so for them the encoder always writes messageResponse.
void AppendTextReply(std::string& out, ClientGeneration generation, OutboundEvent event,
                     const ReplyTarget& target, std::string_view text, int64_t now_unix_ms);

// `media_type`: image, audio, video or document. `sources`: base64 payloads
// or http(s) URLs (ASCII, no '}', CR or LF: callers validate).
// `media_wait_ms` is written only when > 0.
void AppendMediaReply(std::string& out, ClientGeneration generation, OutboundEvent event,
                      const ReplyTarget& target, std::string_view media_type,
                      std::span<const std::string_view> sources, int32_t media_wait_ms,
                      int64_t now_unix_ms);

// {"event":"handshakeComplete","data":{"success":true,"approved":..,"message":..,
//  "server_version":..,"timestamp":..,"timezone":"Asia/Seoul","message_positions":[0,0]}}
void AppendHandshakeComplete(std::string& out, bool approved, std::string_view message,
                             std::string_view server_version, int64_t now_unix_ms);

// {"event":"error","data":{"code":"<name>","message":"..","message_positions":[0,0]}}
void AppendError(std::string& out, ErrorCode code, std::string_view message);
// The same with a hint when to come back (refusals that pass):
// {"event":"error","data":{"code":..,"message":..,"reconnect_after":N,"message_positions":[0,0]}}
void AppendError(std::string& out, ErrorCode code, std::string_view message,
                 int32_t reconnect_after_s);

// {"event":"ping","data":{"bot_name":..,"channel_id":"ping","room":"PING",
//  "user_hash":"system","server_timestamp":..,"text":""}}
void AppendPing(std::string& out, std::string_view bot_name, std::string_view server_timestamp);

// {"event":"serverShutdown","data":{"reason":..,"reconnect_after":N,...}}
void AppendServerShutdown(std::string& out, std::string_view reason, int32_t reconnect_after_s);

// {"event":"serverMigration","data":{"new_host":..,"new_port":N,"migrate_after":N,...}}
void AppendServerMigration(std::string& out, std::string_view new_host, uint16_t new_port,
                           int32_t migrate_after_s);

// "2025-07-23T01:32:45.248Z" into `buf` (24 chars); returns the view.
std::string_view FormatIsoUtcMillis(int64_t unix_ms, char (&buf)[32]);

// Ping timestamps as the old server sent them: Asia/Seoul local time,
// "YYYY-MM-DD HH:MM:SS.mmm" (UTC+9, no DST). ParseKstMillis is its inverse
// and also accepts an integer epoch in ms (or s when below 1e10); returns -1
// when the text is neither.
std::string_view FormatKstMillis(int64_t unix_ms, char (&buf)[32]);
int64_t ParseKstMillis(std::string_view text);

}  // namespace botrelay::protocol
