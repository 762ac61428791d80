#include "dataplane/admission/cidr_set.h"

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

SourceAddress Addr(const char* text) { return *SourceAddress::Parse(text); }

TEST(CidrSetTest, MatchesRangesOfBothFamilies) {
  auto set = CidrSet::Parse("10.0.0.0/8, 192.168.1.7 2001:db8::/32,127.0.0.0/30");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->Contains(Addr("10.255.1.2")));
  EXPECT_FALSE(set->Contains(Addr("11.0.0.1")));
  EXPECT_TRUE(set->Contains(Addr("192.168.1.7")));
  EXPECT_FALSE(set->Contains(Addr("192.168.1.8")));
  EXPECT_TRUE(set->Contains(Addr("2001:db8:ffff::9")));
  EXPECT_FALSE(set->Contains(Addr("2001:db9::1")));
  EXPECT_TRUE(set->Contains(Addr("127.0.0.3")));
  EXPECT_FALSE(set->Contains(Addr("127.0.0.4")));
  // An IPv4 range never matches an IPv6 address outside the mapped block.
  EXPECT_FALSE(set->Contains(Addr("::a00:1")));
}

TEST(CidrSetTest, EmptyMatchesNothingAndZeroPrefixMatchesAFamily) {
  auto empty = CidrSet::Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(empty->Contains(Addr("127.0.0.1")));
  auto all_v4 = CidrSet::Parse("0.0.0.0/0");
  ASSERT_TRUE(all_v4.ok());
  EXPECT_TRUE(all_v4->Contains(Addr("8.8.8.8")));
  EXPECT_FALSE(all_v4->Contains(Addr("2001:db8::1")));
}

TEST(CidrSetTest, RejectsBadEntries) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "example.com", "::/129"}) {
    EXPECT_FALSE(CidrSet::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace botrelay::admission
