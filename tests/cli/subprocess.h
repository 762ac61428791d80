#pragma once
// Runs a program to completion and captures what it printed, for tests that
// exercise the relayctl binary as a user would.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace botrelay::test {

struct ProcessResult {
  int exit_code = -1;   // -1 if killed by a signal or by the time limit
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

// Runs program with args; env entries ("NAME=value") are added to (or
// replace) the inherited environment, and entries "NAME=" with an empty
// value remove NAME. The process is killed after time_limit.
ProcessResult RunProcess(const std::string& program,
                         const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {},
                         std::chrono::milliseconds time_limit =
                             std::chrono::seconds(30));

}  // namespace botrelay::test
