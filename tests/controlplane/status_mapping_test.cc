#include "controlplane/status_mapping.h"

#include <gtest/gtest.h>

namespace botrelay::controlplane {
namespace {

TEST(ToGrpcStatus, OkStaysOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK);
}

TEST(ToGrpcStatus, KeepsCodeAndMessage) {
  const struct {
    absl::Status in;
    grpc::StatusCode code;
  } cases[] = {
      {absl::CancelledError("c"), grpc::StatusCode::CANCELLED},
      {absl::UnknownError("u"), grpc::StatusCode::UNKNOWN},
      {absl::InvalidArgumentError("key.bot_name is required"), grpc::StatusCode::INVALID_ARGUMENT},
      {absl::DeadlineExceededError("d"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::NotFoundError("device a/b not found"), grpc::StatusCode::NOT_FOUND},
      {absl::AlreadyExistsError("e"), grpc::StatusCode::ALREADY_EXISTS},
      {absl::PermissionDeniedError("p"), grpc::StatusCode::PERMISSION_DENIED},
      {absl::ResourceExhaustedError("r"), grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::FailedPreconditionError("bot not connected"), grpc::StatusCode::FAILED_PRECONDITION},
      {absl::AbortedError("a"), grpc::StatusCode::ABORTED},
      {absl::OutOfRangeError("o"), grpc::StatusCode::OUT_OF_RANGE},
      {absl::UnimplementedError("i"), grpc::StatusCode::UNIMPLEMENTED},
      {absl::InternalError("n"), grpc::StatusCode::INTERNAL},
      {absl::UnavailableError("store down"), grpc::StatusCode::UNAVAILABLE},
      {absl::DataLossError("l"), grpc::StatusCode::DATA_LOSS},
      {absl::UnauthenticatedError("wrong admin token"), grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& c : cases) {
    grpc::Status status = ToGrpcStatus(c.in);
    EXPECT_EQ(status.error_code(), c.code) << c.in;
    EXPECT_EQ(status.error_message(), std::string(c.in.message()));
  }
}

TEST(ToGrpcStatus, CodeOutsideTheCanonicalSetBecomesUnknown) {
  grpc::Status status = ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(status.error_message(), "odd");
}

}  // namespace
}  // namespace botrelay::controlplane
