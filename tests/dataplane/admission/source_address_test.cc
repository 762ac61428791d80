#include "dataplane/admission/source_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

TEST(SourceAddressTest, ParsesAndPrintsBothFamilies) {
  auto v4 = SourceAddress::Parse("203.0.113.7");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->ToString(), "203.0.113.7");
  auto v6 = SourceAddress::Parse("[2001:db8::1]");
  ASSERT_TRUE(v6.ok());
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
}

TEST(SourceAddressTest, RejectsWhatIsNotAnAddress) {
  for (const char* bad : {"", "1.2.3", "300.1.1.1", "host.example", "1.2.3.4:80", "::g"}) {
    EXPECT_FALSE(SourceAddress::Parse(bad).ok()) << bad;
  }
}

TEST(SourceAddressTest, MappedIpv6PeerEqualsItsIpv4Address) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, "::ffff:127.0.0.5", &v6.sin6_addr), 1);
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(::inet_pton(AF_INET, "127.0.0.5", &v4.sin_addr), 1);
  auto a = SourceAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(v6));
  auto b = SourceAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4));
  EXPECT_EQ(a, b);
  EXPECT_EQ(SourceAddress::Hash()(a), SourceAddress::Hash()(b));
  EXPECT_EQ(a.ToString(), "127.0.0.5");
}

TEST(SourceAddressTest, NeighbouringAddressesSpreadOverTheLockStripes) {
  // StripedSourceTable picks a stripe from the top 6 bits of the hash: one
  // /24 must not land on a handful of stripes.
  std::set<size_t> stripes;
  for (int i = 0; i < 256; ++i) {
    auto a = SourceAddress::Parse("10.0.0." + std::to_string(i));
    ASSERT_TRUE(a.ok());
    stripes.insert(SourceAddress::Hash()(*a) >> 58);
  }
  EXPECT_GE(stripes.size(), 48u);
}

}  // namespace
}  // namespace botrelay::admission
