// The hot path must not allocate once warm: FrameDecoder::Decode reuses its
// parser and text buffer, and the encoder only grows the caller's buffer.
// Counted by replacing the global operator new for this binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/frame_decoder.h"
#include "dataplane/protocol/frame_encoder.h"
#include "tests/dataplane/protocol/padded_line.h"

// GCC pairs these malloc/free-based replacements with its own builtins and
// warns about a mismatch that does not exist: every form below uses malloc.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<int> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace botrelay::protocol {
namespace {

using testing::PaddedLine;

class AllocationCounter {
 public:
  AllocationCounter() {
    g_allocations = 0;
    g_counting = true;
  }
  int Stop() {
    g_counting = false;
    return g_allocations.load();
  }
};

std::string MessageLine(std::string_view room, std::string_view text) {
  std::string tail;
  Base64Encode(text, tail);
  return R"({"event":"message","data":{"room":")" + std::string(room) +
         R"(","channel_id":18445682959392711,"sender":"홍길동","is_group_chat":true,"content_encoding":"base64","message_positions":[0,1],"auth":{"clientType":"MessengerBotR","botName":"LOA.i","deviceUUID":"unknown","timestamp":1721700000000,"signature":"ab"}}})" +
         tail;
}

TEST(AllocationTest, DecodeDoesNotAllocateOnceWarm) {
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "한국어 텍스트 ";
  std::vector<PaddedLine> lines;
  lines.emplace_back(MessageLine("테스트방", long_text));
  lines.emplace_back(MessageLine("R", "# echo 안녕"));
  lines.emplace_back(
      R"({"event":"analyze","data":{"room":"R","text":"# echo hi","channelId":"42","isMention":true}})");
  lines.emplace_back(
      R"({"event":"pong","data":{"bot_name":"LOA.i","server_timestamp":1753234365450,"monitoring":{"total_memory":256.0,"active_rooms":3}}})");
  lines.emplace_back(
      R"({"event":"handshake","data":{"botName":"B","deviceID":"D","version":"3.3.2"}})");
  lines.emplace_back(R"({"event":"nope","data":{}})");
  lines.emplace_back("   ");

  FrameDecoder decoder;
  DecodedFrame frame;
  // Warming up allocates the parser's buffers; seeing that proves the
  // counter works.
  AllocationCounter warm_up;
  for (const PaddedLine& line : lines) decoder.Decode(line.view(), frame);
  EXPECT_GT(warm_up.Stop(), 0);

  AllocationCounter counter;
  int ok = 0;
  for (int round = 0; round < 3; ++round) {
    for (const PaddedLine& line : lines) ok += decoder.Decode(line.view(), frame).ok ? 1 : 0;
  }
  EXPECT_EQ(counter.Stop(), 0);
  EXPECT_EQ(ok, 3 * 5);
}

TEST(AllocationTest, EncoderOnlyUsesTheCallersCapacity) {
  std::string out;
  out.reserve(1 << 16);
  const std::string_view sources[] = {"QUJD", "https://example.com/a.png"};
  const ReplyTarget target{"테스트방", "42", "LOA.i"};

  AllocationCounter counter;
  for (ClientGeneration generation : {ClientGeneration::kV32, ClientGeneration::kV33}) {
    AppendTextReply(out, generation, OutboundEvent::kMessageResponse, target, "에코: 안녕\n\"x\"",
                    1753234365248);
    AppendMediaReply(out, generation, OutboundEvent::kScheduleMessage, target, "image", sources,
                     500, 1753234365248);
  }
  AppendHandshakeComplete(out, true, "승인된 디바이스입니다", "1.0.0", 1753234365248);
  AppendError(out, ErrorCode::kAuthFailed, "bad signature");
  AppendPing(out, "LOA.i", "2025-07-23 10:32:45.450");
  AppendServerShutdown(out, "drain", 5);
  AppendServerMigration(out, "host", 1491, 3);
  char buf[32];
  FormatKstMillis(1753234365248, buf);
  const int allocations = counter.Stop();
  EXPECT_EQ(allocations, 0);
  EXPECT_GT(out.size(), 500u);
}

}  // namespace
}  // namespace botrelay::protocol
