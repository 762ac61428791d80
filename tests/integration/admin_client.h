#pragma once
// A small synchronous client of relayd's admin gRPC API for tests, with a
// per-call deadline and the bearer token when one is configured.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "botrelay/admin/v1/admin.grpc.pb.h"

namespace botrelay::integration {

namespace adminpb = ::botrelay::admin::v1;

class AdminClient {
 public:
  explicit AdminClient(const std::string& address, std::string token = "",
                       std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));

  absl::StatusOr<adminpb::SetDeviceStatusResponse> SetDeviceStatus(
      const std::string& bot_name, const std::string& device_id, adminpb::DeviceStatus status,
      const std::string& reason = "integration test");
  // SetDeviceStatus(APPROVED); the result's connections_affected is checked
  // by the tests that care.
  absl::StatusOr<adminpb::SetDeviceStatusResponse> ApproveDevice(const std::string& bot_name,
                                                                 const std::string& device_id);
  absl::StatusOr<adminpb::SetDeviceStatusResponse> BlockDevice(const std::string& bot_name,
                                                               const std::string& device_id);
  absl::StatusOr<adminpb::GetDeviceResponse> GetDevice(const std::string& bot_name,
                                                       const std::string& device_id,
                                                       int ping_limit = 20);
  absl::StatusOr<adminpb::ListConnectionsResponse> ListConnections(const std::string& bot_name,
                                                                   const std::string& device_id);
  absl::StatusOr<adminpb::Connection> GetConnection(uint64_t id);
  absl::StatusOr<adminpb::SendMessageResponse> SendMessage(const adminpb::SendMessageRequest& request);

  adminpb::Admin::Stub& stub() { return *stub_; }
  // A context with this client's deadline and token, for direct stub calls.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<adminpb::Admin::Stub> stub_;
  std::string token_;
  std::chrono::milliseconds deadline_;
};

// grpc::Status -> absl::Status (the code numbering is the same).
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace botrelay::integration
