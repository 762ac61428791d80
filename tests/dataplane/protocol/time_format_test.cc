// FormatIsoUtcMillis / FormatKstMillis / ParseKstMillis (frame_encoder.h).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "dataplane/protocol/frame_encoder.h"

namespace botrelay::protocol {
namespace {

constexpr int64_t kHourMs = 3'600'000;

std::string Iso(int64_t unix_ms) {
  char buf[32];
  return std::string(FormatIsoUtcMillis(unix_ms, buf));
}

std::string Kst(int64_t unix_ms) {
  char buf[32];
  return std::string(FormatKstMillis(unix_ms, buf));
}

// Independent oracle: the standard library's civil calendar.
std::string ChronoFormat(int64_t unix_ms, int64_t offset_ms, char separator) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds(unix_ms + offset_ms)};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02lld:%02lld:%02lld.%03lld",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), separator,
                static_cast<long long>(clock.hours().count()),
                static_cast<long long>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()),
                static_cast<long long>(clock.subseconds().count()));
  return buf;
}

TEST(TimeFormatTest, IsoUtcKnownValues) {
  EXPECT_EQ(Iso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(1753234365248), "2025-07-23T01:32:45.248Z");
  EXPECT_EQ(Iso(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Iso(1709164800000), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(Iso(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(Iso(1753234365248).size(), 24u);
}

TEST(TimeFormatTest, ExtremeInputsStayInsideTheBuffer) {
  EXPECT_LE(Iso(INT64_MAX).size(), 31u);
  EXPECT_LE(Iso(INT64_MIN).size(), 31u);
  EXPECT_LE(Kst(INT64_MAX).size(), 31u);
  EXPECT_LE(Kst(INT64_MIN).size(), 31u);
}

TEST(TimeFormatTest, KstKnownValues) {
  EXPECT_EQ(Kst(1753234365450), "2025-07-23 10:32:45.450");
  // 15:00 UTC is midnight of the next day in Seoul.
  EXPECT_EQ(Kst(1753196400000), "2025-07-23 00:00:00.000");
  EXPECT_EQ(Kst(1753196400000 - 1), "2025-07-22 23:59:59.999");
  EXPECT_EQ(Kst(0), "1970-01-01 09:00:00.000");
}

TEST(TimeFormatTest, MatchesTheStandardCalendar) {
  std::mt19937_64 rng(99);
  // 1900 .. 2200, both sides of the epoch.
  std::uniform_int_distribution<int64_t> when(-2'208'988'800'000, 7'258'118'400'000);
  for (int i = 0; i < 5000; ++i) {
    const int64_t unix_ms = when(rng);
    ASSERT_EQ(Iso(unix_ms), ChronoFormat(unix_ms, 0, 'T') + "Z") << unix_ms;
    ASSERT_EQ(Kst(unix_ms), ChronoFormat(unix_ms, 9 * kHourMs, ' ')) << unix_ms;
  }
}

TEST(TimeFormatTest, ParseKstInvertsFormatKst) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int64_t> when(0, 7'258'118'400'000);
  for (int i = 0; i < 5000; ++i) {
    const int64_t unix_ms = when(rng);
    ASSERT_EQ(ParseKstMillis(Kst(unix_ms)), unix_ms) << Kst(unix_ms);
  }
}

TEST(TimeFormatTest, ParseKstAcceptsPythonFractionWidths) {
  const int64_t base = ParseKstMillis("2025-07-23 10:32:45");
  EXPECT_EQ(base, 1753234365000);
  EXPECT_EQ(ParseKstMillis("2025-07-23 10:32:45.4"), base + 400);
  EXPECT_EQ(ParseKstMillis("2025-07-23 10:32:45.45"), base + 450);
  EXPECT_EQ(ParseKstMillis("2025-07-23 10:32:45.450"), base + 450);
  EXPECT_EQ(ParseKstMillis("2025-07-23 10:32:45.450999"), base + 450);
}

TEST(TimeFormatTest, ParseAcceptsEpochMillisAndSeconds) {
  EXPECT_EQ(ParseKstMillis("1721700000000"), 1721700000000);
  EXPECT_EQ(ParseKstMillis("1721700000"), 1721700000000);
  EXPECT_EQ(ParseKstMillis("9999999999"), 9999999999000);
  EXPECT_EQ(ParseKstMillis("10000000000"), 10000000000);
  EXPECT_EQ(ParseKstMillis("0"), 0);
}

TEST(TimeFormatTest, ParseRejectsEverythingElse) {
  for (std::string_view bad : {"",
                               "abc",
                               "-1721700000000",
                               "1721700000000.5",
                               "99999999999999999999",
                               "2025-07-23",
                               "2025-07-23T10:32:45.450",
                               "2025-07-23 10:32:45.",
                               "2025-07-23 10:32:45.4507891",
                               "2025-13-01 00:00:00",
                               "2025-00-01 00:00:00",
                               "2025-02-29 00:00:00",
                               "2025-04-31 00:00:00",
                               "2025-07-23 24:00:00",
                               "2025-07-23 10:60:00",
                               "2025-07-23 10:32:60",
                               "2025-07-23 10:32:45Z",
                               "2025/07/23 10:32:45",
                               " 2025-07-23 10:32:45",
                               "2025-07-23 10:32:45.45x",
                               "2025-7-23 10:32:45"}) {
    EXPECT_EQ(ParseKstMillis(bad), -1) << bad;
  }
  EXPECT_NE(ParseKstMillis("2024-02-29 00:00:00"), -1);
}

}  // namespace
}  // namespace botrelay::protocol
