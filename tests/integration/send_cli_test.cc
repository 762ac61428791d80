// relayctl send against the real relayd: an operator's push reaches the
// bot's approved phones in the frame each script generation displays.

#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"
#include "tests/testbot/base64.h"

namespace botrelay::integration {
namespace {

constexpr const char* kRoom = "테스트방";
constexpr const char* kChannel = "18445682959392711";
// A newline and quotes: both must survive base64 (v3.3) and JSON (v3.2).
const std::string kNotice = "공지\n\"내일\" 23:00 점검";

class SendCliTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }

  ProcessResult Send(const std::string& bot, const std::string& text,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"send", "--bot", bot, "--room", kRoom, "--channel-id",
                                     kChannel, "--text", text};
    args.insert(args.end(), extra.begin(), extra.end());
    return relayctl().Run(args);
  }
};

void ExpectV33Push(TestBot& bot, const std::string& text) {
  auto frame = bot.WaitFor("scheduleMessage", 3000ms);
  ASSERT_OK(frame);
  EXPECT_EQ(frame->String("room"), kRoom) << frame->line();
  EXPECT_EQ(frame->String("channel_id"), kChannel) << frame->line();
  EXPECT_EQ(frame->String("bot_name"), bot.config().bot_name) << frame->line();
  EXPECT_EQ(frame->String("message_type"), "text") << frame->line();
  EXPECT_EQ(frame->String("content_encoding"), "base64") << frame->line();
  const std::string tail = testbot::Base64Encode(text);
  EXPECT_EQ(frame->tail(), tail) << frame->line();
  EXPECT_EQ(frame->RawJson("message_positions"), "[0," + std::to_string(tail.size()) + "]")
      << frame->line();
  EXPECT_EQ(frame->text(), text) << frame->line();
}

void ExpectV32Push(TestBot& bot, const std::string& text) {
  auto frame = bot.WaitFor("messageResponse", 3000ms);
  ASSERT_OK(frame);
  EXPECT_EQ(frame->String("room"), kRoom) << frame->line();
  EXPECT_EQ(frame->String("channel_id"), kChannel) << frame->line();
  EXPECT_EQ(frame->String("bot_name"), bot.config().bot_name) << frame->line();
  EXPECT_EQ(frame->String("text"), text) << frame->line();
  EXPECT_TRUE(frame->tail().empty()) << frame->line();
  EXPECT_EQ(frame->text(), text) << frame->line();
}

TEST_F(SendCliTest, PushReachesEveryApprovedPhoneOfTheBotInItsGenerationsFrame) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto v33 = ConnectApproved(Generation::kV33, "push.bot", "dev-33");
  auto v32 = ConnectApproved(Generation::kV32, "push.bot", "dev-32");
  ASSERT_OK(v33);
  ASSERT_OK(v32);
  auto pending = NewBot(Generation::kV33, "push.bot", "dev-pending");
  ASSERT_OK(ConnectAndHandshake(*pending));
  auto other = ConnectApproved(Generation::kV33, "other.bot", "dev-other");
  ASSERT_OK(other);

  ProcessResult all = Send("push.bot", kNotice);
  ASSERT_TRUE(ExitedOk(all));
  EXPECT_EQ(all.out, "queued on 2 connections\n");
  ASSERT_NO_FATAL_FAILURE(ExpectV33Push(**v33, kNotice));
  ASSERT_NO_FATAL_FAILURE(ExpectV32Push(**v32, kNotice));
  EXPECT_OK(pending->ExpectSilence(300ms));  // pending phones get no pushes
  EXPECT_OK((*other)->ExpectSilence(10ms));  // nor do other bots

  ProcessResult one = Send("push.bot", "only the v3.2 phone", {"--device", "dev-32"});
  ASSERT_TRUE(ExitedOk(one));
  EXPECT_EQ(one.out, "queued on 1 connection\n");
  ASSERT_NO_FATAL_FAILURE(ExpectV32Push(**v32, "only the v3.2 phone"));
  EXPECT_OK((*v33)->ExpectSilence(300ms));

  // The phones are still served normally afterwards.
  EXPECT_TRUE(EchoRoundTrip(**v33, "after-push"));
  EXPECT_TRUE(EchoRoundTrip(**v32, "after-push"));
}

TEST_F(SendCliTest, PushToABotWithoutApprovedConnectionFailsWithFailedPrecondition) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto pending = NewBot(Generation::kV33, "push.bot", "dev-pending");
  ASSERT_OK(ConnectAndHandshake(*pending));

  ProcessResult ghost = Send("ghost.bot", "anyone there?");
  EXPECT_EQ(ghost.exit_code, 1) << Describe(ghost);
  EXPECT_EQ(ghost.out, "");
  EXPECT_EQ(ghost.err, "relayctl: FAILED_PRECONDITION: bot ghost.bot has no approved connection\n");

  ProcessResult to_pending = Send("push.bot", "not yet", {"--device", "dev-pending"});
  EXPECT_EQ(to_pending.exit_code, 1) << Describe(to_pending);
  EXPECT_EQ(to_pending.err,
            "relayctl: FAILED_PRECONDITION: bot push.bot has no approved connection for device "
            "dev-pending\n");
  EXPECT_OK(pending->ExpectSilence(200ms));
}

}  // namespace
}  // namespace botrelay::integration
