#include "controlplane/host_port.h"

#include <gtest/gtest.h>

namespace botrelay::controlplane {
namespace {

TEST(ParseHostPort, AcceptsHostPortForms) {
  absl::StatusOr<HostPort> parsed = ParseHostPort("127.0.0.1:7701");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 7701);

  parsed = ParseHostPort("[::1]:0");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, 0);

  parsed = ParseHostPort("localhost:65535");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "localhost");
  EXPECT_EQ(parsed->port, 65535);

  parsed = ParseHostPort(":7701");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "");
}

TEST(ParseHostPort, RejectsMalformedAddresses) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:77x", "::1:7701", "host: 7701", ""}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(IsLoopbackHost, OnlyLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost(""));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.5"));
  EXPECT_FALSE(IsLoopbackHost("relay.example.net"));  // names are not resolved
}

}  // namespace
}  // namespace botrelay::controlplane
