// The listener's options must reach every accepted connection: relayd sets
// them once on the listening socket and relies on the kernel copying them.
// These tests check that on the kernel they run on, with real sockets.

#include "dataplane/net/socket_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace botrelay::net {
namespace {

int GetInt(int fd, int level, int option) {
  int value = -1;
  socklen_t size = sizeof value;
  EXPECT_EQ(::getsockopt(fd, level, option, &value, &size), 0);
  return value;
}

linger GetLinger(int fd) {
  linger value{};
  socklen_t size = sizeof value;
  EXPECT_EQ(::getsockopt(fd, SOL_SOCKET, SO_LINGER, &value, &size), 0);
  return value;
}

// A loopback listener with `settings` applied as relayd does, and one
// connection to it, accepted.
class AcceptedConnection {
 public:
  explicit AcceptedConnection(const SocketSettings& settings) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    listener_error_ = ApplyListenerSocketOptions(listener_, settings);
    EXPECT_EQ(::listen(listener_, 1), 0);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    client_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(::connect(client_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    accepted_ = ::accept(listener_, nullptr, nullptr);
  }
  ~AcceptedConnection() {
    for (int fd : {accepted_, client_, listener_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  int fd() const { return accepted_; }
  std::error_code listener_error() const { return listener_error_; }

 private:
  int listener_ = -1;
  int client_ = -1;
  int accepted_ = -1;
  std::error_code listener_error_;
};

TEST(SocketOptionsTest, AcceptedConnectionsCarryTheListenersOptions) {
  SocketSettings settings;
  settings.keepalive_idle_seconds = 77;
  settings.keepalive_interval_seconds = 11;
  settings.keepalive_probes = 4;
  settings.receive_buffer_bytes = 65536;
  settings.send_buffer_bytes = 131072;
  settings.user_timeout_ms = 12345;
  AcceptedConnection connection(settings);
  ASSERT_FALSE(connection.listener_error()) << connection.listener_error().message();
  ASSERT_GE(connection.fd(), 0);
  EXPECT_EQ(GetInt(connection.fd(), IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_EQ(GetInt(connection.fd(), SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(GetInt(connection.fd(), IPPROTO_TCP, TCP_KEEPIDLE), 77);
  EXPECT_EQ(GetInt(connection.fd(), IPPROTO_TCP, TCP_KEEPINTVL), 11);
  EXPECT_EQ(GetInt(connection.fd(), IPPROTO_TCP, TCP_KEEPCNT), 4);
  // Linux doubles the requested sizes for its bookkeeping.
  EXPECT_EQ(GetInt(connection.fd(), SOL_SOCKET, SO_RCVBUF), 2 * 65536);
  EXPECT_EQ(GetInt(connection.fd(), SOL_SOCKET, SO_SNDBUF), 2 * 131072);
  EXPECT_EQ(GetInt(connection.fd(), IPPROTO_TCP, TCP_USER_TIMEOUT), 12345);
  // Linger is never set on the listener: refused connections must not block in close().
  EXPECT_EQ(GetLinger(connection.fd()).l_onoff, 0);
}

TEST(SocketOptionsTest, LingerIsSetPerConnectionOnlyWhenConfigured) {
  SocketSettings settings;
  AcceptedConnection connection(settings);
  ASSERT_GE(connection.fd(), 0);
  EXPECT_FALSE(ApplyConnectionSocketOptions(connection.fd(), settings));
  EXPECT_EQ(GetLinger(connection.fd()).l_onoff, 0);

  settings.linger_seconds = 3;
  EXPECT_FALSE(ApplyConnectionSocketOptions(connection.fd(), settings));
  EXPECT_EQ(GetLinger(connection.fd()).l_onoff, 1);
  EXPECT_EQ(GetLinger(connection.fd()).l_linger, 3);
}

TEST(SocketOptionsTest, AnInvalidSettingIsReportedNotIgnored) {
  SocketSettings settings;
  settings.keepalive_idle_seconds = 0;  // the kernel wants 1 or more
  AcceptedConnection connection(settings);
  EXPECT_EQ(connection.listener_error(), std::errc::invalid_argument);
}

}  // namespace
}  // namespace botrelay::net
