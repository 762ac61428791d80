#include "dataplane/upstream/upstream_codec.h"

#include <simdjson.h>

#include <string_view>

#include "absl/strings/str_cat.h"
#include "dataplane/protocol/json_writer.h"

namespace botrelay::upstream {

namespace {

void Field(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":";
  protocol::AppendJsonString(out, value);
  out += ',';
}

void Field(std::string& out, std::string_view name, bool value) {
  out += '"';
  out += name;
  out += "\":";
  out += value ? "true," : "false,";
}

bool IsMediaType(std::string_view type) {
  return type == "image" || type == "audio" || type == "video" || type == "document";
}

absl::Status Invalid(size_t item, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("replies[", item, "]: ", std::string(what)));
}

}  // namespace

void EncodeUpstreamRequest(const processing::ChatMessage& message, std::string& out) {
  out.clear();
  out += '{';
  Field(out, "bot", message.bot_name);
  Field(out, "device", message.device_id);
  Field(out, "room", message.room);
  Field(out, "channelId", message.channel_id);
  Field(out, "sender", message.sender);
  Field(out, "text", message.text);
  Field(out, "logId", message.log_id);
  Field(out, "userHash", message.user_hash);
  Field(out, "isGroupChat", message.is_group_chat);
  Field(out, "isMention", message.is_mention);
  out += "\"connectionId\":";
  protocol::AppendJsonInt(out, static_cast<int64_t>(message.connection_id));
  out += '}';
}

struct UpstreamReplyDecoder::Impl {
  simdjson::dom::parser parser;
};

UpstreamReplyDecoder::UpstreamReplyDecoder() : impl_(std::make_unique<Impl>()) {}
UpstreamReplyDecoder::~UpstreamReplyDecoder() = default;

absl::Status UpstreamReplyDecoder::Decode(std::string& body, UpstreamReply& out) {
  out.count = 0;
  out.failed = false;
  out.error.clear();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return absl::OkStatus();

  const size_t size = body.size();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; padding the
  // body in place avoids the parser's own per-call copy.
  body.resize(size + simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element root;
  auto error = impl_->parser.parse(body.data(), size, false).get(root);
  body.resize(size);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("not JSON: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) return absl::InvalidArgumentError("not a JSON object");

  std::string_view failure;
  if (auto field = object["error"]; field.error() != simdjson::NO_SUCH_FIELD) {
    if (field.get_string().get(failure) || failure.empty()) {
      return absl::InvalidArgumentError("\"error\" must be a non-empty string");
    }
    out.failed = true;
    out.error.assign(failure);
    return absl::OkStatus();  // an error answer's replies are not sent
  }

  simdjson::dom::array replies;
  auto replies_field = object["replies"];
  if (replies_field.error() == simdjson::NO_SUCH_FIELD) return absl::OkStatus();
  if (replies_field.get_array().get(replies)) {
    return absl::InvalidArgumentError("\"replies\" must be an array");
  }
  for (simdjson::dom::element entry : replies) {
    const size_t index = out.count;
    simdjson::dom::object reply;
    if (entry.get_object().get(reply)) return Invalid(index, "not an object");
    if (out.items.size() <= index) out.items.emplace_back();
    UpstreamReplyItem& item = out.items[index];
    item.sources.clear();
    item.media_wait_ms = 0;

    std::string_view text, media_type;
    const bool has_text = reply["text"].error() != simdjson::NO_SUCH_FIELD;
    const bool has_media = reply["mediaType"].error() != simdjson::NO_SUCH_FIELD;
    if (has_text == has_media) return Invalid(index, "needs exactly one of text and mediaType");
    if (has_text) {
      if (reply["text"].get_string().get(text) || text.empty()) {
        return Invalid(index, "text must be a non-empty string");
      }
      item.media = false;
      item.text.assign(text);
    } else {
      if (reply["mediaType"].get_string().get(media_type) || !IsMediaType(media_type)) {
        return Invalid(index, "mediaType must be image, audio, video or document");
      }
      simdjson::dom::array sources;
      if (reply["sources"].get_array().get(sources) || sources.size() == 0) {
        return Invalid(index, "sources must be a non-empty array of strings");
      }
      for (simdjson::dom::element source : sources) {
        std::string_view value;
        if (source.get_string().get(value) || value.empty() ||
            value.find_first_of("}\r\n") != std::string_view::npos) {
          return Invalid(index, "each source must be a non-empty string without }, CR or LF");
        }
        item.sources.emplace_back(value);
      }
      if (auto wait = reply["waitMs"]; wait.error() != simdjson::NO_SUCH_FIELD) {
        int64_t wait_ms = 0;
        if (wait.get_int64().get(wait_ms) || wait_ms < 0 || wait_ms > INT32_MAX) {
          return Invalid(index, "waitMs must be a non-negative integer");
        }
        item.media_wait_ms = static_cast<int32_t>(wait_ms);
      }
      item.media = true;
      item.media_type.assign(media_type);
    }
    ++out.count;
  }
  return absl::OkStatus();
}

}  // namespace botrelay::upstream
