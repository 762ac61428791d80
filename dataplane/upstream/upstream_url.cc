#include <charconv>
#include <string>

#include "absl/strings/str_cat.h"
#include "dataplane/upstream/upstream_settings.h"

namespace botrelay::upstream {

absl::StatusOr<UpstreamUrl> ParseUpstreamUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("upstream-url must start with http:// (https is not supported): ",
                     std::string(url)));
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  UpstreamUrl parsed;
  if (slash != std::string_view::npos) parsed.target = std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("upstream-url needs a host (and no user info): ", std::string(url)));
  }
  parsed.host_header = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("upstream-url: bad IPv6 host in ", std::string(url)));
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("upstream-url: bad host in ", std::string(url)));
      }
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("upstream-url: bad port in ", std::string(url)));
    }
    parsed.port = std::string(port);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("upstream-url needs a host: ", std::string(url)));
  }
  parsed.host = std::string(host);
  return parsed;
}

}  // namespace botrelay::upstream
