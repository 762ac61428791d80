// Device approval: pending devices are refused per message until an admin
// approves them, blocked devices are disconnected.

#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class ApprovalTest : public RelaydTest, public ::testing::WithParamInterface<Generation> {};

TEST_P(ApprovalTest, PendingDeviceIsRefusedUntilApprovedAtRuntime) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = NewBot(GetParam(), "approval.bot", "dev-pending");
  auto hello = ConnectAndHandshake(*bot);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), false) << hello->line();
  EXPECT_TRUE(hello->String("message").has_value()) << hello->line();

  ASSERT_OK(bot->SendText("# echo before-approval"));
  ASSERT_OK(bot->WaitForError("device_not_approved", 3000ms));
  EXPECT_OK(bot->ExpectSilence(300ms));  // and no reply

  auto approved = admin().ApproveDevice("approval.bot", "dev-pending");
  ASSERT_OK(approved);
  EXPECT_EQ(approved->connections_affected(), 1);
  EXPECT_EQ(approved->device().status(), adminpb::DEVICE_STATUS_APPROVED);

  // Same connection, no new handshake: served from now on.
  EXPECT_TRUE(EchoRoundTrip(*bot, "after-approval"));
  EXPECT_TRUE(bot->connected());
}

TEST_P(ApprovalTest, BlockedDeviceIsClosedAtHandshake) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  // Register the device (pending), then block it while nobody is connected.
  {
    auto first = NewBot(GetParam(), "approval.bot", "dev-blocked");
    ASSERT_OK(ConnectAndHandshake(*first));
    first->Close();
  }
  auto blocked = admin().BlockDevice("approval.bot", "dev-blocked");
  ASSERT_OK(blocked);
  EXPECT_EQ(blocked->device().status(), adminpb::DEVICE_STATUS_BLOCKED);

  auto bot = NewBot(GetParam(), "approval.bot", "dev-blocked");
  auto hello = ConnectAndHandshake(*bot);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), false) << hello->line();
  auto frames = bot->WaitForClose(3000ms);
  ASSERT_OK(frames);
  for (const ServerFrame& frame : *frames) {
    if (frame.event() == "ping") continue;
    EXPECT_EQ(frame.error_code(), "device_refused") << frame.line();
  }
}

TEST_P(ApprovalTest, BlockingAConnectedDeviceClosesIt) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto bot = ConnectApproved(GetParam(), "approval.bot", "dev-to-block");
  ASSERT_OK(bot);
  ASSERT_TRUE(EchoRoundTrip(**bot, "still-approved"));

  auto blocked = admin().BlockDevice("approval.bot", "dev-to-block");
  ASSERT_OK(blocked);
  EXPECT_EQ(blocked->connections_affected(), 1);
  ASSERT_OK((*bot)->WaitForError("device_refused", 3000ms));
  auto rest = (*bot)->WaitForClose(3000ms);
  ASSERT_OK(rest);
  for (const ServerFrame& frame : *rest) EXPECT_EQ(frame.event(), "ping") << frame.line();
}

TEST_P(ApprovalTest, AdminSeesTheRegisteredDevice) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  TestBotConfig config = BotConfig(GetParam(), "approval.bot", "dev-registered");
  auto bot = NewBot(config);
  ASSERT_OK(ConnectAndHandshake(*bot));
  auto device = admin().GetDevice("approval.bot", "dev-registered");
  ASSERT_OK(device);
  EXPECT_EQ(device->device().status(), adminpb::DEVICE_STATUS_PENDING);
  EXPECT_EQ(device->device().client_type(), "MessengerBotR");
  EXPECT_EQ(device->device().client_version(), bot->identity().version);
  EXPECT_EQ(device->device().device_ip(), "127.0.0.1");
  EXPECT_TRUE(device->connected());
  auto connections = admin().ListConnections("approval.bot", "dev-registered");
  ASSERT_OK(connections);
  ASSERT_EQ(connections->connections_size(), 1);
  EXPECT_EQ(connections->connections(0).generation(), GetParam() == Generation::kV32
                                                          ? adminpb::CLIENT_GENERATION_V32
                                                          : adminpb::CLIENT_GENERATION_V33);
  EXPECT_EQ(connections->connections(0).state(), adminpb::CONNECTION_STATE_PENDING);
}

TEST_P(ApprovalTest, UnknownDeviceIsRefusedWhenRegistrationIsOff) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--unknown-devices=refuse"}));
  auto bot = NewBot(GetParam(), "approval.bot", "dev-unknown");
  ASSERT_OK(bot->Connect());
  ASSERT_OK(bot->SendHandshake());
  auto frames = bot->WaitForClose(3000ms);
  ASSERT_OK(frames);
  bool refused = false;
  for (const ServerFrame& frame : *frames) {
    if (frame.event() == "handshakeComplete") {
      EXPECT_EQ(frame.Bool("approved"), false) << frame.line();
    } else if (frame.event() != "ping") {
      EXPECT_EQ(frame.error_code(), "device_refused") << frame.line();
      refused = true;
    }
  }
  EXPECT_TRUE(refused) << "closed without a device_refused error";
  // The close line counts both frames relayd sent: handshakeComplete and the error.
  const auto deadline = testbot::Clock::now() + 3s;
  std::string close_line;
  while (close_line.empty() && testbot::Clock::now() < deadline) {
    for (absl::string_view line : absl::StrSplit(relayd().Log(), '\n')) {
      if (absl::StrContains(line, "device=dev-unknown") &&
          absl::StrContains(line, "closed reason=unknown_refused")) {
        close_line = std::string(line);
      }
    }
    if (close_line.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(absl::StrContains(close_line, " out=2 frames/")) << relayd().Log();
  // Not recorded in the registry.
  auto device = admin().GetDevice("approval.bot", "dev-unknown");
  EXPECT_TRUE(absl::IsNotFound(device.status())) << device.status();
}

INSTANTIATE_TEST_SUITE_P(Generations, ApprovalTest,
                         ::testing::Values(Generation::kV32, Generation::kV33),
                         [](const auto& info) {
                           return info.param == Generation::kV32 ? "V32" : "V33";
                         });

}  // namespace
}  // namespace botrelay::integration
