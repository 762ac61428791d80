#pragma once
// GoogleTest base fixture for tests against the real relayd binary: starts
// relayd (RelaydProcess) with test defaults, connects an AdminClient, makes
// TestBots for it, and on teardown closes the bots, stops relayd with
// SIGTERM and expects exit code 0. When a test fails, relayd's stderr and
// the bots' transcripts are printed.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/integration/admin_client.h"
#include "tests/integration/relayd_process.h"
#include "tests/testbot/test_bot.h"

namespace botrelay::integration {

using testbot::ChatMessage;
using testbot::Generation;
using testbot::PingReplyStyle;
using testbot::ServerFrame;
using testbot::TestBot;
using testbot::TestBotConfig;
using namespace std::chrono_literals;

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& value) {
  return value.status();
}

#define ASSERT_OK(expr)                                                         \
  do {                                                                          \
    const auto& botrelay_status_ = (expr);                                      \
    ASSERT_TRUE(::botrelay::integration::StatusOf(botrelay_status_).ok())       \
        << #expr << ": " << ::botrelay::integration::StatusOf(botrelay_status_); \
  } while (0)
#define EXPECT_OK(expr)                                                         \
  do {                                                                          \
    const auto& botrelay_status_ = (expr);                                      \
    EXPECT_TRUE(::botrelay::integration::StatusOf(botrelay_status_).ok())       \
        << #expr << ": " << ::botrelay::integration::StatusOf(botrelay_status_); \
  } while (0)

class RelaydTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // Starts relayd with the fixture defaults (ephemeral loopback ports, fresh
  // store, test secret and salt, --auth-mode=enforce, debug logs) plus
  // `flags`, which replace defaults of the same name. Use as
  // ASSERT_NO_FATAL_FAILURE(StartRelayd({...})).
  void StartRelayd(std::vector<std::string> flags = {});
  // The same with every option; replaces a relayd started before (killed
  // if still running), e.g. to restart on the same `options.dir`.
  void StartRelayd(RelaydOptions options);
  RelaydProcess& relayd() { return *relayd_; }
  AdminClient& admin() { return *admin_; }

  // Configuration of a phone with this identity for the running relayd.
  TestBotConfig BotConfig(Generation generation, const std::string& bot_name,
                          const std::string& device_id) const;
  // A bot for the running relayd, not yet connected. The fixture keeps a
  // reference for the failure report. Thread-safe.
  std::shared_ptr<TestBot> NewBot(TestBotConfig config);
  std::shared_ptr<TestBot> NewBot(Generation generation, const std::string& bot_name,
                                  const std::string& device_id);

  // Connect, handshake, and check handshakeComplete has success:true.
  absl::StatusOr<ServerFrame> ConnectAndHandshake(TestBot& bot);
  // Admin SetDeviceStatus(APPROVED).
  absl::Status ApproveDevice(const std::string& bot_name, const std::string& device_id);
  // A connected bot whose device is approved: connect and handshake (the
  // device registers as pending), then approve it through the admin API.
  absl::StatusOr<std::shared_ptr<TestBot>> ConnectApproved(TestBotConfig config);
  absl::StatusOr<std::shared_ptr<TestBot>> ConnectApproved(Generation generation,
                                                           const std::string& bot_name,
                                                           const std::string& device_id);

  // Polls ListConnections until exactly `count` connections hold the key
  // (connections relayd is still closing count too).
  absl::Status WaitForConnections(const std::string& bot_name, const std::string& device_id,
                                  int count, testbot::Millis timeout = 3000ms);

  // Sends "# echo <word>" and expects the next frame (pings aside) to be a
  // messageResponse whose text contains `word` (relayd may decorate it).
  ::testing::AssertionResult EchoRoundTrip(TestBot& bot, const std::string& word,
                                           testbot::Millis timeout = 3000ms);

 private:
  std::unique_ptr<RelaydProcess> relayd_;
  std::unique_ptr<AdminClient> admin_;
  std::mutex bots_mu_;
  std::vector<std::shared_ptr<TestBot>> bots_;
};

}  // namespace botrelay::integration
