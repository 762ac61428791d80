// relayctl send: post a message (text and/or media) to a room through the
// bot's connected phones.

#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace botrelay::cli {
namespace {

int Send(Invocation& invocation) {
  const ParsedArgs& args = invocation.args();
  if (!args.Has("bot")) return invocation.UsageError("--bot is required");
  if (!args.Has("room")) return invocation.UsageError("--room is required");
  if (!args.Has("text") && !args.Has("media")) {
    return invocation.UsageError("nothing to send: give --text and/or --media");
  }
  admin::v1::SendMessageRequest request;
  request.set_bot_name(*args.Get("bot"));
  request.set_device_id(args.GetOr("device", ""));
  request.set_room(*args.Get("room"));
  request.set_channel_id(args.GetOr("channel-id", ""));
  request.set_text(args.GetOr("text", ""));
  for (std::string& media : args.GetAll("media")) {
    request.add_media(std::move(media));
  }
  request.set_media_type(args.GetOr("media-type", ""));
  request.set_media_wait_time_ms(args.GetInt32("media-wait-ms").value_or(0));

  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::SendMessageResponse response;
  grpc::Status status = invocation.connection().admin().SendMessage(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    const int n = response.connections_delivered();
    invocation.out() << "queued on " << n << " connection" << (n == 1 ? "" : "s")
                     << "\n";
  }
  return kExitOk;
}

}  // namespace

Command SendCommand() {
  return {
      .name = "send",
      .summary = "Post a message to a room through a bot's phones",
      .options =
          {{.name = "bot", .value_name = "BOT", .help = "bot name (required)"},
           {.name = "device",
            .value_name = "DEVICE",
            .help = "only this device (default: every connected device of the bot)"},
           {.name = "room",
            .value_name = "ROOM",
            .help = "room name the phone posts to (required)"},
           {.name = "channel-id",
            .value_name = "ID",
            .help = "numeric KakaoTalk channel id (required for media)"},
           {.name = "text", .value_name = "TEXT", .help = "text to post"},
           {.name = "media",
            .value_name = "SRC",
            .help = "base64 image or http(s) URL; several may follow",
            .multi_value = true},
           {.name = "media-type",
            .value_name = "TYPE",
            .help = "image (default), audio, video or document"},
           {.name = "media-wait-ms",
            .type = ValueType::kInt32,
            .value_name = "N",
            .help = "client-side wait after sending media"}},
      .run = Send};
}

}  // namespace botrelay::cli
