#pragma once
// Socket options of bot connections.
//
// Most are set once, on the listening socket: Linux copies a listener's
// options to every socket accept() returns, so accepting a connection costs
// no setsockopt (five of them were 6 % of relayd's CPU in a handshake storm;
// docs/performance.md). tests/dataplane/net/socket_options_test.cc checks
// the copy on the running kernel.

#include <system_error>

#include "dataplane/net/relay_settings.h"

namespace botrelay::net {

// TCP_NODELAY, SO_KEEPALIVE with its timings, buffer sizes and
// TCP_USER_TIMEOUT, on the listening socket before listen(). Returns the
// first failure.
std::error_code ApplyListenerSocketOptions(int listener_fd, const SocketSettings& settings);

// What must not reach connections that are refused (written to once and
// closed on the accepting thread): SO_LINGER would make their close() block.
// No system call unless linger is configured.
std::error_code ApplyConnectionSocketOptions(int fd, const SocketSettings& settings);

}  // namespace botrelay::net
