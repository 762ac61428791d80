#pragma once
// The botrelay.admin.v1.Admin service: checks the bearer token, validates
// the request (request_validation.h), asks the data plane, and translates
// the answer (proto_mapping.h). Runs on gRPC's synchronous server threads;
// every DataPlane call is thread-safe and never waits on network I/O.

#include <functional>

#include "botrelay/admin/v1/admin.grpc.pb.h"
#include "controlplane/admin_auth.h"
#include "dataplane/data_plane.h"

namespace botrelay::controlplane {

class AdminService final : public admin::v1::Admin::Service {
 public:
  // `on_drain_started` runs after a Drain call so health checks flip to
  // NOT_SERVING at once instead of at the next poll.
  AdminService(dataplane::DataPlane& data_plane, AdminAuth auth,
               std::function<void()> on_drain_started);

  grpc::Status ListDevices(grpc::ServerContext* context, const admin::v1::ListDevicesRequest* request,
                           admin::v1::ListDevicesResponse* response) override;
  grpc::Status GetDevice(grpc::ServerContext* context, const admin::v1::GetDeviceRequest* request,
                         admin::v1::GetDeviceResponse* response) override;
  grpc::Status SetDeviceStatus(grpc::ServerContext* context,
                               const admin::v1::SetDeviceStatusRequest* request,
                               admin::v1::SetDeviceStatusResponse* response) override;
  grpc::Status DeleteDevice(grpc::ServerContext* context,
                            const admin::v1::DeleteDeviceRequest* request,
                            admin::v1::DeleteDeviceResponse* response) override;

  grpc::Status ListConnections(grpc::ServerContext* context,
                               const admin::v1::ListConnectionsRequest* request,
                               admin::v1::ListConnectionsResponse* response) override;
  grpc::Status GetConnection(grpc::ServerContext* context,
                             const admin::v1::GetConnectionRequest* request,
                             admin::v1::Connection* response) override;
  grpc::Status Disconnect(grpc::ServerContext* context, const admin::v1::DisconnectRequest* request,
                          admin::v1::DisconnectResponse* response) override;

  grpc::Status SendMessage(grpc::ServerContext* context, const admin::v1::SendMessageRequest* request,
                           admin::v1::SendMessageResponse* response) override;
  grpc::Status GetStats(grpc::ServerContext* context, const admin::v1::GetStatsRequest* request,
                        admin::v1::GetStatsResponse* response) override;

  grpc::Status Drain(grpc::ServerContext* context, const admin::v1::DrainRequest* request,
                     admin::v1::DrainResponse* response) override;
  grpc::Status GetDrainProgress(grpc::ServerContext* context,
                                const admin::v1::GetDrainProgressRequest* request,
                                admin::v1::DrainProgress* response) override;
  grpc::Status WatchDrain(grpc::ServerContext* context,
                          const admin::v1::GetDrainProgressRequest* request,
                          grpc::ServerWriter<admin::v1::DrainProgress>* writer) override;

  grpc::Status Migrate(grpc::ServerContext* context, const admin::v1::MigrateRequest* request,
                       admin::v1::MigrateResponse* response) override;
  grpc::Status GetMigration(grpc::ServerContext* context,
                            const admin::v1::GetMigrationRequest* request,
                            admin::v1::MigrationProgress* response) override;
  grpc::Status WatchMigration(grpc::ServerContext* context,
                              const admin::v1::GetMigrationRequest* request,
                              grpc::ServerWriter<admin::v1::MigrationProgress>* writer) override;

  grpc::Status ListBans(grpc::ServerContext* context, const admin::v1::ListBansRequest* request,
                        admin::v1::ListBansResponse* response) override;
  grpc::Status LiftBan(grpc::ServerContext* context, const admin::v1::LiftBanRequest* request,
                       admin::v1::LiftBanResponse* response) override;
  grpc::Status AddBan(grpc::ServerContext* context, const admin::v1::AddBanRequest* request,
                      admin::v1::AddBanResponse* response) override;

 private:
  dataplane::DataPlane& data_plane_;
  const AdminAuth auth_;
  const std::function<void()> on_drain_started_;
};

}  // namespace botrelay::controlplane
