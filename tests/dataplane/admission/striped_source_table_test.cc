#include "dataplane/admission/striped_source_table.h"

#include <string>

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

SourceAddress Addr(const std::string& text) { return *SourceAddress::Parse(text); }

SourceLimitSettings Small() {
  SourceLimitSettings s;
  s.connect_rate = {.per_second = 1, .burst = 3};
  s.max_connections_per_source = 100;
  s.ban_refusal_limit = 0;
  s.ban_failure_limit = 0;
  s.ban_window_ms = 10'000;
  s.ban_duration_ms = 60'000;
  return s;
}

TEST(StripedSourceTableTest, RateLimitsEachAddressOnItsOwn) {
  StripedSourceTable table(Small());
  const auto a = Addr("198.51.100.1"), b = Addr("198.51.100.2");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(table.Admit(a, 0).verdict, Verdict::kAdmitted);
  EXPECT_EQ(table.Admit(a, 0).verdict, Verdict::kRateLimited);
  EXPECT_EQ(table.Admit(b, 0).verdict, Verdict::kAdmitted);
  EXPECT_EQ(table.Admit(a, 1000).verdict, Verdict::kAdmitted);  // refilled one
}

TEST(StripedSourceTableTest, CapsOpenConnectionsAndReleasesFreeSlots) {
  SourceLimitSettings s = Small();
  s.connect_rate.burst = 0;  // no rate limit
  s.max_connections_per_source = 2;
  StripedSourceTable table(s);
  const auto a = Addr("198.51.100.1");
  Decision first = table.Admit(a, 0);
  Decision second = table.Admit(a, 0);
  ASSERT_TRUE(first.ticket.counted && second.ticket.counted);
  EXPECT_EQ(table.Admit(a, 0).verdict, Verdict::kTooManyConnections);
  table.Release(first.ticket);
  EXPECT_EQ(table.Admit(a, 0).verdict, Verdict::kAdmitted);
}

TEST(StripedSourceTableTest, RepeatedRefusalsBanAndTheBanExpires) {
  SourceLimitSettings s = Small();
  s.connect_rate = {.per_second = 1, .burst = 1};
  s.ban_refusal_limit = 3;
  StripedSourceTable table(s);
  const auto a = Addr("198.51.100.1");
  EXPECT_EQ(table.Admit(a, 0).verdict, Verdict::kAdmitted);
  EXPECT_FALSE(table.Admit(a, 1).ban_issued);
  EXPECT_FALSE(table.Admit(a, 2).ban_issued);
  Decision third = table.Admit(a, 3);
  EXPECT_EQ(third.verdict, Verdict::kRateLimited);
  EXPECT_TRUE(third.ban_issued);
  EXPECT_EQ(table.Admit(a, 4).verdict, Verdict::kBanned);
  EXPECT_EQ(table.Admit(a, 5).verdict, Verdict::kBanned);
  auto bans = table.ListBans(6);
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].address, a);
  EXPECT_EQ(bans[0].origin, BanOrigin::kAutomatic);
  EXPECT_EQ(bans[0].expires_at_ms, 3 + 60'000);
  EXPECT_EQ(bans[0].connections_refused, 2u);
  // Expired: no longer listed, and the address starts clean (the bucket has
  // refilled over the minute).
  EXPECT_TRUE(table.ListBans(3 + 60'000).empty());
  EXPECT_EQ(table.Admit(a, 3 + 60'000).verdict, Verdict::kAdmitted);
}

TEST(StripedSourceTableTest, RefusalsOutsideTheWindowDoNotAddUp) {
  SourceLimitSettings s = Small();
  s.connect_rate = {.per_second = 0.001, .burst = 1};
  s.ban_refusal_limit = 3;
  StripedSourceTable table(s);
  const auto a = Addr("198.51.100.1");
  table.Admit(a, 0);
  table.Admit(a, 1);
  table.Admit(a, 2);                           // two refusals in the first window
  EXPECT_FALSE(table.Admit(a, 10'001).ban_issued);  // new window: count 1
  EXPECT_TRUE(table.ListBans(10'002).empty());
}

TEST(StripedSourceTableTest, FailuresBan) {
  SourceLimitSettings s = Small();
  s.ban_failure_limit = 2;
  StripedSourceTable table(s);
  const auto a = Addr("2001:db8::7");
  EXPECT_FALSE(table.NoteFailure(a, 0));
  EXPECT_TRUE(table.NoteFailure(a, 1));
  EXPECT_FALSE(table.NoteFailure(a, 2));  // already banned: no second ban
  EXPECT_EQ(table.Admit(a, 3).verdict, Verdict::kBanned);
}

TEST(StripedSourceTableTest, ManualBansAndLifting) {
  StripedSourceTable table(Small());
  const auto a = Addr("198.51.100.9");
  auto ban = table.AddBan(a, 5000, "abuse report", 100);
  ASSERT_TRUE(ban.ok()) << ban.status();
  EXPECT_EQ(ban->origin, BanOrigin::kManual);
  EXPECT_EQ(ban->reason, "abuse report");
  EXPECT_EQ(ban->expires_at_ms, 5100);
  // A shorter ban does not cut a longer one short.
  auto again = table.AddBan(a, 1000, "again", 200);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->expires_at_ms, 5100);
  EXPECT_EQ(table.Admit(a, 300).verdict, Verdict::kBanned);
  auto lifted = table.LiftBan(a, 400);
  ASSERT_TRUE(lifted.ok());
  EXPECT_EQ(lifted->connections_refused, 1u);
  EXPECT_EQ(table.Admit(a, 500).verdict, Verdict::kAdmitted);
  EXPECT_EQ(table.LiftBan(a, 600).status().code(), absl::StatusCode::kNotFound);
}

TEST(StripedSourceTableTest, AllowlistedAddressesAreExemptAndUnbannable) {
  SourceLimitSettings s = Small();
  s.connect_rate = {.per_second = 0.001, .burst = 1};
  s.ban_failure_limit = 1;
  s.allowlist = *CidrSet::Parse("127.0.0.0/8");
  StripedSourceTable table(s);
  const auto local = Addr("127.0.0.2");
  for (int i = 0; i < 10; ++i) {
    Decision d = table.Admit(local, 0);
    EXPECT_EQ(d.verdict, Verdict::kAdmitted);
    EXPECT_FALSE(d.ticket.counted);
  }
  EXPECT_FALSE(table.NoteFailure(local, 0));
  EXPECT_EQ(table.AddBan(local, 1000, "x", 0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(table.tracked_sources(), 0u);
}

TEST(StripedSourceTableTest, AScanFromManyAddressesStaysWithinTheBound) {
  SourceLimitSettings s = Small();
  s.max_tracked_sources = StripedSourceTable::kStripes * 4;  // 4 per stripe
  s.ban_failure_limit = 1;
  StripedSourceTable table(s);
  // A ban that must survive the scan.
  const auto offender = Addr("192.0.2.1");
  ASSERT_TRUE(table.NoteFailure(offender, 0));
  for (int i = 0; i < 20'000; ++i) {
    const std::string ip =
        "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
        std::to_string(i % 256);
    Decision d = table.Admit(Addr(ip), 1);
    ASSERT_EQ(d.verdict, Verdict::kAdmitted);
    table.Release(d.ticket);  // the scanner's connection closes
  }
  EXPECT_LE(table.tracked_sources(), s.max_tracked_sources);
  EXPECT_EQ(table.Admit(offender, 2).verdict, Verdict::kBanned);
}

TEST(StripedSourceTableTest, AFullTableAdmitsNewAddressesUntracked) {
  SourceLimitSettings s = Small();
  s.max_tracked_sources = StripedSourceTable::kStripes;  // 1 per stripe
  s.connect_rate.burst = 0;
  StripedSourceTable table(s);
  // Fill every stripe with a live connection (can't be evicted).
  int live = 0;
  for (int i = 0; i < 5000 && table.tracked_sources() < StripedSourceTable::kStripes; ++i) {
    Decision d = table.Admit(Addr("10.1." + std::to_string(i / 256) + "." +
                                  std::to_string(i % 256)),
                             0);
    if (d.ticket.counted) ++live;
  }
  ASSERT_EQ(table.tracked_sources(), StripedSourceTable::kStripes);
  Decision stranger = table.Admit(Addr("203.0.113.200"), 0);
  EXPECT_EQ(stranger.verdict, Verdict::kAdmitted);
  EXPECT_TRUE(stranger.untracked);
  EXPECT_FALSE(stranger.ticket.counted);
  EXPECT_EQ(live, static_cast<int>(StripedSourceTable::kStripes));
}

}  // namespace
}  // namespace botrelay::admission
