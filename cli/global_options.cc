#include "cli/global_options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace botrelay::cli {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read token file ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  absl::StripTrailingAsciiWhitespace(&token);
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", path, " is empty"));
  }
  return token;
}

absl::StatusOr<std::string> ResolveToken(const ParsedArgs& args) {
  if (args.Has("token") && args.Has("token-file")) {
    return absl::InvalidArgumentError(
        "--token and --token-file are mutually exclusive");
  }
  if (std::optional<std::string> token = args.Get("token")) return *token;
  if (std::optional<std::string> path = args.Get("token-file")) {
    return ReadTokenFile(*path);
  }
  return Env(kTokenEnv).value_or("");
}

absl::StatusOr<OutputFormat> ResolveFormat(const ParsedArgs& args) {
  const std::string format = args.GetOr("output", "table");
  if (format == "table") return OutputFormat::kTable;
  if (format == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid output format '", format, "': expected table or json"));
}

absl::StatusOr<absl::Duration> ResolveTimeout(const ParsedArgs& args) {
  const double seconds = args.GetDouble("timeout").value_or(10);
  if (!(seconds > 0)) {
    return absl::InvalidArgumentError("--timeout must be greater than 0");
  }
  return absl::Seconds(seconds);
}

}  // namespace

std::span<const OptionSpec> GlobalOptionSpecs() {
  static const std::vector<OptionSpec> specs = {
      {.name = "addr",
       .value_name = "HOST:PORT",
       .help = absl::StrCat("relayd admin address (env ", kAddressEnv,
                            ", default ", kDefaultAdminAddress, ")")},
      {.name = "token",
       .value_name = "TOKEN",
       .help = absl::StrCat("admin bearer token (env ", kTokenEnv, ")")},
      {.name = "token-file",
       .value_name = "PATH",
       .help = "read the admin token from a file"},
      {.name = "output",
       .short_name = 'o',
       .value_name = "FORMAT",
       .help = "output format: table or json (default table)"},
      {.name = "timeout",
       .type = ValueType::kDouble,
       .value_name = "SECONDS",
       .help = "deadline of each call (default 10)"},
      {.name = "help",
       .short_name = 'h',
       .type = ValueType::kSwitch,
       .help = "show this help"},
  };
  return specs;
}

absl::StatusOr<GlobalOptions> ResolveGlobalOptions(const ParsedArgs& args) {
  GlobalOptions options;
  options.client.address = args.Get("addr").value_or(
      Env(kAddressEnv).value_or(kDefaultAdminAddress));
  absl::StatusOr<std::string> token = ResolveToken(args);
  if (!token.ok()) return token.status();
  options.client.token = *std::move(token);
  absl::StatusOr<OutputFormat> format = ResolveFormat(args);
  if (!format.ok()) return format.status();
  options.format = *format;
  absl::StatusOr<absl::Duration> timeout = ResolveTimeout(args);
  if (!timeout.ok()) return timeout.status();
  options.client.timeout = *timeout;
  return options;
}

}  // namespace botrelay::cli
