#pragma once
// The admission knobs (relayd flags and config keys in docs/configuration.md).
// Durations are milliseconds of the monotonic clock the callers pass in.

#include <cstddef>
#include <cstdint>

#include "dataplane/admission/cidr_set.h"
#include "dataplane/ratelimit/token_bucket.h"

namespace botrelay::admission {

struct SourceLimitSettings {
  // New connections per source IP. The defaults let a carrier NAT with
  // thousands of phones behind one address reconnect after a relayd restart
  // (burst 200, then 50/s = 3000/min) while a single flooder is cut off
  // within seconds. burst 0 = no rate limit (here, unlike the message rate
  // limits, whose rate 0 turns them off: connect-rate-per-second must be > 0).
  ratelimit::RateLimit connect_rate{.per_second = 50, .burst = 200};
  // Open connections per source IP; 0 = no cap.
  uint32_t max_connections_per_source = 1000;

  // Automatic bans: `ban_refusal_limit` refusals (rate limit or cap) or
  // `ban_failure_limit` handshake/auth failures within `ban_window_ms` ban the
  // address for `ban_duration_ms`. A limit of 0 disables that trigger.
  uint32_t ban_refusal_limit = 1000;
  uint32_t ban_failure_limit = 50;
  int64_t ban_window_ms = 60'000;
  int64_t ban_duration_ms = 600'000;

  // Most source addresses tracked at once (memory bound; ~200 bytes each).
  size_t max_tracked_sources = 65536;
  // Exempt from rate limit, cap and bans (and cannot be banned by hand).
  CidrSet allowlist;
};

struct FlapSettings {
  // More than `handshake_limit` handshakes of one (bot, device) within
  // `window_ms` start a cool-down of `cooldown_ms`. 0 = no flap detection.
  uint32_t handshake_limit = 10;
  int64_t window_ms = 60'000;
  int64_t cooldown_ms = 300'000;
  size_t max_tracked_devices = 65536;
};

struct AdmissionSettings {
  SourceLimitSettings sources;
  FlapSettings flapping;
};

}  // namespace botrelay::admission
