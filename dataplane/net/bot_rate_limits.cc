#include "dataplane/net/bot_rate_limits.h"

namespace botrelay::net {

BotRateLimits::Entry* BotRateLimits::Acquire(const std::string& bot_name) {
  if (policy_.unlimited()) return nullptr;
  Entry& entry = bots_.try_emplace(bot_name).first->second;
  ++entry.sessions;
  return &entry;
}

void BotRateLimits::Release(Entry* entry) {
  if (entry != nullptr && entry->sessions > 0) --entry->sessions;
}

void BotRateLimits::Sweep(Clock::time_point now) {
  std::erase_if(bots_, [now](const auto& item) {
    return item.second.sessions == 0 && item.second.bucket.IsFull(now);
  });
}

}  // namespace botrelay::net
