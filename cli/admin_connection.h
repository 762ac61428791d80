#pragma once
// The channel to relayd's admin port and the per-call setup every command
// shares: the deadline and the bearer token.

#include <memory>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "botrelay/admin/v1/admin.grpc.pb.h"
#include "cli/global_options.h"

namespace botrelay::cli {

class AdminConnection {
 public:
  explicit AdminConnection(ClientConfig config);

  admin::v1::Admin::Stub& admin() { return *stub_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // A unary Admin call: deadline now + --timeout, plus the token.
  void PrepareCall(grpc::ClientContext* context) const;
  // A server stream that lasts as long as the operation it watches (a drain
  // or migration can take minutes): the token, no deadline. An unreachable
  // server still fails at once because calls do not wait for readiness.
  void PrepareWatch(grpc::ClientContext* context) const;
  // grpc.health.v1 needs no token: the deadline only.
  void PrepareHealthCheck(grpc::ClientContext* context) const;

 private:
  void SetDeadline(grpc::ClientContext* context) const;
  void SetToken(grpc::ClientContext* context) const;

  ClientConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<admin::v1::Admin::Stub> stub_;
};

}  // namespace botrelay::cli
