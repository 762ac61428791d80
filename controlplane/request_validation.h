#pragma once
// Admin requests -> data-plane requests. Each Parse* function checks one
// request, fills in the defaults the admin API documents, and returns
// INVALID_ARGUMENT naming the offending field when the request is unusable.
// Pure functions: the Admin service calls the data plane only with their output.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "botrelay/admin/v1/admin.pb.h"
#include "dataplane/data_plane.h"
#include "dataplane/store/device_registry.h"

namespace botrelay::controlplane {

namespace v1 = ::botrelay::admin::v1;

inline constexpr int kDefaultDevicePageSize = 100;
inline constexpr int kMaxDevicePageSize = 1000;
inline constexpr int kDefaultHistoryLimit = 20;
inline constexpr int kMaxHistoryLimit = 1000;
inline constexpr int kDefaultConnectionLimit = 1000;
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxActorBytes = 256;
inline constexpr double kDefaultMigrationRate = 100;
inline constexpr int32_t kDefaultMigrateAfterSeconds = 5;

struct DeviceListQuery {
  store::DeviceFilter filter;
  int page_size = kDefaultDevicePageSize;
  std::string page_token;
};
absl::StatusOr<DeviceListQuery> ParseListDevices(const v1::ListDevicesRequest& request);

struct DeviceQuery {
  store::DeviceKey key;
  int history_limit = kDefaultHistoryLimit;
  int ping_limit = kDefaultHistoryLimit;
};
absl::StatusOr<DeviceQuery> ParseGetDevice(const v1::GetDeviceRequest& request);

struct DeviceStatusChange {
  store::DeviceKey key;
  store::DeviceStatus status = store::DeviceStatus::kPending;
  std::string reason;
  std::string actor;  // empty: the caller substitutes the gRPC peer (ResolveActor)
};
absl::StatusOr<DeviceStatusChange> ParseSetDeviceStatus(const v1::SetDeviceStatusRequest& request);

struct DeviceDeletion {
  store::DeviceKey key;
  std::string reason;
  std::string actor;  // empty: the caller substitutes the gRPC peer (ResolveActor)
};
absl::StatusOr<DeviceDeletion> ParseDeleteDevice(const v1::DeleteDeviceRequest& request);

// Who a device change is recorded for: the actor the client named, else its
// gRPC peer ("ipv4:127.0.0.1:50123").
std::string ResolveActor(const std::string& requested, const std::string& peer);

struct ConnectionQuery {
  dataplane::ConnectionFilter filter;
  size_t limit = kDefaultConnectionLimit;
};
absl::StatusOr<ConnectionQuery> ParseListConnections(const v1::ListConnectionsRequest& request);

absl::StatusOr<uint64_t> ParseGetConnection(const v1::GetConnectionRequest& request);

struct DisconnectCommand {
  uint64_t id = 0;
  std::string reason;
};
absl::StatusOr<DisconnectCommand> ParseDisconnect(const v1::DisconnectRequest& request);

absl::StatusOr<dataplane::PushRequest> ParseSendMessage(const v1::SendMessageRequest& request);

absl::StatusOr<dataplane::DrainOptions> ParseDrain(const v1::DrainRequest& request);

absl::StatusOr<dataplane::MigrationRequest> ParseMigrate(const v1::MigrateRequest& request);

inline constexpr int64_t kMaxBanSeconds = 30LL * 24 * 3600;

struct BanCommand {
  std::string address;
  int64_t duration_ms = 0;
  std::string reason;
};
absl::StatusOr<BanCommand> ParseAddBan(const v1::AddBanRequest& request);
// The address to unban.
absl::StatusOr<std::string> ParseLiftBan(const v1::LiftBanRequest& request);

}  // namespace botrelay::controlplane
