#include "dataplane/admission/source_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace botrelay::admission {

namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

SourceAddress SourceAddress::FromSockaddr(const sockaddr* address, socklen_t length) {
  SourceAddress out;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(out.bytes_.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix));
    std::memcpy(out.bytes_.data() + 12, &v4->sin_addr, 4);
  } else if (address->sa_family == AF_INET6 &&
             length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(out.bytes_.data(), &v6->sin6_addr, 16);
  }
  return out;
}

absl::StatusOr<SourceAddress> SourceAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) {
    return absl::InvalidArgumentError("not an IP address: '" + std::string(text) + "'");
  }
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  SourceAddress out;
  in_addr v4;
  if (::inet_pton(AF_INET, buffer, &v4) == 1) {
    std::memcpy(out.bytes_.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix));
    std::memcpy(out.bytes_.data() + 12, &v4, 4);
    return out;
  }
  if (::inet_pton(AF_INET6, buffer, out.bytes_.data()) == 1) return out;
  return absl::InvalidArgumentError("not an IP address: '" + std::string(text) + "'");
}

bool SourceAddress::is_v4() const {
  return std::memcmp(bytes_.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix)) == 0;
}

std::string SourceAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN];
  const bool v4 = is_v4();
  if (::inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? bytes_.data() + 12 : bytes_.data(), buffer,
                  sizeof(buffer)) == nullptr) {
    return "?";
  }
  return buffer;
}

size_t SourceAddress::Hash::operator()(const SourceAddress& a) const {
  uint64_t high, low;
  std::memcpy(&high, a.bytes_.data(), 8);
  std::memcpy(&low, a.bytes_.data() + 8, 8);
  // splitmix64 finalizer over both halves: the low half (the IPv4 part) must
  // spread over all stripes and buckets.
  uint64_t x = low ^ (high * 0x9e3779b97f4a7c15ULL);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<size_t>(x);
}

}  // namespace botrelay::admission
