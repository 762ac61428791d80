#include "bench/identity.h"

#include <cstdio>

namespace botrelay::bench {

std::string BotName(int bot) { return "bench-bot-" + std::to_string(bot); }

std::string DeviceId(int device) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "bench-dev-%06d", device);
  return buffer;
}

Identity IdentityFor(int connection, int bots) {
  return Identity{BotName(connection % bots), DeviceId(connection / bots)};
}

}  // namespace botrelay::bench
