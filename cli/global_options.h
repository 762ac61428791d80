#pragma once
// The flags every relayctl command accepts (--addr, --token, --token-file,
// -o, --timeout, --help) and their resolution against the environment.

#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/arg_parser.h"
#include "cli/output.h"

namespace botrelay::cli {

inline constexpr char kDefaultAdminAddress[] = "127.0.0.1:7701";
inline constexpr char kAddressEnv[] = "BOTRELAY_ADMIN_ADDR";
inline constexpr char kTokenEnv[] = "BOTRELAY_ADMIN_TOKEN";

// Where and how to reach relayd's admin port.
struct ClientConfig {
  std::string address;
  std::string token;  // empty: send no authorization header
  absl::Duration timeout;
};

struct GlobalOptions {
  ClientConfig client;
  OutputFormat format = OutputFormat::kTable;
};

// The global flag specs, "help" included.
std::span<const OptionSpec> GlobalOptionSpecs();

// Flags win over the environment; --token wins over --token-file, which
// wins over $BOTRELAY_ADMIN_TOKEN. A token file's trailing whitespace
// (the newline editors add) is not part of the token.
absl::StatusOr<GlobalOptions> ResolveGlobalOptions(const ParsedArgs& args);

}  // namespace botrelay::cli
