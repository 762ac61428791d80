#pragma once
// absl::Status -> grpc::Status. The canonical codes are numerically identical
// in both libraries, so the code and the message pass through unchanged.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace botrelay::controlplane {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace botrelay::controlplane
