#include "tests/integration/admin_client.h"

#include <grpcpp/grpcpp.h>

namespace botrelay::integration {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

AdminClient::AdminClient(const std::string& address, std::string token,
                         std::chrono::milliseconds deadline)
    : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(adminpb::Admin::NewStub(channel_)),
      token_(std::move(token)),
      deadline_(deadline) {}

std::unique_ptr<grpc::ClientContext> AdminClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + deadline_);
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

absl::StatusOr<adminpb::SetDeviceStatusResponse> AdminClient::SetDeviceStatus(
    const std::string& bot_name, const std::string& device_id, adminpb::DeviceStatus status,
    const std::string& reason) {
  adminpb::SetDeviceStatusRequest request;
  request.mutable_key()->set_bot_name(bot_name);
  request.mutable_key()->set_device_id(device_id);
  request.set_status(status);
  request.set_reason(reason);
  request.set_actor("integration-test");
  adminpb::SetDeviceStatusResponse response;
  absl::Status s = FromGrpc(stub_->SetDeviceStatus(NewContext().get(), request, &response));
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<adminpb::SetDeviceStatusResponse> AdminClient::ApproveDevice(
    const std::string& bot_name, const std::string& device_id) {
  return SetDeviceStatus(bot_name, device_id, adminpb::DEVICE_STATUS_APPROVED);
}

absl::StatusOr<adminpb::SetDeviceStatusResponse> AdminClient::BlockDevice(
    const std::string& bot_name, const std::string& device_id) {
  return SetDeviceStatus(bot_name, device_id, adminpb::DEVICE_STATUS_BLOCKED);
}

absl::StatusOr<adminpb::GetDeviceResponse> AdminClient::GetDevice(const std::string& bot_name,
                                                                  const std::string& device_id,
                                                                  int ping_limit) {
  adminpb::GetDeviceRequest request;
  request.mutable_key()->set_bot_name(bot_name);
  request.mutable_key()->set_device_id(device_id);
  request.set_ping_limit(ping_limit);
  adminpb::GetDeviceResponse response;
  absl::Status s = FromGrpc(stub_->GetDevice(NewContext().get(), request, &response));
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<adminpb::ListConnectionsResponse> AdminClient::ListConnections(
    const std::string& bot_name, const std::string& device_id) {
  adminpb::ListConnectionsRequest request;
  request.set_bot_name(bot_name);
  request.set_device_id(device_id);
  adminpb::ListConnectionsResponse response;
  absl::Status s = FromGrpc(stub_->ListConnections(NewContext().get(), request, &response));
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<adminpb::Connection> AdminClient::GetConnection(uint64_t id) {
  adminpb::GetConnectionRequest request;
  request.set_id(id);
  adminpb::Connection response;
  absl::Status s = FromGrpc(stub_->GetConnection(NewContext().get(), request, &response));
  if (!s.ok()) return s;
  return response;
}

absl::StatusOr<adminpb::SendMessageResponse> AdminClient::SendMessage(
    const adminpb::SendMessageRequest& request) {
  adminpb::SendMessageResponse response;
  absl::Status s = FromGrpc(stub_->SendMessage(NewContext().get(), request, &response));
  if (!s.ok()) return s;
  return response;
}

}  // namespace botrelay::integration
