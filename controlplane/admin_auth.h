#pragma once
// Bearer-token check for the Admin service.
//
// gRPC 1.51's C++ server interceptors cannot end a call with a status (they
// cannot hijack), and AuthMetadataProcessor is unavailable on insecure
// credentials, so every Admin method calls Authorize() first. Health and
// reflection are separate services and never reach this check.

#include <optional>
#include <string>
#include <string_view>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace botrelay::controlplane {

// Compares in time that depends only on the lengths, never on where the
// first differing byte is.
bool TokensEqual(std::string_view presented, std::string_view expected);

// INVALID_ARGUMENT unless the token is printable ASCII without spaces (a
// token read from a file with its trailing newline would never match).
absl::Status ValidateAdminToken(std::string_view token);

class AdminAuth {
 public:
  // An empty token disables the check (allowed only on a loopback admin
  // address; ControlPlane::Start enforces that).
  explicit AdminAuth(std::string token);

  bool enabled() const { return !token_.empty(); }

  // The check on the value of the `authorization` metadata entry (nullopt
  // when absent): OK, or UNAUTHENTICATED with the reason.
  absl::Status CheckAuthorizationHeader(std::optional<std::string_view> header) const;

  // Reads `authorization` from the call's metadata and logs refusals.
  grpc::Status Authorize(const grpc::ServerContext& context) const;

 private:
  std::string token_;
};

}  // namespace botrelay::controlplane
