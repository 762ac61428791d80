#pragma once
// relayd's whole configuration: every knob is a command-line flag and a key
// of the same name in the config file (`key = value` lines).

#include <string>

#include "absl/status/statusor.h"
#include "dataplane/net/relay_settings.h"
#include "dataplane/store/sqlite_device_registry.h"
#include "dataplane/upstream/upstream_settings.h"

namespace botrelay::relayd {

struct RelaydConfig {
  net::RelaySettings relay;
  store::SqliteRegistrySettings store;
  upstream::UpstreamSettings upstream;  // url empty = no upstream processor
  std::string admin_address = "127.0.0.1:7701";
  std::string admin_token;
  std::string metrics_address = "127.0.0.1:7702";
  std::string ready_file;
  std::string log_level = "info";
};

// Parses argv and the --config file (flags win over the file). Returns
// INVALID_ARGUMENT with a message naming the key for bad values; a request
// for --help yields CANCELLED with the usage text as the message.
absl::StatusOr<RelaydConfig> LoadConfig(int argc, char** argv);

}  // namespace botrelay::relayd
