#pragma once
// Knobs of the upstream HTTP processor (relayd --upstream-*; listed in
// docs/configuration.md). An empty url leaves the processor out of the chain.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dataplane/upstream/circuit_breaker.h"

namespace botrelay::upstream {

struct UpstreamSettings {
  std::string url;             // http://host[:port][/path]; empty = disabled
  std::string command_prefix;  // forward only texts starting with it; empty = every message
  std::chrono::milliseconds request_timeout{5'000};  // connect + send + answer
  int max_in_flight = 64;      // per event-loop thread; beyond: upstream_unavailable at once
  int pool_size = 8;           // idle keep-alive connections kept per event-loop thread
  size_t max_response_bytes = 1 << 20;
  CircuitBreakerSettings breaker;
};

// The parts of an upstream URL. Only plain http: relayd and the backend are
// expected to share a host or a private network.
struct UpstreamUrl {
  std::string host;         // without brackets for IPv6 literals
  std::string port = "80";
  std::string target = "/";  // path and query
  std::string host_header;  // as given in the URL, for the Host header
};

absl::StatusOr<UpstreamUrl> ParseUpstreamUrl(std::string_view url);

}  // namespace botrelay::upstream
