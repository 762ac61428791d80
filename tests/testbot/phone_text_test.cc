#include "tests/testbot/phone_text.h"

#include <gtest/gtest.h>

#include "tests/testbot/phone_clock.h"

namespace botrelay::testbot {
namespace {

TEST(PhoneTextTest, Utf16LengthCountsSurrogatePairsTwice) {
  EXPECT_EQ(Utf16Length(""), 0u);
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("안녕"), 2u);
  EXPECT_EQ(Utf16Length("😀"), 2u);
  EXPECT_EQ(Utf16Length("a😀b"), 4u);
}

TEST(PhoneTextTest, SanitizeDropsControlsButKeepsLineBreaks) {
  EXPECT_EQ(SanitizeLikePhone(std::string("a\x00" "b\tc\nd\re\x1f\x7f" "f", 12)), "abc\nd\ref");
  EXPECT_EQ(SanitizeLikePhone("x\u202Ay\u2066z\u2069"), "xyz");
  EXPECT_EQ(SanitizeLikePhone("\u202B"), "");
}

TEST(PhoneTextTest, SanitizeCutsAt65000Units) {
  const std::string at_limit(kPhoneMaxTextUnits, 'a');
  EXPECT_EQ(SanitizeLikePhone(at_limit), at_limit);
  EXPECT_EQ(SanitizeLikePhone(at_limit + "bc"), at_limit);
  // 64,999 units then an emoji: substring() keeps only the high surrogate,
  // which Java writes as '?'.
  const std::string almost(kPhoneMaxTextUnits - 1, 'a');
  EXPECT_EQ(SanitizeLikePhone(almost + "😀"), almost + "?");
}

TEST(PhoneClockTest, FormatsLikeTheScripts) {
  EXPECT_EQ(IsoUtcMillis(1753232400000), "2025-07-23T01:00:00.000Z");
  EXPECT_EQ(IsoUtcMillis(1753232400007), "2025-07-23T01:00:00.007Z");
  EXPECT_EQ(KstDateTime(1753232400000), "2025-07-23 10:00:00");
  EXPECT_EQ(KstDateTime(1753286399000), "2025-07-24 00:59:59");  // crosses midnight in Seoul
}

}  // namespace
}  // namespace botrelay::testbot
