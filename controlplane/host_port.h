#pragma once
// Listening addresses of the control plane ("127.0.0.1:7701", "[::1]:7702",
// "localhost:7702") and the loopback test that decides whether the admin
// port may run without a token.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace botrelay::controlplane {

struct HostPort {
  std::string host;  // without IPv6 brackets; may be empty (":7701" = every interface)
  uint16_t port = 0;
};

// INVALID_ARGUMENT unless the address is host:port with a port in [0, 65535].
absl::StatusOr<HostPort> ParseHostPort(std::string_view address);

// "localhost", 127.0.0.0/8 and ::1. Names other than "localhost" are not
// resolved: an unresolved name is not known to be loopback.
bool IsLoopbackHost(std::string_view host);

}  // namespace botrelay::controlplane
