#include "cli/commands.h"

namespace botrelay::cli {

Command RelayctlCommand() {
  return {.name = "relayctl",
          .summary = "relayctl administers relayd through its gRPC admin port.",
          .subcommands = {DevicesCommand(), ConnectionsCommand(), SendCommand(),
                          StatsCommand(), HealthCommand(), DrainCommand(),
                          MigrateCommand(), BansCommand()}};
}

}  // namespace botrelay::cli
