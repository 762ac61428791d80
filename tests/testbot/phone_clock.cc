#include "tests/testbot/phone_clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace botrelay::testbot {
namespace {

constexpr int64_t kKstOffsetMs = 9 * 3600 * 1000;

std::tm UtcFields(int64_t unix_ms) {
  // Floor division so times before 1970 still land on the right second.
  int64_t secs = unix_ms / 1000;
  if (unix_ms % 1000 < 0) --secs;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

int64_t MillisPart(int64_t unix_ms) { return ((unix_ms % 1000) + 1000) % 1000; }

}  // namespace

int64_t NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoUtcMillis(int64_t unix_ms) {
  const std::tm tm = UtcFields(unix_ms);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(MillisPart(unix_ms)));
  return buf;
}

std::string KstDateTime(int64_t unix_ms) {
  const std::tm tm = UtcFields(unix_ms + kKstOffsetMs);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace botrelay::testbot
