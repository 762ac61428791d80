// relayctl bans against the real relayd: an operator bans an address by
// hand, sees it in the table and in JSON, the address is turned away at
// accept and its open connections are closed, and lifting the ban lets it
// back in.

#include "absl/strings/match.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class BansCliTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }
  std::shared_ptr<TestBot> BotFrom(const std::string& local_ip, const std::string& device_id) {
    TestBotConfig config = BotConfig(Generation::kV33, "bans.bot", device_id);
    config.local_ip = local_ip;
    return NewBot(config);
  }
};

TEST_F(BansCliTest, AddListLiftAManualBan) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  const ProcessResult added =
      relayctl().Run({"bans", "add", "127.0.0.20", "--for", "10m", "--reason", "abuse report"});
  ASSERT_TRUE(ExitedOk(added));
  EXPECT_TRUE(absl::StrContains(added.out, "127.0.0.20")) << Describe(added);
  EXPECT_TRUE(absl::StrContains(added.out, "manual")) << Describe(added);

  auto bot = BotFrom("127.0.0.20", "dev");
  ASSERT_OK(bot->Connect());
  ASSERT_OK(bot->WaitForError("banned", 2000ms));
  ASSERT_OK(bot->WaitForClose(1000ms));

  // Table: `relayctl bans` lists by default.
  const ProcessResult table = relayctl().Run({"bans"});
  ASSERT_TRUE(ExitedOk(table));
  EXPECT_TRUE(absl::StrContains(table.out, "ADDRESS")) << Describe(table);
  EXPECT_TRUE(absl::StrContains(table.out, "127.0.0.20")) << Describe(table);
  EXPECT_TRUE(absl::StrContains(table.out, "abuse report")) << Describe(table);

  auto listed = relayctl().Json<adminpb::ListBansResponse>({"bans", "list"});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->bans_size(), 1);
  const adminpb::Ban& ban = listed->bans(0);
  EXPECT_EQ(ban.address(), "127.0.0.20");
  EXPECT_EQ(ban.origin(), adminpb::BAN_ORIGIN_MANUAL);
  EXPECT_EQ(ban.reason(), "abuse report");
  EXPECT_EQ(ban.connections_refused(), 1u);
  EXPECT_NEAR(ban.expires_at_unix_ms() - ban.banned_at_unix_ms(), 600'000, 5);

  const ProcessResult lifted = relayctl().Run({"bans", "lift", "127.0.0.20"});
  ASSERT_TRUE(ExitedOk(lifted));
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.20", "dev")));
  auto empty = relayctl().Json<adminpb::ListBansResponse>({"bans"});
  ASSERT_OK(empty);
  EXPECT_EQ(empty->bans_size(), 0);

  // Lifting again, a bad address, a missing duration: errors, not silence.
  const ProcessResult again = relayctl().Run({"bans", "lift", "127.0.0.20"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(again.err, "NOT_FOUND")) << Describe(again);
  const ProcessResult bad = relayctl().Run({"bans", "add", "not-an-ip", "--for", "1m"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(bad.err, "INVALID_ARGUMENT")) << Describe(bad);
  const ProcessResult no_duration = relayctl().Run({"bans", "add", "127.0.0.21"});
  EXPECT_NE(no_duration.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(no_duration.err, "--for")) << Describe(no_duration);
}

TEST_F(BansCliTest, AManualBanClosesTheAddressesOpenConnectionsAndSparesOthers) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto banned = BotFrom("127.0.0.30", "dev-banned");
  ASSERT_OK(ConnectAndHandshake(*banned));
  auto other = BotFrom("127.0.0.31", "dev-other");
  ASSERT_OK(ConnectAndHandshake(*other));

  const ProcessResult added = relayctl().Run({"bans", "add", "127.0.0.30", "--for", "5m"});
  ASSERT_TRUE(ExitedOk(added));
  EXPECT_TRUE(absl::StrContains(added.out, "1 open connection closed")) << Describe(added);
  ASSERT_OK(banned->WaitForError("banned", 2000ms));
  ASSERT_OK(banned->WaitForClose(2000ms));

  EXPECT_TRUE(other->connected());
  auto listed = admin().ListConnections("bans.bot", "dev-other");
  ASSERT_OK(listed);
  EXPECT_EQ(listed->connections_size(), 1);

  // A ban that finds nothing open says so.
  auto json = relayctl().Json<adminpb::AddBanResponse>({"bans", "add", "127.0.0.32", "--for", "1m"});
  ASSERT_OK(json);
  EXPECT_EQ(json->connections_closed(), 0);
}

}  // namespace
}  // namespace botrelay::integration
