#include <gtest/gtest.h>

#include "controlplane/control_plane.h"

namespace botrelay::controlplane {
namespace {

TEST(ValidateControlPlaneSettings, DefaultsAreValid) {
  EXPECT_TRUE(ValidateControlPlaneSettings(ControlPlaneSettings{}).ok());
}

TEST(ValidateControlPlaneSettings, NonLoopbackAdminAddressNeedsAToken) {
  ControlPlaneSettings settings;
  settings.admin_address = "0.0.0.0:7701";
  absl::Status status = ValidateControlPlaneSettings(settings);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(status.message()).find("admin token is required"), std::string::npos);

  settings.admin_address = "[::]:7701";
  EXPECT_EQ(ValidateControlPlaneSettings(settings).code(), absl::StatusCode::kFailedPrecondition);

  settings.admin_token = "s3cret";
  EXPECT_TRUE(ValidateControlPlaneSettings(settings).ok());
}

TEST(ValidateControlPlaneSettings, LoopbackAdminAddressMayOmitTheToken) {
  ControlPlaneSettings settings;
  for (const char* address : {"127.0.0.1:0", "[::1]:7701", "localhost:7701"}) {
    settings.admin_address = address;
    EXPECT_TRUE(ValidateControlPlaneSettings(settings).ok()) << address;
  }
}

TEST(ValidateControlPlaneSettings, RejectsMalformedAddressesAndTokens) {
  ControlPlaneSettings settings;
  settings.admin_address = "7701";
  absl::Status status = ValidateControlPlaneSettings(settings);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("admin_address"), std::string::npos);

  settings = {};
  settings.metrics_address = "127.0.0.1:http";
  status = ValidateControlPlaneSettings(settings);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("metrics_address"), std::string::npos);

  settings = {};
  settings.admin_token = "from-a-file\n";
  EXPECT_EQ(ValidateControlPlaneSettings(settings).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace botrelay::controlplane
