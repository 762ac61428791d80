#include "dataplane/net/socket_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace botrelay::net {

namespace {

std::error_code SetInt(int fd, int level, int option, int value) {
  if (::setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
    return std::error_code(errno, std::generic_category());
  }
  return {};
}

}  // namespace

std::error_code ApplySocketOptions(int fd, const SocketSettings& s) {
  std::error_code ec;
  auto set = [&](int level, int option, int value) {
    if (!ec) ec = SetInt(fd, level, option, value);
  };
  set(IPPROTO_TCP, TCP_NODELAY, 1);
  set(SOL_SOCKET, SO_KEEPALIVE, 1);
  set(IPPROTO_TCP, TCP_KEEPIDLE, s.keepalive_idle_seconds);
  set(IPPROTO_TCP, TCP_KEEPINTVL, s.keepalive_interval_seconds);
  set(IPPROTO_TCP, TCP_KEEPCNT, s.keepalive_probes);
  if (s.receive_buffer_bytes > 0) set(SOL_SOCKET, SO_RCVBUF, s.receive_buffer_bytes);
  if (s.send_buffer_bytes > 0) set(SOL_SOCKET, SO_SNDBUF, s.send_buffer_bytes);
  if (s.user_timeout_ms > 0) set(IPPROTO_TCP, TCP_USER_TIMEOUT, s.user_timeout_ms);
  if (!ec && s.linger_seconds >= 0) {
    linger l{1, s.linger_seconds};
    if (::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) != 0) {
      ec = std::error_code(errno, std::generic_category());
    }
  }
  return ec;
}

}  // namespace botrelay::net
