#include "cli/admin_connection.h"

#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"

namespace botrelay::cli {

AdminConnection::AdminConnection(ClientConfig config)
    : config_(std::move(config)),
      // The admin port is plaintext: relayd binds it to loopback by default
      // and protects it with the bearer token when it listens wider.
      channel_(grpc::CreateChannel(config_.address,
                                   grpc::InsecureChannelCredentials())),
      stub_(admin::v1::Admin::NewStub(channel_)) {}

void AdminConnection::PrepareCall(grpc::ClientContext* context) const {
  SetDeadline(context);
  SetToken(context);
}

void AdminConnection::PrepareWatch(grpc::ClientContext* context) const {
  SetToken(context);
}

void AdminConnection::PrepareHealthCheck(grpc::ClientContext* context) const {
  SetDeadline(context);
}

void AdminConnection::SetDeadline(grpc::ClientContext* context) const {
  if (config_.timeout == absl::InfiniteDuration()) return;
  context->set_deadline(absl::ToChronoTime(absl::Now() + config_.timeout));
}

void AdminConnection::SetToken(grpc::ClientContext* context) const {
  // Added as plain metadata rather than call credentials: gRPC refuses to
  // attach call credentials to an insecure channel.
  if (config_.token.empty()) return;
  context->AddMetadata("authorization", absl::StrCat("Bearer ", config_.token));
}

}  // namespace botrelay::cli
