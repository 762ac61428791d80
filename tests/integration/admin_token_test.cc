// relayd started with an admin token: every Admin RPC made by relayctl
// without it (or with a wrong one) fails with UNAUTHENTICATED and changes
// nothing; with it (flag, environment or file) they work; health needs none.

#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

constexpr const char* kToken = "itest-admin-token-7f3a";
constexpr const char* kMissing =
    "relayctl: UNAUTHENTICATED: missing authorization metadata; send 'authorization: Bearer "
    "<admin token>'\n";
constexpr const char* kWrong = "relayctl: UNAUTHENTICATED: wrong admin token\n";

class AdminTokenTest : public RelaydTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartRelayd({absl::StrCat("--admin-token=", kToken)}));
  }
  RelayctlRunner relayctl(std::vector<std::string> env = {}) {
    return RelayctlRunner(relayd().admin_address(), std::move(env));
  }
};

// One command per kind of Admin RPC, read and write.
const std::vector<std::vector<std::string>> kAdminCommands = {
    {"devices", "list"},
    {"devices", "approve", "token.bot", "dev-1"},
    {"connections", "list"},
    {"connections", "kick", "1"},
    {"send", "--bot", "token.bot", "--room", "r", "--text", "hi"},
    {"stats"},
    {"drain", "status"},
    {"drain", "--reason", "should not happen"},
    {"migrate", "--to", "127.0.0.1:9", "--all"},
    {"migrate", "status"},
};

TEST_F(AdminTokenTest, AdminCommandsWithoutTheTokenAreUnauthenticated) {
  for (const auto& command : kAdminCommands) {
    ProcessResult result = relayctl().Run(command);
    EXPECT_EQ(result.exit_code, 1) << command[0] << " " << command[1] << ": " << Describe(result);
    EXPECT_EQ(result.err, kMissing) << command[0] << " " << command[1];
    EXPECT_EQ(result.out, "") << command[0] << " " << command[1];
  }
  // The refused drain did not start one.
  ProcessResult health = relayctl().Run({"health"});
  EXPECT_EQ(health.exit_code, 0) << Describe(health);
  EXPECT_EQ(health.out, "SERVING\n");
}

TEST_F(AdminTokenTest, AWrongTokenIsUnauthenticated) {
  for (const auto& command : kAdminCommands) {
    std::vector<std::string> args = {"--token", "not-the-token"};
    args.insert(args.end(), command.begin(), command.end());
    ProcessResult result = relayctl().Run(args);
    EXPECT_EQ(result.exit_code, 1) << command[0] << " " << command[1] << ": " << Describe(result);
    EXPECT_EQ(result.err, kWrong) << command[0] << " " << command[1];
  }
  ProcessResult from_env =
      relayctl({"BOTRELAY_ADMIN_TOKEN=not-the-token"}).Run({"connections", "list"});
  EXPECT_EQ(from_env.exit_code, 1) << Describe(from_env);
  EXPECT_EQ(from_env.err, kWrong);
}

TEST_F(AdminTokenTest, TheTokenFromFlagEnvironmentOrFileIsAccepted) {
  auto bot = NewBot(Generation::kV33, "token.bot", "dev-1");
  ASSERT_OK(ConnectAndHandshake(*bot));

  auto with_flag = relayctl().Json<adminpb::ListConnectionsResponse>(
      {"--token", kToken, "connections", "list"});
  ASSERT_OK(with_flag);
  ASSERT_EQ(with_flag->connections_size(), 1) << with_flag->ShortDebugString();
  EXPECT_EQ(with_flag->connections(0).device_id(), "dev-1");

  auto with_env = relayctl({absl::StrCat("BOTRELAY_ADMIN_TOKEN=", kToken)})
                      .Json<adminpb::ListDevicesResponse>({"devices", "list"});
  ASSERT_OK(with_env);
  ASSERT_EQ(with_env->devices_size(), 1) << with_env->ShortDebugString();

  const std::string token_file = relayd().dir() + "/admin_token";
  std::ofstream(token_file) << kToken << "\n";  // a trailing newline is ignored
  ProcessResult approve = relayctl().Run(
      {"--token-file", token_file, "devices", "approve", "token.bot", "dev-1"});
  ASSERT_TRUE(ExitedOk(approve));
  EXPECT_EQ(approve.out, "token.bot/dev-1: approved (1 live connection affected)\n");
  EXPECT_TRUE(EchoRoundTrip(*bot, "approved-with-token"));

  auto stats = relayctl().Json<adminpb::GetStatsResponse>({"--token", kToken, "stats"});
  ASSERT_OK(stats);
  EXPECT_GT(stats->samples_size(), 0);
}

TEST_F(AdminTokenTest, HealthNeedsNoToken) {
  ProcessResult health = relayctl().Run({"health"});
  EXPECT_EQ(health.exit_code, 0) << Describe(health);
  EXPECT_EQ(health.out, "SERVING\n");
  ProcessResult named = relayctl().Run({"health", "--service", "botrelay.admin.v1.Admin"});
  EXPECT_EQ(named.exit_code, 0) << Describe(named);
  EXPECT_EQ(named.out, "SERVING\n");
  // A wrong token does not matter to health either.
  ProcessResult wrong = relayctl().Run({"--token", "not-the-token", "health"});
  EXPECT_EQ(wrong.exit_code, 0) << Describe(wrong);
}

}  // namespace
}  // namespace botrelay::integration
