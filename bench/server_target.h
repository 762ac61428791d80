#pragma once
// The server a run is aimed at: its bot address and, when known, its pid
// (for RSS and CPU). Comes from --target/--server-pid or from a ready file
// ({"bot":"127.0.0.1:P",...,"pid":N}, as relayd and the reference server
// write it).

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bench/loopback.h"

namespace botrelay::bench {

struct ServerTarget {
  std::string label;  // "relayd", "reference", or the address
  Endpoint bot;
  pid_t pid = 0;      // 0: unknown
  std::optional<Endpoint> metrics;  // relayd's Prometheus endpoint, when known
};

// Waits up to `timeout_s` for the file to appear, then parses it.
absl::StatusOr<ServerTarget> ReadReadyFile(const std::string& path, double timeout_s);
// Writes `{"bot":"...","pid":N}` atomically (temp file + rename).
bool WriteReadyFile(const std::string& path, const Endpoint& bot);

}  // namespace botrelay::bench
