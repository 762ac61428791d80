// Chat round trips through the real relayd for both script generations.
#include <gmock/gmock.h>

#include "tests/integration/relayd_test.h"
#include "tests/testbot/base64.h"

namespace botrelay::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class EchoTest : public RelaydTest {};

TEST_F(EchoTest, V33ReplyIsJsonPlusBase64Tail) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(Generation::kV33, "echo.v33", "dev-echo-33");
  ASSERT_OK(bot);
  ASSERT_OK((*bot)->SendText("# echo 안녕 v33-round-trip"));
  auto reply = (*bot)->WaitFor("messageResponse", 3000ms);
  ASSERT_OK(reply);
  ASSERT_TRUE(reply->text().has_value()) << reply->line();
  EXPECT_THAT(*reply->text(), HasSubstr("안녕 v33-round-trip"));
  EXPECT_THAT(*reply->text(), Not(HasSubstr("# echo")));
  // The fields the v3.3 script uses to post it (bot-protocol.md 3.4, 9.5).
  EXPECT_EQ(reply->String("room"), "테스트방");
  EXPECT_EQ(reply->String("channel_id"), "18445682959392711");
  EXPECT_EQ(reply->String("bot_name"), "echo.v33");
  EXPECT_EQ(reply->String("message_type"), "text");
  EXPECT_EQ(reply->String("content_encoding"), "base64");
  EXPECT_EQ(reply->RawJson("message_positions"),
            "[0," + std::to_string(reply->tail().size()) + "]");
  EXPECT_EQ(testbot::Base64Encode(*reply->text()), reply->tail());
  EXPECT_OK((*bot)->ExpectSilence(300ms));
}

TEST_F(EchoTest, V32ReplyIsPlainJsonWithDataText) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(Generation::kV32, "echo.v32", "dev-echo-32");
  ASSERT_OK(bot);
  ASSERT_OK((*bot)->SendText("# echo 안녕 v32-round-trip"));
  // A v3.2 bot parses each whole line as JSON, so a raw tail would fail here.
  auto reply = (*bot)->WaitFor("messageResponse", 3000ms);
  ASSERT_OK(reply);
  ASSERT_TRUE(reply->text().has_value()) << reply->line();
  EXPECT_THAT(*reply->text(), HasSubstr("안녕 v32-round-trip"));
  EXPECT_EQ(reply->String("room"), "테스트방");
  EXPECT_TRUE(reply->tail().empty());
  EXPECT_OK((*bot)->ExpectSilence(300ms));
}

TEST_F(EchoTest, V332ScriptAndNullChannelId) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  TestBotConfig config = BotConfig(Generation::kV33, "echo.v332", "dev-echo-332");
  config.ping_reply = PingReplyStyle::kPing;  // bridge v3.3.0-3.3.2
  auto bot = ConnectApproved(config);
  ASSERT_OK(bot);
  ChatMessage message;
  message.text = "# echo null-channel";
  message.channel_id.reset();
  ASSERT_OK((*bot)->SendChat(message));
  auto reply = (*bot)->WaitFor("messageResponse", 3000ms);
  ASSERT_OK(reply);
  ASSERT_TRUE(reply->text().has_value());
  EXPECT_THAT(*reply->text(), HasSubstr("null-channel"));
  // Never the string "None" the old server sent (bot-protocol.md 8.14).
  EXPECT_NE(reply->String("channel_id"), "None");
}

TEST_F(EchoTest, RepeatRepliesArriveInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(Generation::kV33, "echo.repeat", "dev-repeat");
  ASSERT_OK(bot);
  ASSERT_OK((*bot)->SendText("# echo alpha --repeat=3"));
  ASSERT_OK((*bot)->SendText("# echo bravo --repeat=3"));
  auto texts = (*bot)->WaitForTexts(6, 3000ms);
  ASSERT_OK(texts);
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(i);
    const std::string& text = (*texts)[i];
    EXPECT_THAT(text, HasSubstr(i < 3 ? "alpha" : "bravo"));
    EXPECT_THAT(text, Not(HasSubstr("--repeat")));
    // If relayd numbers the copies ("[k/3]"), they must count up.
    if (text.find("/3]") != std::string::npos) {
      EXPECT_THAT(text, HasSubstr("[" + std::to_string(i % 3 + 1) + "/3]"));
    }
  }
  EXPECT_OK((*bot)->ExpectSilence(300ms));
}

}  // namespace
}  // namespace botrelay::integration
