#pragma once
// Socket options applied to every accepted bot connection.

#include <system_error>

#include "dataplane/net/relay_settings.h"

namespace botrelay::net {

// Applies TCP_NODELAY, SO_KEEPALIVE with its timings, buffer sizes, linger
// and TCP_USER_TIMEOUT to a connected socket. Returns the first failure.
std::error_code ApplySocketOptions(int fd, const SocketSettings& settings);

}  // namespace botrelay::net
