#pragma once
// Which (bot, device) a benchmark connection speaks as. relayd routes replies
// by (botName, deviceID) and lets the newest connection of a key replace the
// older one, so every live connection needs its own key: connection i uses
// bot i % bots and device i / bots. `approve-db` pre-approves exactly that
// grid, so `--bots B --devices-per-bot D` covers B*D connections.

#include <string>

namespace botrelay::bench {

struct Identity {
  std::string bot_name;
  std::string device_id;
};

std::string BotName(int bot);        // "bench-bot-3"
std::string DeviceId(int device);    // "bench-dev-000042"
Identity IdentityFor(int connection, int bots);

}  // namespace botrelay::bench
