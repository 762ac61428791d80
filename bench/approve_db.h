#pragma once
// Pre-approves the benchmark's devices in a relayd store file, so echoes are
// answered from the first run: every (BotName(b), DeviceId(d)) for b < bots,
// d < devices_per_bot gets status 'approved' (inserted, or updated if the
// device is already known). The file is created and migrated with relayd's
// own schema code if needed. relayd keeps the registry in memory, so run
// this while relayd is stopped.

#include <string>

#include "absl/status/status.h"

namespace botrelay::bench {

absl::Status ApproveBenchDevices(const std::string& db_path, int bots, int devices_per_bot);

}  // namespace botrelay::bench
