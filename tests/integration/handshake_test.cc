// The first line: handshake shapes, timeout, invalid handshakes, and chat
// lines a v3.3 script flushes from its offline queue before the handshake
// (bot-protocol.md 2.6).
#include <gmock/gmock.h>

#include <regex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

using ::testing::HasSubstr;

class HandshakeTest : public RelaydTest {};

TEST_F(HandshakeTest, CompleteHasTheFieldsBothScriptsRead) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  for (Generation generation : {Generation::kV32, Generation::kV33}) {
    SCOPED_TRACE(testbot::GenerationName(generation));
    auto bot = NewBot(generation, "handshake.bot",
                      "dev-fields-" + std::string(testbot::GenerationName(generation)));
    auto hello = ConnectAndHandshake(*bot);
    ASSERT_OK(hello);
    EXPECT_EQ(hello->Bool("success"), true);
    EXPECT_EQ(hello->Bool("approved"), false);
    EXPECT_TRUE(hello->String("message").has_value());
    EXPECT_TRUE(hello->String("server_version").has_value());
    EXPECT_TRUE(hello->String("timestamp").has_value());
    EXPECT_EQ(hello->String("timezone"), "Asia/Seoul");
    EXPECT_EQ(hello->RawJson("message_positions"), "[0,0]");
  }
}

TEST_F(HandshakeTest, SilentConnectionIsClosedWithHandshakeTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--handshake-timeout=0.5"}));
  auto bot = NewBot(Generation::kV33, "handshake.bot", "dev-silent");
  ASSERT_OK(bot->Connect());
  const auto connected_at = testbot::Clock::now();
  ASSERT_OK(bot->WaitForError("handshake_timeout", 3000ms));
  ASSERT_OK(bot->WaitForClose(1000ms));
  const auto open_for = *bot->closed_at() - connected_at;
  EXPECT_GE(open_for, 400ms);
  EXPECT_LE(open_for, 2000ms);
}

// Timeouts in a flood of silent connections (a slowloris) share a throttled
// WARN line, about one a second per event-loop thread; the counts in those
// lines add up to every timeout. The INFO close line stays per connection.
TEST_F(HandshakeTest, HandshakeTimeoutWarningsOfAFloodAreThrottledAndCounted) {
  constexpr int kSilent = 30;
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--handshake-timeout=0.5", "--threads=1"}));
  std::vector<std::shared_ptr<TestBot>> bots;
  for (int i = 0; i < kSilent; ++i) {
    bots.push_back(NewBot(Generation::kV33, "handshake.bot", absl::StrCat("dev-silent-", i)));
    ASSERT_OK(bots.back()->Connect());
  }
  for (auto& bot : bots) ASSERT_OK(bot->WaitForError("handshake_timeout", 3000ms));

  // "conn=N peer=… no handshake within 500 ms[ (and K more since the last line)]"
  // for the first of a second, "no handshake within 500 ms on K more
  // connections since the last such line" for the rest once the flood ends.
  const std::regex and_more(R"(\(and (\d+) more since the last line\))");
  const std::regex on_more(R"(no handshake within \d+ ms on (\d+) more connections)");
  int lines = 0, reported = 0, closed_lines = 0;
  const auto deadline = testbot::Clock::now() + 5s;
  while (true) {
    lines = reported = closed_lines = 0;
    for (absl::string_view line : absl::StrSplit(relayd().Log(), '\n')) {
      const std::string text(line);
      if (absl::StrContains(text, "closed reason=handshake_timeout")) ++closed_lines;
      if (!absl::StrContains(text, "no handshake within")) continue;
      ++lines;
      std::smatch match;
      if (std::regex_search(text, match, on_more)) {
        reported += std::stoi(match[1]);
      } else {
        EXPECT_TRUE(absl::StrContains(text, "conn=")) << text;
        reported += 1 + (std::regex_search(text, match, and_more) ? std::stoi(match[1]) : 0);
      }
    }
    if ((reported >= kSilent && closed_lines >= kSilent) || testbot::Clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(reported, kSilent) << relayd().Log();
  EXPECT_LE(lines, 3) << relayd().Log();
  EXPECT_EQ(closed_lines, kSilent) << relayd().Log();
}

TEST_F(HandshakeTest, HandshakeWithoutRequiredFieldsIsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"v3.3 without version and deviceID", R"({"event":"handshake","data":{"botName":"x"}})"},
      {"v3.3 with empty botName",
       R"({"event":"handshake","data":{"clientType":"MessengerBotR","botName":"","version":"3.3.2","deviceID":"d"}})"},
      {"flat without botName", R"({"clientType":"MessengerBotR","version":"3.2.1","deviceID":"d"})"},
  };
  for (const auto& [what, line] : cases) {
    SCOPED_TRACE(what);
    auto bot = NewBot(Generation::kV33, "handshake.bot", "dev-invalid");
    ASSERT_OK(bot->Connect());
    ASSERT_OK(bot->SendRaw(line + "\n"));
    ASSERT_OK(bot->WaitForError("handshake_invalid", 3000ms));
    ASSERT_OK(bot->WaitForClose(2000ms));
  }
}

TEST_F(HandshakeTest, ChatQueuedBeforeTheHandshakeIsProcessedAfterIt) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  {
    auto earlier = ConnectApproved(Generation::kV33, "handshake.bot", "dev-queued");
    ASSERT_OK(earlier);
    (*earlier)->Close();
  }
  // The script's offline queue is flushed before the queued handshake.
  auto bot = NewBot(Generation::kV33, "handshake.bot", "dev-queued");
  ASSERT_OK(bot->Connect());
  ASSERT_OK(bot->SendText("# echo queued-first"));
  ASSERT_OK(bot->SendText("# echo queued-second"));
  ASSERT_OK(bot->SendHandshake());
  auto hello = bot->WaitFor("handshakeComplete", 3000ms);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << hello->line();
  auto texts = bot->WaitForTexts(2, 3000ms);
  ASSERT_OK(texts);
  EXPECT_THAT((*texts)[0], HasSubstr("queued-first"));
  EXPECT_THAT((*texts)[1], HasSubstr("queued-second"));
  EXPECT_TRUE(EchoRoundTrip(*bot, "after-queue"));
}

TEST_F(HandshakeTest, SideBranchFlatHandshakeWithProtocolVersionSpeaksV33) {
  // bridge-v3.3.0+.js: a flat handshake with protocolVersion 3, then
  // `message` frames; relayd answers it in the v3.3 format.
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = NewBot(Generation::kV33, "handshake.bot", "dev-side-branch");
  ASSERT_OK(bot->Connect());
  ASSERT_OK(bot->SendRaw(
      R"({"clientType":"MessengerBotR","botName":"handshake.bot","version":"3.3.0","deviceID":"dev-side-branch","deviceIP":"127.0.0.1","deviceInfo":"x","protocolVersion":3,"supportedMessageTypes":["text"]})"
      "\n"));
  ASSERT_OK(bot->WaitFor("handshakeComplete", 3000ms));
  ASSERT_OK(ApproveDevice("handshake.bot", "dev-side-branch"));
  // WaitFor parses replies as a v3.3 script: JSON + base64 tail.
  EXPECT_TRUE(EchoRoundTrip(*bot, "side-branch"));
}

}  // namespace
}  // namespace botrelay::integration
