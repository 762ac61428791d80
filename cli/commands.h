#pragma once
// The command groups of relayctl, one per file (devices_command.cc, ...).

#include "cli/command.h"

namespace botrelay::cli {

Command DevicesCommand();
Command ConnectionsCommand();
Command SendCommand();
Command StatsCommand();
Command HealthCommand();
Command DrainCommand();
Command MigrateCommand();
Command BansCommand();

// The root: relayctl and every group above.
Command RelayctlCommand();

}  // namespace botrelay::cli
