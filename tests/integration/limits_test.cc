// The connection limit rejects at once instead of stalling (bot-protocol.md
// 8.20), and a freed slot is usable again.
#include <thread>

#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class LimitsTest : public RelaydTest {};

TEST_F(LimitsTest, ConnectionOverTheLimitGetsServerBusyAndIsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--max-connections=2"}));
  auto first = NewBot(Generation::kV33, "limits.bot", "dev-1");
  auto second = NewBot(Generation::kV33, "limits.bot", "dev-2");
  ASSERT_OK(ConnectAndHandshake(*first));
  ASSERT_OK(ConnectAndHandshake(*second));

  auto third = NewBot(Generation::kV33, "limits.bot", "dev-3");
  ASSERT_OK(third->Connect());
  const auto connected_at = testbot::Clock::now();
  // Before any handshake: the refusal does not wait for the client.
  ASSERT_OK(third->WaitForError("server_busy", 2000ms));
  ASSERT_OK(third->WaitForClose(1000ms));
  EXPECT_LE(*third->closed_at() - connected_at, 1000ms);

  // The two admitted connections are unaffected.
  EXPECT_TRUE(first->connected());
  ASSERT_OK(first->ExpectSilence(100ms));

  // Freeing a slot admits a new connection (the close is noticed
  // asynchronously, so allow a few attempts).
  first->Close();
  bool admitted = false;
  for (int attempt = 0; attempt < 20 && !admitted; ++attempt) {
    auto next = NewBot(Generation::kV33, "limits.bot", "dev-4");
    ASSERT_OK(next->Connect());
    ASSERT_OK(next->SendHandshake());
    auto frame = next->ReadFrame(2000ms);
    ASSERT_OK(frame);
    if (frame->event() == "handshakeComplete") {
      admitted = true;
    } else {
      ASSERT_EQ(frame->error_code(), "server_busy") << frame->line();
      next->Close();
      std::this_thread::sleep_for(100ms);
    }
  }
  EXPECT_TRUE(admitted) << "no slot after closing one of two connections";
}

}  // namespace
}  // namespace botrelay::integration
