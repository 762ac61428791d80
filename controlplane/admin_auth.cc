#include "controlplane/admin_auth.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "controlplane/log.h"
#include "controlplane/status_mapping.h"

namespace botrelay::controlplane {

bool TokensEqual(std::string_view presented, std::string_view expected) {
  // Every byte of the longer string is visited; the length difference is
  // folded into the accumulator instead of returning early.
  const size_t n = std::max(presented.size(), expected.size());
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    const unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

absl::Status ValidateAdminToken(std::string_view token) {
  for (char c : token) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          "admin token must be printable ASCII without spaces or line breaks");
    }
  }
  return absl::OkStatus();
}

AdminAuth::AdminAuth(std::string token) : token_(std::move(token)) {}

absl::Status AdminAuth::CheckAuthorizationHeader(std::optional<std::string_view> header) const {
  if (!enabled()) return absl::OkStatus();
  if (!header.has_value()) {
    return absl::UnauthenticatedError(
        "missing authorization metadata; send 'authorization: Bearer <admin token>'");
  }
  // RFC 6750: the scheme is case-insensitive and followed by one or more spaces.
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(header->data(), kScheme.size()),
                              absl::string_view(kScheme.data(), kScheme.size()))) {
    return absl::UnauthenticatedError("authorization metadata is not a Bearer token");
  }
  std::string_view presented = header->substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  if (!TokensEqual(presented, token_)) {
    return absl::UnauthenticatedError("wrong admin token");
  }
  return absl::OkStatus();
}

grpc::Status AdminAuth::Authorize(const grpc::ServerContext& context) const {
  if (!enabled()) return grpc::Status::OK;
  std::optional<std::string_view> header;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    header = std::string_view(it->second.data(), it->second.size());
  }
  absl::Status status = CheckAuthorizationHeader(header);
  if (!status.ok()) {
    LogLine(absl::StrCat("admin call refused from ", context.peer(), ": ",
                         std::string(status.message())));
  }
  return ToGrpcStatus(status);
}

}  // namespace botrelay::controlplane
