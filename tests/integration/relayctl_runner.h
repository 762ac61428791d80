#pragma once
// Runs the real relayctl binary against one relayd, as an operator would:
// `relayctl --addr <admin address> <args...>`, with a clean environment (no
// inherited BOTRELAY_ADMIN_ADDR/TOKEN; USER fixed so the recorded actor is
// known). JSON output (-o json) is parsed back into the API's messages.

#include <chrono>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/cli/subprocess.h"

namespace botrelay::integration {

using test::ProcessResult;

// The USER relayctl runs as: the actor it records in device history.
inline constexpr const char* kRelayctlActor = "itest-operator";

// Exit code, stdout and stderr, for failure messages.
std::string Describe(const ProcessResult& result);

// Success if relayctl exited 0.
::testing::AssertionResult ExitedOk(const ProcessResult& result);

class RelayctlRunner {
 public:
  // `env`: extra "NAME=value" entries (e.g. BOTRELAY_ADMIN_TOKEN=...).
  explicit RelayctlRunner(std::string admin_address, std::vector<std::string> env = {});

  // relayctl --addr ADDRESS args...
  ProcessResult Run(const std::vector<std::string>& args,
                    std::chrono::milliseconds time_limit = std::chrono::seconds(20)) const;

  // Run(args + "-o json"); the parsed stdout if relayctl exited 0.
  template <typename Message>
  absl::StatusOr<Message> Json(std::vector<std::string> args) const {
    args.push_back("-o");
    args.push_back("json");
    const ProcessResult result = Run(args);
    if (result.exit_code != 0) {
      return absl::FailedPreconditionError(absl::StrCat("relayctl failed: ", Describe(result)));
    }
    return ParseJson<Message>(result.out);
  }

  template <typename Message>
  static absl::StatusOr<Message> ParseJson(const std::string& json) {
    Message message;
    const auto status = google::protobuf::util::JsonStringToMessage(json, &message);
    if (!status.ok()) {
      return absl::DataLossError(absl::StrCat("not a ", message.GetTypeName(), " in JSON (",
                                              status.ToString(), "): ", json));
    }
    return message;
  }

  const std::string& address() const { return address_; }

 private:
  std::string address_;
  std::vector<std::string> env_;
};

}  // namespace botrelay::integration
