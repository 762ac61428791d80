#pragma once
// Loopback-only socket helpers. relaybench never talks to anything outside
// 127.0.0.0/8: every address it connects to or binds is checked here.
// Many connections fit because each client socket is bound to one of many
// 127.x.y.z source addresses (each has its own 28k ephemeral ports), with
// IP_BIND_ADDRESS_NO_PORT so the port is picked at connect() from the full
// 4-tuple.

#include <netinet/in.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace botrelay::bench {

struct Endpoint {
  uint32_t ip = 0;     // host byte order, always inside 127.0.0.0/8
  uint16_t port = 0;
  sockaddr_in ToSockaddr() const;
  std::string ToString() const;
};

// "127.0.0.1:7700" -> Endpoint; refuses anything outside 127.0.0.0/8.
absl::StatusOr<Endpoint> ParseLoopbackEndpoint(const std::string& text);
std::string IpToString(uint32_t ip);

// The k-th source address: 127.0.0.2 + k (skipping 127.0.0.1, which servers
// and other tools use), for k < count.
class SourceAddresses {
 public:
  explicit SourceAddresses(int count) : count_(count < 1 ? 1 : count) {}
  uint32_t For(int connection) const { return kFirst + static_cast<uint32_t>(connection % count_); }
  int count() const { return count_; }

 private:
  static constexpr uint32_t kFirst = (127u << 24) | 2;
  int count_;
};

// Starts a non-blocking connect from `source` to `target`. Returns the socket
// (connected or in progress) or -1 with errno set.
int StartConnect(uint32_t source, const Endpoint& target);
// The result of a finished non-blocking connect: 0 or an errno value.
int ConnectResult(int fd);

// Raises RLIMIT_NOFILE to at least `wanted` descriptors (the hard limit too
// when permitted). Returns the soft limit now in force.
uint64_t RaiseFileLimit(uint64_t wanted);

}  // namespace botrelay::bench
