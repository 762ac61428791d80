// Health as relayctl and the metrics port report it: SERVING / 200 while
// relayd serves, NOT_SERVING / 503 as soon as a drain starts (relayctl
// drain), and unreachable once relayd has exited.

#include "absl/strings/match.h"
#include "tests/integration/http_get.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class HealthCliTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }
};

TEST_F(HealthCliTest, HealthIsServingUntilADrainStartsThenNotServing) {
  constexpr int kDrainDeadlineSeconds = 10;
  constexpr int kSpreadSeconds = 5;
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  // A phone that does not read for now: relayd waits for it to read and
  // answer its barrier ping, so the drain is still running while health is
  // checked.
  auto bot = ConnectApproved(Generation::kV33, "health.bot", "dev-1");
  ASSERT_OK(bot);

  ProcessResult serving = relayctl().Run({"health"});
  EXPECT_EQ(serving.exit_code, 0) << Describe(serving);
  EXPECT_EQ(serving.out, "SERVING\n");
  for (const char* service : {"botrelay.admin.v1.Admin", "botrelay.relay"}) {
    ProcessResult named = relayctl().Run({"health", "--service", service});
    EXPECT_EQ(named.exit_code, 0) << service << ": " << Describe(named);
    EXPECT_EQ(named.out, "SERVING\n") << service;
  }
  ProcessResult json = relayctl().Run({"health", "-o", "json"});
  EXPECT_EQ(json.exit_code, 0) << Describe(json);
  EXPECT_EQ(json.out, "{\"status\": \"SERVING\"}\n");
  auto healthz = HttpGet(relayd().metrics_address(), "/healthz");
  ASSERT_OK(healthz);
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(healthz->body, "ok\n");

  const auto drain_started = testbot::Clock::now();
  ProcessResult drain = relayctl().Run(
      {"drain", "--reason", "maintenance window", "--deadline",
       std::to_string(kDrainDeadlineSeconds), "--spread", std::to_string(kSpreadSeconds)});
  ASSERT_TRUE(ExitedOk(drain));
  EXPECT_TRUE(absl::StartsWith(drain.out, "draining: ")) << drain.out;

  // At once: NOT_SERVING, exit 1, on every name; /healthz 503.
  ProcessResult not_serving = relayctl().Run({"health"});
  EXPECT_EQ(not_serving.exit_code, 1) << Describe(not_serving);
  EXPECT_EQ(not_serving.out, "NOT_SERVING\n");
  ProcessResult named = relayctl().Run({"health", "--service", "botrelay.relay"});
  EXPECT_EQ(named.exit_code, 1) << Describe(named);
  EXPECT_EQ(named.out, "NOT_SERVING\n");
  auto unhealthy = HttpGet(relayd().metrics_address(), "/healthz");
  ASSERT_OK(unhealthy);
  EXPECT_EQ(unhealthy->status, 503);
  EXPECT_EQ(unhealthy->body, "not serving\n");
  // The drain really is still running.
  auto progress = relayctl().Json<adminpb::DrainProgress>({"drain", "status"});
  ASSERT_OK(progress);
  EXPECT_TRUE(progress->draining()) << progress->ShortDebugString();
  EXPECT_FALSE(progress->done()) << progress->ShortDebugString();
  EXPECT_EQ(progress->connections_total(), 1u) << progress->ShortDebugString();
  EXPECT_EQ(progress->deadline_unix_ms() - progress->started_at_unix_ms(),
            kDrainDeadlineSeconds * 1000)
      << progress->ShortDebugString();
  EXPECT_TRUE(relayd().Running());

  // The phone is told, then closed.
  auto shutdown = (*bot)->WaitFor("serverShutdown", 3000ms);
  ASSERT_OK(shutdown);
  EXPECT_EQ(shutdown->String("reason"), "maintenance window") << shutdown->line();
  const int64_t reconnect_after = shutdown->Int("reconnect_after").value_or(-1);
  EXPECT_GE(reconnect_after, 1) << shutdown->line();
  EXPECT_LE(reconnect_after, kSpreadSeconds) << shutdown->line();
  // Only relayd's barrier ping (answered by the phone) comes before the close.
  auto rest = (*bot)->WaitForClose(3000ms);
  ASSERT_OK(rest);
  for (const ServerFrame& frame : *rest) EXPECT_EQ(frame.event(), "ping") << frame.line();

  // A drain is a shutdown: relayd exits 0 within the deadline...
  auto exit_code = relayd().Wait(std::chrono::seconds(kDrainDeadlineSeconds + 2));
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
  const auto took =
      std::chrono::duration_cast<testbot::Millis>(testbot::Clock::now() - drain_started);
  RecordProperty("drain_to_exit_ms", static_cast<int>(took.count()));
  EXPECT_LT(took, std::chrono::seconds(kDrainDeadlineSeconds));
  // ...and health is then unreachable.
  ProcessResult gone = relayctl().Run({"health"});
  EXPECT_EQ(gone.exit_code, 1) << Describe(gone);
  EXPECT_TRUE(absl::StartsWith(gone.err, "relayctl: UNAVAILABLE: ")) << Describe(gone);
}

}  // namespace
}  // namespace botrelay::integration
