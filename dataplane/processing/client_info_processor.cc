#include "dataplane/processing/client_info_processor.h"

#include "absl/strings/str_format.h"
#include "dataplane/processing/command_line.h"

namespace botrelay::processing {

bool ClientInfoProcessor::Handle(const ChatMessage& message, ProcessingContext ctx) {
  if (!ParseCommand(message.text, "# client_info")) return false;
  std::optional<dataplane::ConnectionInfo> info = ctx.Connection();
  if (!info) {
    // The connection closed while the message waited; the reply would go to
    // a reconnected session, which has different facts.
    ctx.ReplyText("연결 정보를 찾을 수 없습니다 (connection closed)");
    ctx.Finish();
    return true;
  }
  std::string text = absl::StrFormat(
      "📱 클라이언트 정보\n"
      "• bot: %s\n• device: %s\n• peer: %s\n• client: %s %s\n• state: %s\n"
      "• connection: #%d since %d ms\n"
      "• rtt: last %.2f ms, avg %.2f ms, min %.2f ms, max %.2f ms (%d samples)\n"
      "• traffic: %d msgs / %d bytes in, %d msgs / %d bytes out",
      info->bot_name, info->device_id, info->peer_address,
      std::string(protocol::GenerationName(info->generation)), info->client_version,
      std::string(dataplane::ConnectionStateName(info->state)), info->id,
      info->connected_since_ms, info->rtt.last_ms, info->rtt.avg_ms, info->rtt.min_ms,
      info->rtt.max_ms, info->rtt.samples, info->messages_in, info->bytes_in,
      info->messages_out, info->bytes_out);
  ctx.ReplyText(text);
  ctx.Finish();
  return true;
}

}  // namespace botrelay::processing
