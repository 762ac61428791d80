#include "controlplane/admin_auth.h"

#include <gtest/gtest.h>

namespace botrelay::controlplane {
namespace {

TEST(TokensEqual, EqualOnlyForIdenticalBytes) {
  EXPECT_TRUE(TokensEqual("s3cret-token", "s3cret-token"));
  EXPECT_TRUE(TokensEqual("", ""));
  EXPECT_FALSE(TokensEqual("s3cret-tokem", "s3cret-token"));
  EXPECT_FALSE(TokensEqual("S3cret-token", "s3cret-token"));
  EXPECT_FALSE(TokensEqual("s3cret", "s3cret-token"));       // prefix
  EXPECT_FALSE(TokensEqual("s3cret-token-x", "s3cret-token"));  // longer
  EXPECT_FALSE(TokensEqual("", "s3cret-token"));
  // A NUL byte does not end the comparison.
  EXPECT_FALSE(TokensEqual(std::string_view("ab\0c", 4), std::string_view("ab\0d", 4)));
}

TEST(ValidateAdminToken, RejectsWhitespaceAndControlCharacters) {
  EXPECT_TRUE(ValidateAdminToken("").ok());
  EXPECT_TRUE(ValidateAdminToken("A-Za-z0-9._~+/=").ok());
  EXPECT_EQ(ValidateAdminToken("token\n").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAdminToken("two words").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAdminToken("tab\t").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAdminToken("caf\xc3\xa9").code(), absl::StatusCode::kInvalidArgument);
}

TEST(AdminAuth, AcceptsTheConfiguredBearerToken) {
  AdminAuth auth("s3cret-token");
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.CheckAuthorizationHeader("Bearer s3cret-token").ok());
  // RFC 6750: the scheme is case-insensitive; extra spaces before the token are tolerated.
  EXPECT_TRUE(auth.CheckAuthorizationHeader("bearer s3cret-token").ok());
  EXPECT_TRUE(auth.CheckAuthorizationHeader("BEARER   s3cret-token").ok());
}

TEST(AdminAuth, RefusesMissingMalformedOrWrongTokens) {
  AdminAuth auth("s3cret-token");
  const struct {
    std::optional<std::string_view> header;
    std::string_view message_part;
  } cases[] = {
      {std::nullopt, "missing authorization"},
      {"", "not a Bearer token"},
      {"s3cret-token", "not a Bearer token"},
      {"Basic czNjcmV0LXRva2Vu", "not a Bearer token"},
      {"Bearer", "not a Bearer token"},
      {"Bearer ", "wrong admin token"},
      {"Bearer s3cret-tokenX", "wrong admin token"},
      {"Bearer s3cret", "wrong admin token"},
      {"Bearer s3cret-token ", "wrong admin token"},
      {"Bearers3cret-token", "not a Bearer token"},
  };
  for (const auto& c : cases) {
    absl::Status status = auth.CheckAuthorizationHeader(c.header);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated)
        << (c.header ? std::string(*c.header) : "<absent>");
    EXPECT_NE(std::string(status.message()).find(c.message_part), std::string::npos)
        << status.message();
  }
}

TEST(AdminAuth, EmptyTokenDisablesTheCheck) {
  AdminAuth auth("");
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.CheckAuthorizationHeader(std::nullopt).ok());
  EXPECT_TRUE(auth.CheckAuthorizationHeader("Bearer anything").ok());
}

}  // namespace
}  // namespace botrelay::controlplane
