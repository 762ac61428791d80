// SIGTERM drains: connected phones are told to come back later, then
// closed, and relayd exits 0 promptly.
#include <signal.h>

#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class LifecycleTest : public RelaydTest {};

TEST_F(LifecycleTest, SigtermTellsPhonesThenClosesThemAndExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--drain-deadline=1"}));
  auto v33 = ConnectApproved(Generation::kV33, "life.bot", "dev-33");
  auto v32 = ConnectApproved(Generation::kV32, "life.bot", "dev-32");
  ASSERT_OK(v33);
  ASSERT_OK(v32);
  relayd().Signal(SIGTERM);
  for (TestBot* bot : {v33->get(), v32->get()}) {
    SCOPED_TRACE(testbot::GenerationName(bot->config().generation));
    // A v3.2 script must be able to parse it too (no raw tail).
    auto shutdown = bot->WaitFor("serverShutdown", 2000ms);
    ASSERT_OK(shutdown);
    EXPECT_TRUE(shutdown->String("reason").has_value()) << shutdown->line();
    EXPECT_GE(shutdown->Int("reconnect_after").value_or(-1), 0) << shutdown->line();
    ASSERT_OK(bot->WaitForClose(3000ms));
  }
  auto exit_code = relayd().Wait(5000ms);
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(LifecycleTest, SigtermExitsPromptlyWithAnIdleAdminChannel) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--drain-deadline=1"}));
  // relayctl-like client: one call, channel left open.
  ASSERT_OK(admin().ListConnections("", ""));
  const auto signalled = testbot::Clock::now();
  relayd().Signal(SIGTERM);
  auto exit_code = relayd().Wait(5000ms);
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
  // Nothing to drain: well inside the 1 s drain deadline plus margin.
  EXPECT_LE(testbot::Clock::now() - signalled, 1500ms);
}

}  // namespace
}  // namespace botrelay::integration
