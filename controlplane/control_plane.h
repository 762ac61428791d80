#pragma once
// relayd's control plane: the Admin gRPC service (with the standard health
// service and reflection) on the admin address, and the /metrics + /healthz
// HTTP endpoint on the metrics address. It talks to the bot side only
// through dataplane::DataPlane.
//
// Health: "", "botrelay.admin.v1.Admin" and "botrelay.relay" are SERVING
// exactly while DataPlane::IsServing() is true. The control plane polls it
// every 250 ms; RefreshHealth() applies a change at once (relayd calls it
// after starting a drain; the Drain RPC does so itself).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "dataplane/data_plane.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace botrelay::controlplane {

class AdminService;
class MetricsHttpServer;

struct ControlPlaneSettings {
  std::string admin_address = "127.0.0.1:7701";
  std::string metrics_address = "127.0.0.1:7702";
  // Bearer token every Admin RPC must present. Empty disables the check,
  // which is refused unless the admin address is loopback.
  std::string admin_token;
};

// The checks Start() runs before binding anything: both addresses parse
// (INVALID_ARGUMENT), the token is usable (INVALID_ARGUMENT), and an empty
// token comes with a local-only admin address (FAILED_PRECONDITION).
absl::Status ValidateControlPlaneSettings(const ControlPlaneSettings& settings);

// The health-check service name of the data plane (the bot-facing relay).
inline constexpr char kRelayHealthServiceName[] = "botrelay.relay";

class ControlPlane {
 public:
  // `data_plane` must outlive the ControlPlane.
  ControlPlane(dataplane::DataPlane& data_plane, ControlPlaneSettings settings);
  ~ControlPlane();  // Shutdown(now) if still running
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Validates the settings, registers the process_* metrics in the data
  // plane's registry, starts the gRPC server and the metrics endpoint, sets
  // the initial health and starts the health poller. On error nothing is
  // left running. Call once.
  absl::Status Start();

  // Bound ports (useful with port 0); 0 before Start() succeeded.
  uint16_t admin_port() const { return admin_port_; }
  uint16_t metrics_port() const { return metrics_port_; }

  // Re-reads DataPlane::IsServing() and updates the health status now.
  // Thread-safe; a no-op before Start() and after Shutdown().
  void RefreshHealth();

  // Stops the health poller, then shuts the gRPC server down (health turns
  // NOT_SERVING, new calls are refused, calls still running at `deadline`
  // are cancelled, which ends Watch* streams), then stops the metrics
  // endpoint. Idempotent.
  void Shutdown(std::chrono::system_clock::time_point deadline);

 private:
  void PollHealth();
  void StopHealthPoller();

  dataplane::DataPlane& data_plane_;
  const ControlPlaneSettings settings_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsHttpServer> metrics_server_;
  uint16_t admin_port_ = 0;
  uint16_t metrics_port_ = 0;

  std::mutex health_mu_;  // serialises health updates against Shutdown
  std::optional<bool> last_serving_;  // guarded by health_mu_
  bool health_stopped_ = false;       // guarded by health_mu_
  std::condition_variable health_wake_;
  std::thread health_thread_;
  std::once_flag shutdown_once_;
};

}  // namespace botrelay::controlplane
