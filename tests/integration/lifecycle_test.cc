// SIGTERM drains: connected phones are told to come back later, then
// closed, and relayd exits 0 promptly.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class LifecycleTest : public RelaydTest {};

// docs/operations.md tells operators to read these names in `top -H`.
TEST_F(LifecycleTest, ThreadsCarryTheDocumentedNames) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--threads=2"}));
  const std::set<std::string> expected = {"relayd-shard-0", "relayd-shard-1", "relayd-store",
                                          "relayd-metrics", "relayd-health"};
  const std::string tasks = "/proc/" + std::to_string(relayd().pid()) + "/task";
  std::set<std::string> names;
  // A thread names itself as its first step, which may come just after
  // relayd reports ready.
  const auto deadline = testbot::Clock::now() + 2s;
  while (true) {
    names.clear();
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      names.insert(name);
    }
    const bool all = std::all_of(expected.begin(), expected.end(),
                                 [&](const std::string& name) { return names.contains(name); });
    if (all || testbot::Clock::now() > deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  for (const std::string& name : expected) {
    EXPECT_TRUE(names.contains(name)) << name << " missing";
  }
}

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
