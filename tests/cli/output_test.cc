#include "cli/output.h"

#include <string>

#include "botrelay/admin/v1/admin.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace botrelay::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TableTest, AlignsColumnsToTheWidestCell) {
  Table table({"BOT", "DEVICE", "STATUS"});
  table.AddRow({"weather", "a1", "approved"});
  table.AddRow({"b", "device-long-id", "pending"});
  EXPECT_EQ(table.Render(),
            "BOT       DEVICE           STATUS\n"
            "weather   a1               approved\n"
            "b         device-long-id   pending\n");
}

TEST(TableTest, LeavesNoTrailingBlanksAndFillsMissingCells) {
  Table table({"A", "B", "C"});
  table.AddRow({"x", "", ""});
  table.AddRow({"y"});
  EXPECT_EQ(table.Render(),
            "A   B   C\n"
            "x\n"
            "y\n");
}

TEST(TableTest, HeaderOnlyWhenThereAreNoRows) {
  EXPECT_EQ(Table({"ID", "IN/OUT MSGS"}).Render(), "ID   IN/OUT MSGS\n");
}

TEST(KeyValueListTest, AlignsValues) {
  KeyValueList list;
  list.Add("Bot", "weather");
  list.Add("Last seen", "-");
  list.Add("Reason", "");
  EXPECT_EQ(list.Render(),
            "Bot:         weather\n"
            "Last seen:   -\n"
            "Reason:\n");
}

TEST(FormatTest, UnixMillisecondsAsUtc) {
  EXPECT_EQ(FormatUnixMs(0), "-");
  EXPECT_EQ(FormatUnixMs(1747744496789), "2025-05-20T12:34:56Z");
}

TEST(FormatTest, NumbersWithoutNoise) {
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(1234567), "1234567");
  EXPECT_EQ(FormatNumber(-3), "-3");
  EXPECT_EQ(FormatNumber(12.5), "12.5");
  EXPECT_EQ(FormatNumber(0.000123), "0.000123");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
}

TEST(EnumLabelTest, ShortLowerCaseNamesBothWays) {
  const auto* type = admin::v1::DeviceStatus_descriptor();
  EXPECT_EQ(EnumLabel(type, admin::v1::DEVICE_STATUS_APPROVED, "DEVICE_STATUS_"),
            "approved");
  EXPECT_EQ(EnumLabel(type, admin::v1::DEVICE_STATUS_UNSPECIFIED, "DEVICE_STATUS_"),
            "-");
  EXPECT_EQ(EnumLabel(type, 99, "DEVICE_STATUS_"), "99");

  int value = 0;
  ASSERT_TRUE(ParseEnumLabel(type, "Blocked", "DEVICE_STATUS_", &value));
  EXPECT_EQ(value, admin::v1::DEVICE_STATUS_BLOCKED);
  ASSERT_TRUE(ParseEnumLabel(type, "DEVICE_STATUS_PENDING", "DEVICE_STATUS_", &value));
  EXPECT_EQ(value, admin::v1::DEVICE_STATUS_PENDING);
  EXPECT_FALSE(ParseEnumLabel(type, "unspecified", "DEVICE_STATUS_", &value));
  EXPECT_FALSE(ParseEnumLabel(type, "happy", "DEVICE_STATUS_", &value));

  EXPECT_EQ(EnumLabels(type, "DEVICE_STATUS_"),
            "pending, approved, denied, revoked, blocked");
}

TEST(JsonTest, KeepsProtoFieldNamesAndPrintsDefaults) {
  admin::v1::Device device;
  device.set_bot_name("weather");
  device.set_status(admin::v1::DEVICE_STATUS_APPROVED);
  device.set_last_seen_unix_ms(5);
  const std::string json = ToJson(device, JsonStyle::kOneLine);
  EXPECT_THAT(json, HasSubstr("\"bot_name\":\"weather\""));
  EXPECT_THAT(json, HasSubstr("\"status\":\"DEVICE_STATUS_APPROVED\""));
  EXPECT_THAT(json, HasSubstr("\"device_id\":\"\""));
  EXPECT_THAT(json, HasSubstr("\"max_message_size\":0"));
  EXPECT_THAT(json, HasSubstr("\"last_seen_unix_ms\":\"5\""));  // int64: a string
  EXPECT_THAT(json, Not(HasSubstr("botName")));
  EXPECT_THAT(json, Not(HasSubstr("\n")));
}

TEST(JsonTest, PrettyStyleIsIndentedWithoutATrailingNewline) {
  admin::v1::DeleteDeviceResponse response;
  response.set_connections_closed(1);
  const std::string json = ToJson(response, JsonStyle::kPretty);
  EXPECT_THAT(json, HasSubstr("\n \"connections_closed\": 1"));
  EXPECT_EQ(json.back(), '}');
}

}  // namespace
}  // namespace botrelay::cli
