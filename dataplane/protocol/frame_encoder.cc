#include "dataplane/protocol/frame_encoder.h"

#include <algorithm>
#include <optional>

#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/json_writer.h"

namespace botrelay::protocol {
namespace {

constexpr std::string_view kTimezone = "Asia/Seoul";
constexpr size_t kTypicalHeaderBytes = 384;

// Writes one S->C frame header: {"event":E,"data":{ ...fields... }}. The
// frame ends with EndLine(), or with EndHeader() followed by the raw tail and LF.
class FrameWriter {
 public:
  FrameWriter(std::string& out, OutboundEvent event) : out_(out) {
    // A header is a few hundred bytes: growing an empty buffer by doubling
    // would allocate four or five times for it (a new connection's first
    // frame). Growth stays geometric for a buffer that is already large.
    if (out_.capacity() - out_.size() < kTypicalHeaderBytes) {
      out_.reserve(std::max(out_.size() + kTypicalHeaderBytes, 2 * out_.capacity()));
    }
    out_.append(R"({"event":")");
    out_.append(OutboundEventName(event));
    out_.append(R"(","data":{)");
  }

  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
  }
  void Int(std::string_view key, int64_t value) {
    Key(key);
    AppendJsonInt(out_, value);
  }
  void Bool(std::string_view key, bool value) {
    Key(key);
    out_.append(value ? "true" : "false");
  }
  void Target(const ReplyTarget& target) {
    String("room", target.room);
    String("channel_id", target.channel_id);
    String("bot_name", target.bot_name);
  }
  void Timestamp(int64_t now_unix_ms) {
    char buf[32];
    String("timestamp", FormatIsoUtcMillis(now_unix_ms, buf));
    String("timezone", kTimezone);
  }
  // "message_positions":[0,<end>] for a single payload (or none: [0,0]).
  void SinglePosition(size_t end) {
    Key("message_positions");
    out_.append("[0,");
    AppendJsonInt(out_, static_cast<int64_t>(end));
    out_.push_back(']');
  }
  // "message_positions":[0,e1,...,en], cumulative byte offsets of `sources`
  // in the tail; ASCII sources make these equal to the client's UTF-16 offsets.
  void CumulativePositions(std::span<const std::string_view> sources) {
    if (sources.empty()) return SinglePosition(0);
    Key("message_positions");
    out_.append("[0");
    size_t end = 0;
    for (std::string_view source : sources) {
      end += source.size();
      out_.push_back(',');
      AppendJsonInt(out_, static_cast<int64_t>(end));
    }
    out_.push_back(']');
  }
  // Opens a string value the caller fills with AppendJsonStringBody.
  void BeginString(std::string_view key) {
    Key(key);
    out_.push_back('"');
  }
  void EndString() { out_.push_back('"'); }

  // Closes data and the frame; the caller appends the tail and the LF.
  void EndHeader() { out_.append("}}"); }
  // Closes a frame that has no tail.
  void EndLine() { out_.append("}}\n"); }

 private:
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(key);
    out_.append("\":");
  }

  std::string& out_;
  bool first_ = true;
};

// v3.2 clients only understand messageResponse; scheduled messages are
// delivered to them as ordinary replies.
constexpr OutboundEvent kLegacyReplyEvent = OutboundEvent::kMessageResponse;

bool AllLookLikeBase64(std::span<const std::string_view> sources) {
  for (std::string_view source : sources) {
    if (!LooksLikeBase64(source)) return false;
  }
  return true;
}

}  // namespace

void AppendTextReply(std::string& out, ClientGeneration generation, OutboundEvent event,
                     const ReplyTarget& target, std::string_view text, int64_t now_unix_ms) {
  if (generation == ClientGeneration::kV32) {
    FrameWriter frame(out, kLegacyReplyEvent);
    frame.Target(target);
    frame.String("text", text);
    frame.Timestamp(now_unix_ms);
    frame.EndLine();
    return;
  }
  FrameWriter frame(out, event);
  frame.Target(target);
  frame.String("message_type", "text");
  frame.Timestamp(now_unix_ms);
  frame.String("content_encoding", "base64");
  frame.SinglePosition((text.size() + 2) / 3 * 4);
  frame.EndHeader();
  Base64Encode(text, out);
  out.push_back('\n');
}

void AppendMediaReply(std::string& out, ClientGeneration generation, OutboundEvent event,
                      const ReplyTarget& target, std::string_view media_type,
                      std::span<const std::string_view> sources, int32_t media_wait_ms,
                      int64_t now_unix_ms) {
  if (generation == ClientGeneration::kV32) {
    // The legacy client recognises media by these text prefixes.
    FrameWriter frame(out, kLegacyReplyEvent);
    frame.Target(target);
    frame.BeginString("text");
    AppendJsonStringBody(out, AllLookLikeBase64(sources) ? "IMAGE_BASE64:" : "MEDIA_URL:");
    for (size_t i = 0; i < sources.size(); ++i) {
      if (i > 0) AppendJsonStringBody(out, "|||");
      AppendJsonStringBody(out, sources[i]);
    }
    frame.EndString();
    frame.Timestamp(now_unix_ms);
    frame.EndLine();
    return;
  }
  FrameWriter frame(out, event);
  frame.Target(target);
  frame.String("message_type", media_type);
  if (media_wait_ms > 0) frame.Int("media_wait_time", media_wait_ms);
  frame.Timestamp(now_unix_ms);
  frame.CumulativePositions(sources);
  frame.EndHeader();
  for (std::string_view source : sources) out.append(source);
  out.push_back('\n');
}

void AppendHandshakeComplete(std::string& out, bool approved, std::string_view message,
                             std::string_view server_version, int64_t now_unix_ms) {
  FrameWriter frame(out, OutboundEvent::kHandshakeComplete);
  frame.Bool("success", true);
  frame.Bool("approved", approved);
  frame.String("message", message);
  frame.String("server_version", server_version);
  frame.Timestamp(now_unix_ms);
  frame.SinglePosition(0);
  frame.EndLine();
}

namespace {

void WriteError(std::string& out, ErrorCode code, std::string_view message,
                std::optional<int32_t> reconnect_after_s) {
  FrameWriter frame(out, OutboundEvent::kError);
  frame.String("code", ErrorCodeName(code));
  frame.String("message", message);
  if (reconnect_after_s) frame.Int("reconnect_after", *reconnect_after_s);
  frame.SinglePosition(0);
  frame.EndLine();
}

}  // namespace

void AppendError(std::string& out, ErrorCode code, std::string_view message) {
  WriteError(out, code, message, std::nullopt);
}

void AppendError(std::string& out, ErrorCode code, std::string_view message,
                 int32_t reconnect_after_s) {
  WriteError(out, code, message, reconnect_after_s);
}

void AppendPing(std::string& out, std::string_view bot_name, std::string_view server_timestamp) {
  // Exactly the old server's ping: no positions, no timestamp/timezone.
  FrameWriter frame(out, OutboundEvent::kPing);
  frame.String("bot_name", bot_name);
  frame.String("channel_id", "ping");
  frame.String("room", "PING");
  frame.String("user_hash", "system");
  frame.String("server_timestamp", server_timestamp);
  frame.String("text", "");
  frame.EndLine();
}

void AppendServerShutdown(std::string& out, std::string_view reason, int32_t reconnect_after_s) {
  FrameWriter frame(out, OutboundEvent::kServerShutdown);
  frame.String("reason", reason);
  frame.Int("reconnect_after", reconnect_after_s);
  frame.SinglePosition(0);
  frame.EndLine();
}

void AppendServerMigration(std::string& out, std::string_view new_host, uint16_t new_port,
                           int32_t migrate_after_s) {
  FrameWriter frame(out, OutboundEvent::kServerMigration);
  frame.String("new_host", new_host);
  frame.Int("new_port", new_port);
  frame.Int("migrate_after", migrate_after_s);
  frame.SinglePosition(0);
  frame.EndLine();
}

}  // namespace botrelay::protocol
