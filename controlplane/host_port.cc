#include "controlplane/host_port.h"

#include <utility>  // before Asio: Boost 1.74 needs it

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace botrelay::controlplane {

absl::StatusOr<HostPort> ParseHostPort(std::string_view address) {
  const auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", std::string(address), "' ", std::string(why),
                     " (expected host:port, e.g. 127.0.0.1:7701 or [::1]:7701)"));
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return invalid("has no port");
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("has an IPv6 host without brackets");
  }
  uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()) {
    return invalid("has no valid port");
  }
  return HostPort{std::string(host), port};
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const boost::asio::ip::address ip = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && ip.is_loopback();
}

}  // namespace botrelay::controlplane
