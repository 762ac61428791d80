// relayctl: the admin CLI of relayd. Exit codes: 0 success, 1 the call
// failed (or health is not SERVING), 2 the command line is wrong.

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const botrelay::cli::Command root = botrelay::cli::RelayctlCommand();
  return botrelay::cli::RunCommandLine(root, args, std::cout, std::cerr);
}
