#pragma once
// The per-bot message rate limit of one shard. Every bot lives on exactly one
// shard (shard.h), so its bucket is shared by all of the bot's connections
// without a lock. A session takes its bot's entry once, when it activates,
// and keeps the pointer (map nodes do not move), so the per-message check is
// one token-bucket take and no lookup.
//
// Entries outlive their last session until the bucket has refilled (Sweep),
// so a bot cannot reset its limit by reconnecting.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "dataplane/log/log_throttle.h"
#include "dataplane/ratelimit/token_bucket.h"

namespace botrelay::net {

// Rate-limit refusals are logged at most once per period per connection
// (connection limit) and per bot (bot limit), with the count.
inline constexpr std::chrono::seconds kRateLimitLogPeriod{10};

class BotRateLimits {
 public:
  using Clock = ratelimit::Clock;

  struct Entry {
    Entry() : refusals(kRateLimitLogPeriod) {}
    ratelimit::TokenBucket bucket;
    log::LogThrottle refusals;  // one warning per period for the whole bot
    uint32_t sessions = 0;
  };

  explicit BotRateLimits(const ratelimit::RateLimit& limit) : policy_(limit) {}

  // The bot's entry, counted as used by one more session; nullptr when the
  // per-bot limit is off.
  Entry* Acquire(const std::string& bot_name);
  void Release(Entry* entry);
  // True (and a token taken from the bot's bucket) if a message at `now` is
  // within the bot's limit.
  bool TryTake(Entry& entry, Clock::time_point now) { return entry.bucket.TryTake(policy_, now); }
  // Forgets bots without sessions whose bucket is full again.
  void Sweep(Clock::time_point now);
  size_t size() const { return bots_.size(); }

 private:
  ratelimit::TokenBucketPolicy policy_;
  std::unordered_map<std::string, Entry> bots_;
};

}  // namespace botrelay::net
