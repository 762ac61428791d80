#pragma once
// A client for grpc.health.v1.Health/Check without generated code: the
// request and response are one field each, so they are encoded by hand with
// protobuf's wire-format primitives and sent through grpc::GenericStub.

#include <memory>
#include <string>
#include <string_view>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"

namespace botrelay::cli {

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class ServingStatus {
  kUnknown = 0,
  kServing = 1,
  kNotServing = 2,
  kServiceUnknown = 3,  // only sent by Watch
};

// "SERVING", "NOT_SERVING", ...; numbers this client does not know print as
// themselves.
std::string ServingStatusName(int status);

// HealthCheckRequest{string service = 1}.
std::string EncodeHealthCheckRequest(std::string_view service);

// HealthCheckResponse{ServingStatus status = 1}, the raw enum number (proto3
// keeps unknown enum values). Unknown fields are skipped; malformed bytes
// are an error.
absl::StatusOr<int> DecodeHealthCheckResponse(std::string_view bytes);

// Calls Check on the channel and waits for the answer. A failed call returns
// its gRPC status mapped onto absl's (the codes are the same numbers).
absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                grpc::ClientContext* context,
                                std::string_view service);

}  // namespace botrelay::cli
