#include "dataplane/store/device_record.h"

#include "gtest/gtest.h"

namespace botrelay::store {
namespace {

TEST(DeviceStatusTest, NamesRoundTrip) {
  const std::pair<DeviceStatus, std::string_view> names[] = {
      {DeviceStatus::kPending, "pending"}, {DeviceStatus::kApproved, "approved"},
      {DeviceStatus::kDenied, "denied"},   {DeviceStatus::kRevoked, "revoked"},
      {DeviceStatus::kBlocked, "blocked"},
  };
  for (const auto& [status, name] : names) {
    EXPECT_EQ(DeviceStatusName(status), name);
    EXPECT_EQ(ParseDeviceStatus(name), status);
  }
}

TEST(DeviceStatusTest, UnknownNamesDoNotParse) {
  EXPECT_EQ(ParseDeviceStatus(""), std::nullopt);
  EXPECT_EQ(ParseDeviceStatus("Approved"), std::nullopt);
  EXPECT_EQ(ParseDeviceStatus("approved "), std::nullopt);
  EXPECT_EQ(ParseDeviceStatus("unknown"), std::nullopt);
}

}  // namespace
}  // namespace botrelay::store
