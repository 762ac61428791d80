#include "controlplane/control_plane.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "controlplane/admin_auth.h"
#include "controlplane/admin_service.h"
#include "controlplane/host_port.h"
#include "dataplane/log/logger.h"
#include "dataplane/log/thread_name.h"
#include "controlplane/metrics_http_server.h"
#include "controlplane/process_metrics.h"

namespace botrelay::controlplane {
namespace {

constexpr std::chrono::milliseconds kHealthPollPeriod{250};
constexpr const char* kHealthServiceNames[] = {"", "botrelay.admin.v1.Admin",
                                               kRelayHealthServiceName};

}  // namespace

absl::Status ValidateControlPlaneSettings(const ControlPlaneSettings& settings) {
  absl::StatusOr<HostPort> admin = ParseHostPort(settings.admin_address);
  if (!admin.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_address: ", std::string(admin.status().message())));
  }
  absl::StatusOr<HostPort> metrics = ParseHostPort(settings.metrics_address);
  if (!metrics.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics_address: ", std::string(metrics.status().message())));
  }
  if (absl::Status token = ValidateAdminToken(settings.admin_token); !token.ok()) return token;
  if (settings.admin_token.empty() && !IsLoopbackHost(admin->host)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "admin address ", settings.admin_address,
        " is not loopback, so an admin token is required: set one, or bind the admin "
        "address to 127.0.0.1"));
  }
  return absl::OkStatus();
}

ControlPlane::ControlPlane(dataplane::DataPlane& data_plane, ControlPlaneSettings settings)
    : data_plane_(data_plane), settings_(std::move(settings)) {}

ControlPlane::~ControlPlane() { Shutdown(std::chrono::system_clock::now()); }

absl::Status ControlPlane::Start() {
  if (admin_service_ != nullptr) return absl::FailedPreconditionError("Start was already called");
  if (absl::Status valid = ValidateControlPlaneSettings(settings_); !valid.ok()) return valid;

  admin_service_ = std::make_unique<AdminService>(data_plane_, AdminAuth(settings_.admin_token),
                                                  [this] { RefreshHealth(); });
  // Both are process-wide switches read when a ServerBuilder is created.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int admin_port = 0;
  builder.AddListeningPort(settings_.admin_address, grpc::InsecureServerCredentials(),
                           &admin_port);
  builder.RegisterService(admin_service_.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || admin_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on admin address ",
                                               settings_.admin_address,
                                               " (in use, or not a local address)"));
  }

  auto metrics_server = std::make_unique<MetricsHttpServer>(
      data_plane_.metrics(), [this] { return data_plane_.IsServing(); });
  if (absl::Status started = metrics_server->Start(settings_.metrics_address); !started.ok()) {
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
    return started;
  }
  RegisterProcessMetrics(data_plane_.metrics());

  admin_port_ = static_cast<uint16_t>(admin_port);
  metrics_port_ = metrics_server->port();
  metrics_server_ = std::move(metrics_server);
  {
    std::lock_guard lock(health_mu_);
    server_ = std::move(server);
  }
  RefreshHealth();
  health_thread_ = std::thread([this] {
    log::NameThisThread("relayd-health");
    PollHealth();
  });

  RELAY_LOG(kInfo, "%s", absl::StrCat("admin gRPC on ", settings_.admin_address, " (port ", admin_port_, ", ",
                       settings_.admin_token.empty() ? "no token: loopback only" : "bearer token",
                       "), metrics HTTP on ", settings_.metrics_address, " (port ",
                       metrics_port_, ")"));
  return absl::OkStatus();
}

void ControlPlane::RefreshHealth() {
  std::lock_guard lock(health_mu_);
  if (server_ == nullptr || health_stopped_) return;
  // Asked under the lock so concurrent refreshes cannot apply an older answer last.
  const bool serving = data_plane_.IsServing();
  if (last_serving_ == serving) return;
  last_serving_ = serving;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  for (const char* name : kHealthServiceNames) health->SetServingStatus(name, serving);
  RELAY_LOG(kInfo, "%s", serving ? "health: SERVING" : "health: NOT_SERVING");
}

void ControlPlane::PollHealth() {
  std::unique_lock lock(health_mu_);
  while (!health_stopped_) {
    lock.unlock();
    RefreshHealth();
    lock.lock();
    health_wake_.wait_for(lock, kHealthPollPeriod, [this] { return health_stopped_; });
  }
}

void ControlPlane::StopHealthPoller() {
  {
    std::lock_guard lock(health_mu_);
    health_stopped_ = true;
  }
  health_wake_.notify_all();
  if (health_thread_.joinable()) health_thread_.join();
}

void ControlPlane::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::call_once(shutdown_once_, [&] {
    StopHealthPoller();
    if (server_ != nullptr) {
      server_->Shutdown(deadline);
      server_->Wait();
    }
    if (metrics_server_ != nullptr) metrics_server_->Stop();
    if (admin_service_ != nullptr) RELAY_LOG(kInfo, "%s", "control plane stopped");
  });
}

}  // namespace botrelay::controlplane
