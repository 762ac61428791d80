#include "controlplane/status_mapping.h"

#include <string>

namespace botrelay::controlplane {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  // absl reserves no codes beyond UNAUTHENTICATED today; anything newer is
  // reported as UNKNOWN rather than cast into an undefined grpc code.
  const grpc::StatusCode grpc_code =
      code >= 0 && code <= static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)
          ? static_cast<grpc::StatusCode>(code)
          : grpc::StatusCode::UNKNOWN;
  return grpc::Status(grpc_code, std::string(status.message()));
}

}  // namespace botrelay::controlplane
