#include "tests/integration/relayctl_runner.h"

#include <utility>

namespace botrelay::integration {
namespace {

#ifdef BOTRELAY_RELAYCTL_BINARY
constexpr const char* kRelayctlBinary = BOTRELAY_RELAYCTL_BINARY;
#else
#error "BOTRELAY_RELAYCTL_BINARY must name the relayctl binary"
#endif

}  // namespace

std::string Describe(const ProcessResult& result) {
  return absl::StrCat("exit ", result.exit_code, result.timed_out ? " (timed out)" : "",
                      "\n--- stdout ---\n", result.out, "--- stderr ---\n", result.err,
                      "--------------");
}

::testing::AssertionResult ExitedOk(const ProcessResult& result) {
  if (result.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "relayctl failed: " << Describe(result);
}

RelayctlRunner::RelayctlRunner(std::string admin_address, std::vector<std::string> env)
    : address_(std::move(admin_address)) {
  // A developer's exported settings must not change what the tests see.
  env_ = {"BOTRELAY_ADMIN_ADDR=", "BOTRELAY_ADMIN_TOKEN=", absl::StrCat("USER=", kRelayctlActor)};
  env_.insert(env_.end(), env.begin(), env.end());
}

ProcessResult RelayctlRunner::Run(const std::vector<std::string>& args,
                                  std::chrono::milliseconds time_limit) const {
  std::vector<std::string> argv = {"--addr", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::RunProcess(kRelayctlBinary, argv, env_, time_limit);
}

}  // namespace botrelay::integration
