#include "dataplane/processing/echo_processor.h"

#include <charconv>
#include <string>

#include "dataplane/processing/command_line.h"

namespace botrelay::processing {

namespace {
constexpr std::string_view kPrefix = "# echo";
}  // namespace

bool EchoProcessor::Handle(const ChatMessage& message, ProcessingContext ctx) {
  // Cheap rejection first: most chat is not a command.
  if (message.text.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  std::optional<CommandLine> command = ParseCommand(message.text, kPrefix);

  int repeat = 1;
  if (auto value = command->Param("repeat")) {
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), repeat);
    if (ec != std::errc() || end != value->data() + value->size() || repeat < 1) {
      ctx.ReplyText("❌ 파라미터 오류: repeat은 1 이상의 정수여야 합니다");
      ctx.Finish();
      return true;
    }
  }
  if (command->prompt.empty()) {
    ctx.ReplyText("사용법: # echo {내용}");
    ctx.Finish();
    return true;
  }
  if (repeat > kMaxRepeat) {
    ctx.ReplyText("⚠️ 반복 횟수는 최대 5회로 제한됩니다.");
    repeat = kMaxRepeat;
  }
  // One scratch string per thread: replies are encoded before ReplyText
  // returns (or copied when held for ordering), so it can be reused.
  thread_local std::string reply;
  for (int i = 1; i <= repeat; ++i) {
    reply.clear();
    if (repeat > 1) {
      reply += '[';
      reply += std::to_string(i);
      reply += '/';
      reply += std::to_string(repeat);
      reply += "] ";
    }
    reply += "에코: ";
    reply += command->prompt;
    ctx.ReplyText(reply);
  }
  ctx.Finish();
  return true;
}

}  // namespace botrelay::processing
