#include "dataplane/net/socket_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace botrelay::net {

namespace {

std::error_code Set(int fd, int level, int option, const void* value, socklen_t size) {
  if (::setsockopt(fd, level, option, value, size) != 0) {
    return std::error_code(errno, std::generic_category());
  }
  return {};
}

}  // namespace

std::error_code ApplyListenerSocketOptions(int listener_fd, const SocketSettings& s) {
  std::error_code ec;
  auto set = [&](int level, int option, int value) {
    if (!ec) ec = Set(listener_fd, level, option, &value, sizeof value);
  };
  set(IPPROTO_TCP, TCP_NODELAY, 1);
  set(SOL_SOCKET, SO_KEEPALIVE, 1);
  set(IPPROTO_TCP, TCP_KEEPIDLE, s.keepalive_idle_seconds);
  set(IPPROTO_TCP, TCP_KEEPINTVL, s.keepalive_interval_seconds);
  set(IPPROTO_TCP, TCP_KEEPCNT, s.keepalive_probes);
  if (s.receive_buffer_bytes > 0) set(SOL_SOCKET, SO_RCVBUF, s.receive_buffer_bytes);
  if (s.send_buffer_bytes > 0) set(SOL_SOCKET, SO_SNDBUF, s.send_buffer_bytes);
  if (s.user_timeout_ms > 0) set(IPPROTO_TCP, TCP_USER_TIMEOUT, s.user_timeout_ms);
  return ec;
}

std::error_code ApplyConnectionSocketOptions(int fd, const SocketSettings& s) {
  if (s.linger_seconds < 0) return {};
  const linger l{1, s.linger_seconds};
  return Set(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

}  // namespace botrelay::net
