// A second connection for the same (bot, device) replaces the first, and
// everything addressed to the device reaches the new one, also after the old
// socket is gone (bot-protocol.md 8.3).

#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class SessionTest : public RelaydTest {
 protected:
  // Admin push to the device; expects delivery to exactly one connection.
  void PushAndExpect(TestBot& bot, const std::string& text) {
    adminpb::SendMessageRequest request;
    request.set_bot_name(bot.config().bot_name);
    request.set_device_id(bot.config().device_id);
    request.set_room("테스트방");
    request.set_channel_id("18445682959392711");
    request.set_text(text);
    auto sent = admin().SendMessage(request);
    ASSERT_OK(sent);
    EXPECT_EQ(sent->connections_delivered(), 1);
    auto texts = bot.WaitForTexts(1, 3000ms, "scheduleMessage");
    ASSERT_OK(texts);
    EXPECT_EQ((*texts)[0], text);
  }
};

TEST_F(SessionTest, TakeoverClosesTheOldConnectionAndServesTheNew) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto old_bot = ConnectApproved(Generation::kV33, "session.bot", "dev-A");
  ASSERT_OK(old_bot);
  ASSERT_TRUE(EchoRoundTrip(**old_bot, "from-old"));

  // The phone reconnects while its old socket is still open (network switch).
  auto new_bot = NewBot(Generation::kV33, "session.bot", "dev-A");
  auto hello = ConnectAndHandshake(*new_bot);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << hello->line();

  ASSERT_OK((*old_bot)->WaitForError("session_replaced", 3000ms));
  auto rest = (*old_bot)->WaitForClose(3000ms);
  ASSERT_OK(rest);
  for (const ServerFrame& frame : *rest) EXPECT_EQ(frame.event(), "ping") << frame.line();

  EXPECT_TRUE(EchoRoundTrip(*new_bot, "from-new"));
  ASSERT_NO_FATAL_FAILURE(PushAndExpect(*new_bot, "push-after-takeover"));

  // The old socket is fully gone now; its teardown must not have
  // unregistered the new connection.
  ASSERT_OK(WaitForConnections("session.bot", "dev-A", 1));
  EXPECT_TRUE(EchoRoundTrip(*new_bot, "still-served"));
  ASSERT_NO_FATAL_FAILURE(PushAndExpect(*new_bot, "push-after-old-closed"));

  auto connections = admin().ListConnections("session.bot", "dev-A");
  ASSERT_OK(connections);
  ASSERT_EQ(connections->connections_size(), 1);
  EXPECT_EQ(connections->connections(0).state(), adminpb::CONNECTION_STATE_APPROVED);
  auto device = admin().GetDevice("session.bot", "dev-A");
  ASSERT_OK(device);
  EXPECT_TRUE(device->connected());
}

TEST_F(SessionTest, RepeatedTakeoversLeaveExactlyTheNewestConnection) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto first = ConnectApproved(Generation::kV33, "session.bot", "dev-B");
  ASSERT_OK(first);
  std::vector<std::shared_ptr<TestBot>> bots = {*first};
  for (int i = 0; i < 5; ++i) {
    auto next = NewBot(Generation::kV33, "session.bot", "dev-B");
    ASSERT_OK(ConnectAndHandshake(*next));
    ASSERT_OK(bots.back()->WaitForError("session_replaced", 3000ms));
    bots.push_back(next);
  }
  for (size_t i = 0; i + 1 < bots.size(); ++i) ASSERT_OK(bots[i]->WaitForClose(3000ms));
  EXPECT_TRUE(EchoRoundTrip(*bots.back(), "newest"));
  // Once the replaced phones have closed their sockets, only one remains.
  ASSERT_OK(WaitForConnections("session.bot", "dev-B", 1));
  auto connections = admin().ListConnections("session.bot", "dev-B");
  ASSERT_OK(connections);
  ASSERT_EQ(connections->connections_size(), 1);
  EXPECT_EQ(connections->connections(0).state(), adminpb::CONNECTION_STATE_APPROVED);
}

TEST_F(SessionTest, OtherDevicesOfTheBotAreUnaffected) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto a = ConnectApproved(Generation::kV33, "session.bot", "dev-C1");
  auto b = ConnectApproved(Generation::kV32, "session.bot", "dev-C2");
  ASSERT_OK(a);
  ASSERT_OK(b);
  auto a2 = NewBot(Generation::kV33, "session.bot", "dev-C1");
  ASSERT_OK(ConnectAndHandshake(*a2));
  ASSERT_OK((*a)->WaitForError("session_replaced", 3000ms));
  EXPECT_TRUE(EchoRoundTrip(**b, "other-device"));
  EXPECT_TRUE((*b)->connected());
}

}  // namespace
}  // namespace botrelay::integration
