#pragma once
// Timestamp strings the bridge scripts put in their frames.

#include <cstdint>
#include <string>

namespace botrelay::testbot {

// Date.now().
int64_t NowUnixMillis();

// JS Date.prototype.toISOString(): "2025-07-23T01:00:00.000Z".
std::string IsoUtcMillis(int64_t unix_ms);

// The v3.2 script's local time "YYYY-MM-DD HH:MM:SS" on a phone in Korea
// (Asia/Seoul, UTC+9, no DST).
std::string KstDateTime(int64_t unix_ms);

}  // namespace botrelay::testbot
