// Bad input always gets its defined error event and leaves the connection
// usable, except an oversize line, which closes it. Also framing edge cases:
// a frame split over many segments, many frames in one segment.
#include <gmock/gmock.h>

#include <algorithm>

#include "absl/strings/str_replace.h"
#include "tests/integration/relayd_test.h"
#include "tests/testbot/phone_clock.h"
#include "tests/testbot/phone_text.h"

namespace botrelay::integration {
namespace {

using ::testing::HasSubstr;

class MalformedInputTest : public RelaydTest {
 protected:
  // A valid chat line from `bot` for `text`, without sanitising.
  static std::string ChatLine(TestBot& bot, const std::string& text) {
    ChatMessage message;
    message.text = text;
    message.sanitize = false;
    auto line = bot.PrepareChat(message);
    EXPECT_TRUE(line.ok()) << line.status();
    return line.ok() ? *line : std::string();
  }
  // `line` with its raw tail replaced.
  static std::string WithTail(const std::string& line, const std::string& tail) {
    return line.substr(0, line.rfind('}') + 1) + tail + "\n";
  }
  // Sends `bytes`, expects error `code`, then a working echo on the same
  // connection.
  void ExpectErrorThenUsable(TestBot& bot, const std::string& what, const std::string& bytes,
                             const std::string& code) {
    SCOPED_TRACE(what);
    ASSERT_OK(bot.SendRaw(bytes));
    auto error = bot.WaitForError(code, 3000ms);
    ASSERT_OK(error);
    EXPECT_TRUE(error->String("message").has_value()) << error->line();
    EXPECT_TRUE(EchoRoundTrip(bot, "usable-after-" + code));
  }
};

TEST_F(MalformedInputTest, V33LinesGetTheirErrorAndConnectionStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto approved = ConnectApproved(Generation::kV33, "malformed.bot", "dev-33");
  ASSERT_OK(approved);
  TestBot& bot = **approved;
  const std::string valid = ChatLine(bot, "# echo fine");

  ExpectErrorThenUsable(bot, "no brace", "hello world\n", "invalid_json");
  ExpectErrorThenUsable(bot, "broken JSON", R"({"event":"message","data":{"room":}})" "\n",
                        "invalid_json");
  ExpectErrorThenUsable(bot, "JSON array", "[1,2,3]\n", "invalid_json");
  ExpectErrorThenUsable(bot, "empty line", "\n", "empty_line");
  ExpectErrorThenUsable(bot, "unknown event", R"({"event":"fooBar","data":{}})" "\n",
                        "unknown_event");
  ExpectErrorThenUsable(bot, "room missing",
                        absl::StrReplaceAll(valid, {{R"("room":)", R"("rooom":)"}}),
                        "missing_field");
  ExpectErrorThenUsable(bot, "data missing", R"({"event":"message"})" "\n", "missing_field");
  ExpectErrorThenUsable(bot, "invalid UTF-8 in the JSON",
                        absl::StrReplaceAll(valid, {{"테스트방", "bad\xff\xfe room"}}),
                        "invalid_utf8");
  ExpectErrorThenUsable(bot, "decoded text not UTF-8", ChatLine(bot, "# echo \xc3\x28"),
                        "invalid_utf8");
  ExpectErrorThenUsable(bot, "tail not base64", WithTail(valid, "@@@@not*base64"),
                        "invalid_payload");

  // 65,001 UTF-16 units: over the KakaoTalk limit (a phone would have cut it).
  ExpectErrorThenUsable(bot, "65001 ASCII", ChatLine(bot, std::string(65001, 'a')),
                        "text_too_long");
  // Counted in UTF-16 units, not code points: 7 + 2 * 32497 = 65001 units
  // in only 32504 code points.
  std::string emoji = "# echo ";
  for (int i = 0; i < 32497; ++i) emoji += "😀";
  ExpectErrorThenUsable(bot, "65001 units of emoji", ChatLine(bot, emoji), "text_too_long");
}

TEST_F(MalformedInputTest, TextOfExactly65000UnitsIsServed) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(Generation::kV33, "malformed.bot", "dev-limit");
  ASSERT_OK(bot);
  const std::string body(65000 - 7, 'z');  // "# echo " is 7 units
  ASSERT_OK((*bot)->SendText("# echo " + body));
  // The echo may come in more than one frame (relayd splits replies at the
  // limit); together they carry the whole text, and nothing is an error.
  size_t zs = 0;
  while (zs < body.size()) {
    auto reply = (*bot)->WaitFor("messageResponse", 5000ms);
    ASSERT_OK(reply);
    ASSERT_TRUE(reply->text().has_value()) << reply->line();
    EXPECT_LE(testbot::Utf16Length(*reply->text()), 65000u);
    zs += std::count(reply->text()->begin(), reply->text()->end(), 'z');
  }
  EXPECT_EQ(zs, body.size());
  EXPECT_OK((*bot)->ExpectSilence(300ms));
}

TEST_F(MalformedInputTest, V32LinesGetPlainJsonErrors) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto approved = ConnectApproved(Generation::kV32, "malformed.bot", "dev-32");
  ASSERT_OK(approved);
  TestBot& bot = **approved;
  const std::string valid = ChatLine(bot, "# echo fine");
  // Every error reaches the v3.2 script as one parseable JSON line (the
  // TestBot rejects a raw tail for this generation).
  ExpectErrorThenUsable(bot, "no brace", "hello\n", "invalid_json");
  ExpectErrorThenUsable(bot, "empty line", "\n", "empty_line");
  ExpectErrorThenUsable(bot, "unknown event", R"({"event":"fooBar","data":{}})" "\n",
                        "unknown_event");
  ExpectErrorThenUsable(bot, "text missing",
                        absl::StrReplaceAll(valid, {{R"("text":)", R"("texx":)"}}),
                        "missing_field");
  ExpectErrorThenUsable(bot, "65001 units", ChatLine(bot, std::string(65001, 'a')),
                        "text_too_long");
}

TEST_F(MalformedInputTest, OversizeLineIsRefusedAndClosed) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--max-line-bytes=4096"}));
  auto bot = ConnectApproved(Generation::kV33, "malformed.bot", "dev-oversize");
  ASSERT_OK(bot);
  // Under the limit: served.
  ASSERT_TRUE(EchoRoundTrip(**bot, std::string(2000, 'k')));
  // Over it, terminated.
  ASSERT_OK((*bot)->SendRaw(std::string(5000, 'x') + "\n"));
  ASSERT_OK((*bot)->WaitForError("line_too_long", 3000ms));
  ASSERT_OK((*bot)->WaitForClose(3000ms));

  // Over it and never terminated: refused without waiting for an LF.
  auto endless = ConnectApproved(Generation::kV33, "malformed.bot", "dev-oversize");
  ASSERT_OK(endless);
  ASSERT_OK((*endless)->SendRaw(std::string(8192, 'y')));
  ASSERT_OK((*endless)->WaitForError("line_too_long", 3000ms));
  ASSERT_OK((*endless)->WaitForClose(3000ms));
}

TEST_F(MalformedInputTest, FrameSplitAcrossManySegments) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = NewBot(Generation::kV33, "malformed.bot", "dev-split");
  ASSERT_OK(bot->Connect());
  // The handshake itself in 5-byte writes.
  ASSERT_OK(bot->SendRawSplit(testbot::BuildHandshakeLine(bot->identity(), testbot::NowUnixMillis()),
                              5, 1ms));
  ASSERT_OK(bot->WaitFor("handshakeComplete", 3000ms));
  ASSERT_OK(ApproveDevice("malformed.bot", "dev-split"));
  // A chat frame in 3-byte writes, 2 ms apart; the LF arrives alone.
  const std::string line = ChatLine(*bot, "# echo split-segments");
  ASSERT_OK(bot->SendRawSplit(line.substr(0, line.size() - 1), 3, 2ms));
  ASSERT_OK(bot->ExpectSilence(100ms));  // nothing before the LF
  ASSERT_OK(bot->SendRaw("\n"));
  auto reply = bot->WaitForTexts(1, 3000ms);
  ASSERT_OK(reply);
  EXPECT_THAT((*reply)[0], HasSubstr("split-segments"));
}

TEST_F(MalformedInputTest, ManyFramesInOneSegment) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  for (Generation generation : {Generation::kV33, Generation::kV32}) {
    SCOPED_TRACE(testbot::GenerationName(generation));
    auto bot = ConnectApproved(generation, "malformed.bot",
                               "dev-burst-" + std::string(testbot::GenerationName(generation)));
    ASSERT_OK(bot);
    constexpr int kFrames = 50;
    std::string burst;
    for (int i = 0; i < kFrames; ++i) burst += ChatLine(**bot, "# echo burst-" + std::to_string(i) + "-end");
    ASSERT_OK((*bot)->SendRaw(burst));  // one write
    auto texts = (*bot)->WaitForTexts(kFrames, 5000ms);
    ASSERT_OK(texts);
    for (int i = 0; i < kFrames; ++i) {
      EXPECT_THAT((*texts)[i], HasSubstr("burst-" + std::to_string(i) + "-end"));
    }
    EXPECT_OK((*bot)->ExpectSilence(200ms));
  }
}

}  // namespace
}  // namespace botrelay::integration
