#pragma once
// SourceAddress: a peer's IP address as 16 bytes (IPv4 as IPv4-mapped IPv6),
// so one table, one hash and one CIDR match serve both families and a
// dual-stack listener's ::ffff:a.b.c.d peers count as the IPv4 address they are.
// Built from the sockaddr accept(2) fills in, without allocating.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace botrelay::admission {

class SourceAddress {
 public:
  SourceAddress() = default;
  // AF_INET / AF_INET6 only; anything else gives the all-zero address.
  static SourceAddress FromSockaddr(const sockaddr* address, socklen_t length);
  // "203.0.113.7", "2001:db8::1" (brackets allowed). INVALID_ARGUMENT otherwise.
  static absl::StatusOr<SourceAddress> Parse(std::string_view text);

  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  bool is_v4() const;
  // Dotted quad for IPv4, RFC 5952 text for IPv6.
  std::string ToString() const;

  friend bool operator==(const SourceAddress&, const SourceAddress&) = default;

  struct Hash {
    size_t operator()(const SourceAddress& a) const;
  };

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace botrelay::admission
