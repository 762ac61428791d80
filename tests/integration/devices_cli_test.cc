// relayctl devices against the real relayd: an operator approves a pending
// phone and blocks a connected one; the registry shows who did it and why.

#include "absl/strings/match.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class DevicesCliTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }
};

const adminpb::Device* FindDevice(const adminpb::ListDevicesResponse& list, const std::string& bot,
                                  const std::string& device) {
  for (const adminpb::Device& d : list.devices()) {
    if (d.bot_name() == bot && d.device_id() == device) return &d;
  }
  return nullptr;
}

TEST_F(DevicesCliTest, ApprovingAPendingDeviceServesItsNextMessagesAndRecordsWhoAndWhy) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = NewBot(Generation::kV33, "cli.bot", "dev-approve");
  auto hello = ConnectAndHandshake(*bot);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), false) << hello->line();
  ASSERT_OK(bot->SendText("# echo while-pending"));
  ASSERT_OK(bot->WaitForError("device_not_approved", 3000ms));

  // The operator finds the new phone...
  auto pending = relayctl().Json<adminpb::ListDevicesResponse>(
      {"devices", "list", "--status", "pending"});
  ASSERT_OK(pending);
  const adminpb::Device* listed = FindDevice(*pending, "cli.bot", "dev-approve");
  ASSERT_NE(listed, nullptr) << pending->ShortDebugString();
  EXPECT_EQ(listed->status(), adminpb::DEVICE_STATUS_PENDING);
  EXPECT_EQ(listed->client_version(), "3.3.2");

  // ...and approves it.
  ProcessResult approve = relayctl().Run(
      {"devices", "approve", "cli.bot", "dev-approve", "--reason", "new phone, ticket OPS-112"});
  ASSERT_TRUE(ExitedOk(approve));
  EXPECT_EQ(approve.out, "cli.bot/dev-approve: approved (1 live connection affected)\n");

  // Same connection, no reconnect: the next messages are answered.
  EXPECT_TRUE(EchoRoundTrip(*bot, "after-approval-1"));
  EXPECT_TRUE(EchoRoundTrip(*bot, "after-approval-2"));

  auto all = relayctl().Json<adminpb::ListDevicesResponse>({"devices", "list", "--bot", "cli.bot"});
  ASSERT_OK(all);
  ASSERT_EQ(all->devices_size(), 1) << all->ShortDebugString();
  EXPECT_EQ(all->devices(0).status(), adminpb::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(all->devices(0).status_reason(), "new phone, ticket OPS-112");
  auto still_pending = relayctl().Json<adminpb::ListDevicesResponse>(
      {"devices", "list", "--status", "pending"});
  ASSERT_OK(still_pending);
  EXPECT_EQ(FindDevice(*still_pending, "cli.bot", "dev-approve"), nullptr)
      << still_pending->ShortDebugString();

  auto device = relayctl().Json<adminpb::GetDeviceResponse>({"devices", "get", "cli.bot", "dev-approve"});
  ASSERT_OK(device);
  EXPECT_EQ(device->device().status(), adminpb::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(device->device().client_type(), "MessengerBotR");
  EXPECT_EQ(device->device().last_ip(), "127.0.0.1");
  EXPECT_TRUE(device->connected());
  ASSERT_EQ(device->history_size(), 2) << device->ShortDebugString();
  const adminpb::DeviceHistoryEntry& approval = device->history(0);  // newest first
  EXPECT_EQ(approval.actor(), kRelayctlActor);
  EXPECT_EQ(approval.action(), "approve");
  EXPECT_EQ(approval.old_status(), adminpb::DEVICE_STATUS_PENDING);
  EXPECT_EQ(approval.new_status(), adminpb::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(approval.reason(), "new phone, ticket OPS-112");
  const adminpb::DeviceHistoryEntry& registration = device->history(1);
  EXPECT_EQ(registration.actor(), "relayd");
  EXPECT_EQ(registration.action(), "registered");
  EXPECT_EQ(registration.new_status(), adminpb::DEVICE_STATUS_PENDING);
  EXPECT_GE(approval.at_unix_ms(), registration.at_unix_ms());

  // The table an operator reads says the same.
  ProcessResult table = relayctl().Run({"devices", "get", "cli.bot", "dev-approve"});
  ASSERT_TRUE(ExitedOk(table));
  EXPECT_NE(table.out.find("Status:"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(std::string(kRelayctlActor) + "   approve"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("new phone, ticket OPS-112"), std::string::npos) << table.out;

  // A key relayd has never seen cannot be approved.
  ProcessResult unknown = relayctl().Run({"devices", "approve", "cli.bot", "dev-never-seen"});
  EXPECT_EQ(unknown.exit_code, 1) << Describe(unknown);
  EXPECT_TRUE(absl::StartsWith(unknown.err, "relayctl: NOT_FOUND: ")) << Describe(unknown);
}

TEST_F(DevicesCliTest, BlockingAConnectedDeviceClosesItWithDeviceRefused) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(Generation::kV32, "cli.bot", "dev-block");
  ASSERT_OK(bot);
  ASSERT_TRUE(EchoRoundTrip(**bot, "before-block"));

  ProcessResult block = relayctl().Run(
      {"devices", "block", "cli.bot", "dev-block", "--reason", "phone reported stolen"});
  ASSERT_TRUE(ExitedOk(block));
  EXPECT_EQ(block.out, "cli.bot/dev-block: blocked (1 live connection affected)\n");

  auto refused = (*bot)->WaitForError("device_refused", 3000ms);
  ASSERT_OK(refused);
  EXPECT_EQ(refused->String("message"), "device blocked by an administrator") << refused->line();
  auto rest = (*bot)->WaitForClose(3000ms);
  ASSERT_OK(rest);
  for (const ServerFrame& frame : *rest) EXPECT_EQ(frame.event(), "ping") << frame.line();

  auto device = relayctl().Json<adminpb::GetDeviceResponse>({"devices", "get", "cli.bot", "dev-block"});
  ASSERT_OK(device);
  EXPECT_EQ(device->device().status(), adminpb::DEVICE_STATUS_BLOCKED);
  EXPECT_EQ(device->device().status_reason(), "phone reported stolen");
  ASSERT_GE(device->history_size(), 1);
  EXPECT_EQ(device->history(0).actor(), kRelayctlActor);
  EXPECT_EQ(device->history(0).action(), "block");
  EXPECT_EQ(device->history(0).old_status(), adminpb::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(device->history(0).new_status(), adminpb::DEVICE_STATUS_BLOCKED);
  EXPECT_EQ(device->history(0).reason(), "phone reported stolen");
  ASSERT_OK(WaitForConnections("cli.bot", "dev-block", 0));
  auto after = relayctl().Json<adminpb::GetDeviceResponse>({"devices", "get", "cli.bot", "dev-block"});
  ASSERT_OK(after);
  EXPECT_FALSE(after->connected());

  // The phone comes back and is refused at the handshake.
  auto again = NewBot(Generation::kV32, "cli.bot", "dev-block");
  ASSERT_OK(again->Connect());
  ASSERT_OK(again->SendHandshake());
  auto frames = again->WaitForClose(3000ms);
  ASSERT_OK(frames);
  bool refused_again = false;
  for (const ServerFrame& frame : *frames) {
    if (frame.event() == "error") {
      EXPECT_EQ(frame.error_code(), "device_refused") << frame.line();
      refused_again = true;
    }
  }
  EXPECT_TRUE(refused_again) << again->Transcript();
}

}  // namespace
}  // namespace botrelay::integration
