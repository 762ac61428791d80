#include "controlplane/admin_service.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "dataplane/log/logger.h"
#include "controlplane/proto_mapping.h"
#include "controlplane/request_validation.h"
#include "controlplane/status_mapping.h"

namespace botrelay::controlplane {
namespace {

constexpr std::chrono::milliseconds kWatchPeriod{1000};
// How quickly a waiting watch notices a cancelled call.
constexpr std::chrono::milliseconds kCancelCheckPeriod{100};

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string KeyText(const store::DeviceKey& key) {
  return absl::StrCat(key.bot_name, "/", key.device_id);
}

// Waits one watch period; false as soon as the call is cancelled (the client
// went away, or the server shut down past its deadline).
bool WaitForNextUpdate(const grpc::ServerContext& context) {
  for (auto waited = std::chrono::milliseconds(0); waited < kWatchPeriod;
       waited += kCancelCheckPeriod) {
    if (context.IsCancelled()) return false;
    std::this_thread::sleep_for(kCancelCheckPeriod);
  }
  return !context.IsCancelled();
}

// Writes what `poll` returns about once a second until it reports done.
template <typename Message, typename Poll>
grpc::Status StreamUntilDone(const grpc::ServerContext& context,
                             grpc::ServerWriter<Message>& writer, Poll poll) {
  while (true) {
    absl::StatusOr<Message> progress = poll();
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    if (!writer.Write(*progress)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
    }
    if (progress->done()) return grpc::Status::OK;
    if (!WaitForNextUpdate(context)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the watch was cancelled");
    }
  }
}

}  // namespace

AdminService::AdminService(dataplane::DataPlane& data_plane, AdminAuth auth,
                           std::function<void()> on_drain_started)
    : data_plane_(data_plane),
      auth_(std::move(auth)),
      on_drain_started_(std::move(on_drain_started)) {}

grpc::Status AdminService::ListDevices(grpc::ServerContext* context,
                                       const v1::ListDevicesRequest* request,
                                       v1::ListDevicesResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<DeviceListQuery> query = ParseListDevices(*request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<store::DevicePage> page =
      data_plane_.devices().List(query->filter, query->page_size, query->page_token);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const store::DeviceRecord& record : page->devices) ToProto(record, response->add_devices());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetDevice(grpc::ServerContext* context,
                                     const v1::GetDeviceRequest* request,
                                     v1::GetDeviceResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<DeviceQuery> query = ParseGetDevice(*request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  store::DeviceRegistry& registry = data_plane_.devices();
  absl::StatusOr<store::DeviceRecord> record = registry.Get(query->key);
  if (!record.ok()) return ToGrpcStatus(record.status());
  absl::StatusOr<std::vector<store::DeviceHistoryEntry>> history =
      registry.History(query->key, query->history_limit);
  if (!history.ok()) return ToGrpcStatus(history.status());
  absl::StatusOr<std::vector<store::PingSample>> pings =
      registry.PingHistory(query->key, query->ping_limit);
  if (!pings.ok()) return ToGrpcStatus(pings.status());

  ToProto(*record, response->mutable_device());
  for (const store::DeviceHistoryEntry& entry : *history) ToProto(entry, response->add_history());
  for (const store::PingSample& sample : *pings) ToProto(sample, response->add_pings());
  response->set_connected(data_plane_.IsConnected(query->key));
  return grpc::Status::OK;
}

grpc::Status AdminService::SetDeviceStatus(grpc::ServerContext* context,
                                           const v1::SetDeviceStatusRequest* request,
                                           v1::SetDeviceStatusResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<DeviceStatusChange> change = ParseSetDeviceStatus(*request);
  if (!change.ok()) return ToGrpcStatus(change.status());
  const std::string actor = ResolveActor(change->actor, context->peer());
  absl::StatusOr<std::pair<store::DeviceRecord, int>> result =
      data_plane_.SetDeviceStatus(change->key, change->status, actor, change->reason);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(result->first, response->mutable_device());
  response->set_connections_affected(result->second);
  return grpc::Status::OK;
}

grpc::Status AdminService::DeleteDevice(grpc::ServerContext* context,
                                        const v1::DeleteDeviceRequest* request,
                                        v1::DeleteDeviceResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<DeviceDeletion> deletion = ParseDeleteDevice(*request);
  if (!deletion.ok()) return ToGrpcStatus(deletion.status());
  const std::string actor = ResolveActor(deletion->actor, context->peer());
  absl::StatusOr<int> closed = data_plane_.DeleteDevice(deletion->key, actor, deletion->reason);
  if (!closed.ok()) return ToGrpcStatus(closed.status());
  RELAY_LOG(kInfo, "%s", absl::StrCat("device ", KeyText(deletion->key), " deleted by ", actor));
  response->set_connections_closed(*closed);
  return grpc::Status::OK;
}

grpc::Status AdminService::ListConnections(grpc::ServerContext* context,
                                           const v1::ListConnectionsRequest* request,
                                           v1::ListConnectionsResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<ConnectionQuery> query = ParseListConnections(*request);
  if (!query.ok()) return ToGrpcStatus(query.status());
  const std::vector<dataplane::ConnectionInfo> connections =
      data_plane_.ListConnections(query->filter);
  response->set_total_matching(static_cast<uint32_t>(connections.size()));
  const size_t shown = std::min(connections.size(), query->limit);
  for (size_t i = 0; i < shown; ++i) ToProto(connections[i], response->add_connections());
  return grpc::Status::OK;
}

grpc::Status AdminService::GetConnection(grpc::ServerContext* context,
                                         const v1::GetConnectionRequest* request,
                                         v1::Connection* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<uint64_t> id = ParseGetConnection(*request);
  if (!id.ok()) return ToGrpcStatus(id.status());
  absl::StatusOr<dataplane::ConnectionInfo> info = data_plane_.GetConnection(*id);
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response);
  return grpc::Status::OK;
}

grpc::Status AdminService::Disconnect(grpc::ServerContext* context,
                                      const v1::DisconnectRequest* request,
                                      v1::DisconnectResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<DisconnectCommand> command = ParseDisconnect(*request);
  if (!command.ok()) return ToGrpcStatus(command.status());
  absl::Status status = data_plane_.Disconnect(command->id, command->reason);
  if (!status.ok()) return ToGrpcStatus(status);
  RELAY_LOG(kInfo, "%s", absl::StrCat("connection ", command->id, " disconnected by ", context->peer()));
  return grpc::Status::OK;
}

grpc::Status AdminService::SendMessage(grpc::ServerContext* context,
                                       const v1::SendMessageRequest* request,
                                       v1::SendMessageResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<dataplane::PushRequest> push = ParseSendMessage(*request);
  if (!push.ok()) return ToGrpcStatus(push.status());
  absl::StatusOr<int> delivered = data_plane_.Push(*push);
  if (!delivered.ok()) return ToGrpcStatus(delivered.status());
  // Pushing puts text into a chat room in the fleet's name: audit who did it, never what.
  RELAY_LOG(kInfo, "%s", absl::StrCat("message pushed by ", context->peer(), " to bot=", push->bot_name,
                                      " device=", push->device_id.empty() ? "*" : push->device_id,
                                      " room=", push->room, "; delivered to ", *delivered,
                                      " connections"));
  response->set_connections_delivered(*delivered);
  return grpc::Status::OK;
}

grpc::Status AdminService::GetStats(grpc::ServerContext* context,
                                    const v1::GetStatsRequest* request,
                                    v1::GetStatsResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  for (const metrics::Sample& sample : data_plane_.metrics().Snapshot()) {
    ToProto(sample, response->add_samples());
  }
  response->set_at_unix_ms(NowUnixMs());
  return grpc::Status::OK;
}

grpc::Status AdminService::Drain(grpc::ServerContext* context, const v1::DrainRequest* request,
                                 v1::DrainResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<dataplane::DrainOptions> options = ParseDrain(*request);
  if (!options.ok()) return ToGrpcStatus(options.status());
  const dataplane::DrainProgress progress = data_plane_.StartDrain(*options);
  if (on_drain_started_) on_drain_started_();
  RELAY_LOG(kInfo, "%s", absl::StrCat("drain requested by ", context->peer(), ": ", options->reason));
  ToProto(progress, response->mutable_progress());
  return grpc::Status::OK;
}

grpc::Status AdminService::GetDrainProgress(grpc::ServerContext* context,
                                            const v1::GetDrainProgressRequest* request,
                                            v1::DrainProgress* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  ToProto(data_plane_.GetDrainProgress(), response);
  return grpc::Status::OK;
}

grpc::Status AdminService::WatchDrain(grpc::ServerContext* context,
                                      const v1::GetDrainProgressRequest* request,
                                      grpc::ServerWriter<v1::DrainProgress>* writer) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  return StreamUntilDone(*context, *writer, [this]() -> absl::StatusOr<v1::DrainProgress> {
    const dataplane::DrainProgress progress = data_plane_.GetDrainProgress();
    // Without a drain the stream would never end.
    if (!progress.draining && !progress.done) {
      return absl::FailedPreconditionError("no drain is under way; start one with Drain");
    }
    v1::DrainProgress message;
    ToProto(progress, &message);
    return message;
  });
}

grpc::Status AdminService::Migrate(grpc::ServerContext* context,
                                   const v1::MigrateRequest* request,
                                   v1::MigrateResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<dataplane::MigrationRequest> migration = ParseMigrate(*request);
  if (!migration.ok()) return ToGrpcStatus(migration.status());
  absl::StatusOr<dataplane::MigrationProgress> progress = data_plane_.StartMigration(*migration);
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  RELAY_LOG(kInfo, "%s", absl::StrCat("migration ", progress->id, " to ", progress->target, " of ",
                       progress->selected, " connections started by ", context->peer()));
  ToProto(*progress, response->mutable_progress());
  return grpc::Status::OK;
}

grpc::Status AdminService::GetMigration(grpc::ServerContext* context,
                                        const v1::GetMigrationRequest* request,
                                        v1::MigrationProgress* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<dataplane::MigrationProgress> progress =
      data_plane_.GetMigration(request->migration_id());
  if (!progress.ok()) return ToGrpcStatus(progress.status());
  ToProto(*progress, response);
  return grpc::Status::OK;
}

grpc::Status AdminService::WatchMigration(grpc::ServerContext* context,
                                          const v1::GetMigrationRequest* request,
                                          grpc::ServerWriter<v1::MigrationProgress>* writer) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  std::string id = request->migration_id();
  return StreamUntilDone(*context, *writer, [this, &id]() -> absl::StatusOr<v1::MigrationProgress> {
    absl::StatusOr<dataplane::MigrationProgress> progress = data_plane_.GetMigration(id);
    if (!progress.ok()) return progress.status();
    // "Latest" is resolved once, so a migration started later does not take over this stream.
    id = progress->id;
    v1::MigrationProgress message;
    ToProto(*progress, &message);
    return message;
  });
}

grpc::Status AdminService::ListBans(grpc::ServerContext* context,
                                    const v1::ListBansRequest* request,
                                    v1::ListBansResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  for (const dataplane::BanInfo& ban : data_plane_.ListBans()) ToProto(ban, response->add_bans());
  return grpc::Status::OK;
}

grpc::Status AdminService::LiftBan(grpc::ServerContext* context, const v1::LiftBanRequest* request,
                                   v1::LiftBanResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<std::string> address = ParseLiftBan(*request);
  if (!address.ok()) return ToGrpcStatus(address.status());
  absl::StatusOr<dataplane::BanInfo> lifted = data_plane_.LiftBan(*address);
  if (!lifted.ok()) return ToGrpcStatus(lifted.status());
  RELAY_LOG(kInfo, "%s", absl::StrCat("ban of ", lifted->address, " lifted by ", context->peer()));
  ToProto(*lifted, response->mutable_ban());
  return grpc::Status::OK;
}

grpc::Status AdminService::AddBan(grpc::ServerContext* context, const v1::AddBanRequest* request,
                                  v1::AddBanResponse* response) {
  if (grpc::Status denied = auth_.Authorize(*context); !denied.ok()) return denied;
  absl::StatusOr<BanCommand> command = ParseAddBan(*request);
  if (!command.ok()) return ToGrpcStatus(command.status());
  absl::StatusOr<std::pair<dataplane::BanInfo, int>> result =
      data_plane_.AddBan(command->address, command->duration_ms, command->reason);
  if (!result.ok()) return ToGrpcStatus(result.status());
  const auto& [ban, closed] = *result;
  RELAY_LOG(kInfo, "%s", absl::StrCat("address ", ban.address, " banned by ", context->peer()));
  ToProto(ban, response->mutable_ban());
  response->set_connections_closed(closed);
  return grpc::Status::OK;
}

}  // namespace botrelay::controlplane
