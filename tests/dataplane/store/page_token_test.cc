#include "dataplane/store/page_token.h"

#include "gtest/gtest.h"

namespace botrelay::store {
namespace {

TEST(PageTokenTest, RoundTripsAnyBytes) {
  const DeviceKey keys[] = {
      {"LOA.i", "ccbd8eee1012327e"},
      {"bot:with:colons", "device"},
      {"12:", "34"},
      {std::string("nul\0byte", 8), "\x1f\xff\n"},
      {"봇", "기기"},
  };
  for (const DeviceKey& key : keys) {
    absl::StatusOr<DeviceKey> decoded = DecodePageToken(EncodePageToken(key));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, key);
  }
}

TEST(PageTokenTest, RejectsMalformedTokens) {
  const std::string valid = EncodePageToken({"bot", "device"});
  const std::string bad[] = {
      "not base64!",
      "Ym90",                          // "bot": no length prefix
      "OTk6Ym90ZGV2aWNl",              // "99:botdevice": length past the end
      "Mzpib3Q",                       // "3:bot": no device id
      "MDpkZXZpY2U",                   // "0:device": no bot name
      "KzM6Ym90ZGV2aWNl",              // "+3:botdevice": non-canonical length
      valid + "=",
  };
  for (const std::string& token : bad) {
    absl::StatusOr<DeviceKey> decoded = DecodePageToken(token);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
  }
}

}  // namespace
}  // namespace botrelay::store
