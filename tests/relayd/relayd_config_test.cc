// relayd's flags and config-file keys: defaults that work, values parsed into
// the settings, and out-of-range values refused with the key named, before
// anything is started.

#include "relayd/relayd_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace botrelay::relayd {
namespace {

// `flags` after the two a relayd cannot start without.
absl::StatusOr<RelaydConfig> Load(std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"relayd", "--auth-secret-key=config-test-key", "--auth-salt=config-salt"});
  std::vector<char*> argv;
  for (std::string& flag : flags) argv.push_back(flag.data());
  return LoadConfig(static_cast<int>(argv.size()), argv.data());
}

TEST(RelaydConfigTest, SocketDefaultsAreTheDocumentedOnes) {
  absl::StatusOr<RelaydConfig> config = Load({});
  ASSERT_TRUE(config.ok()) << config.status();
  const net::SocketSettings& socket = config->relay.socket;
  EXPECT_EQ(socket.keepalive_idle_seconds, 30);
  EXPECT_EQ(socket.keepalive_interval_seconds, 10);
  EXPECT_EQ(socket.keepalive_probes, 9);
  EXPECT_EQ(socket.linger_seconds, -1);
  EXPECT_EQ(socket.receive_buffer_bytes, 0);
  EXPECT_EQ(socket.send_buffer_bytes, 0);
  EXPECT_EQ(socket.user_timeout_ms, 0);
}

TEST(RelaydConfigTest, SocketFlagsReachTheSettings) {
  absl::StatusOr<RelaydConfig> config =
      Load({"--keepalive-idle=60", "--keepalive-interval=5", "--keepalive-probes=3",
            "--socket-linger=2", "--socket-rcvbuf=65536", "--tcp-user-timeout=20000"});
  ASSERT_TRUE(config.ok()) << config.status();
  const net::SocketSettings& socket = config->relay.socket;
  EXPECT_EQ(socket.keepalive_idle_seconds, 60);
  EXPECT_EQ(socket.keepalive_interval_seconds, 5);
  EXPECT_EQ(socket.keepalive_probes, 3);
  EXPECT_EQ(socket.linger_seconds, 2);
  EXPECT_EQ(socket.receive_buffer_bytes, 65536);
  EXPECT_EQ(socket.user_timeout_ms, 20000);
}

TEST(RelaydConfigTest, SocketValuesTheKernelWouldRefuseAreRefusedAtParse) {
  for (const char* flag : {"--keepalive-idle=0", "--keepalive-idle=40000", "--keepalive-interval=0",
                           "--keepalive-probes=0", "--keepalive-probes=128", "--socket-rcvbuf=-1",
                           "--socket-linger=-2", "--tcp-user-timeout=-5"}) {
    absl::StatusOr<RelaydConfig> config = Load({flag});
    ASSERT_FALSE(config.ok()) << flag;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(config.status().message().find("socket knobs"), absl::string_view::npos)
        << flag << ": " << config.status();
  }
}

}  // namespace
}  // namespace botrelay::relayd
