#pragma once
// RelayServer: relayd's data plane. Owns the shards (one event loop per
// thread), the bot-port acceptor, the connection limit, drain and
// migration, and implements the DataPlane interface for the control plane.

#include <utility>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dataplane/admission/admission_metrics.h"
#include "dataplane/admission/connection_admission.h"
#include "dataplane/admission/flap_detector.h"
#include "dataplane/data_plane.h"
#include "dataplane/log/log_throttle.h"
#include "dataplane/net/relay_metrics.h"
#include "dataplane/net/relay_settings.h"
#include "dataplane/net/shard.h"
#include "dataplane/processing/processor.h"

namespace botrelay::net {

class MigrationRunner;

class RelayServer : public dataplane::DataPlane {
 public:
  RelayServer(const RelaySettings& settings, store::DeviceRegistry& registry,
              metrics::Registry& metrics_registry, const processing::ProcessorChain& processors);
  ~RelayServer() override;

  // Binds the bot port and starts the event-loop threads. Returns the bound
  // endpoint (port 0 in the settings picks a free port).
  absl::StatusOr<boost::asio::ip::tcp::endpoint> Start();
  // Stops accepting, closes every connection at once and joins the threads.
  void Stop();
  // Blocks until a drain has finished (all connections closed or deadline).
  void WaitForDrain();

  const RelaySettings& settings() const { return settings_; }
  RelayMetrics& relay_metrics() { return relay_metrics_; }
  const processing::ProcessorChain& processors() const { return processors_; }
  Shard& ShardFor(std::string_view bot_name);
  // The shard whose thread owns the listener: it accepts, runs every
  // connection's handshake stage and flushes the acceptor's held-back warnings.
  Shard& AcceptorShard() { return *shards_[0]; }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  const std::string& drain_reason() const { return drain_reason_; }
  int32_t NextReconnectAfterSeconds();

  // Connection-limit bookkeeping; Release is called when a session ends.
  void ReleaseConnectionSlot(const admission::Ticket& ticket);

  // A connection failed its handshake or authentication: counts against its
  // source address and may ban it.
  void NoteSourceFailure(const admission::SourceAddress& source);
  // Counts a handshake of `key` for flap detection (see flap_detector.h).
  admission::FlapVerdict CheckFlapping(const store::DeviceKey& key);

  // Devices refused recently are answered cheaply for a while.
  bool RefusalThrottled(const store::DeviceKey& key, int64_t now_ms);
  void NoteRefusal(const store::DeviceKey& key, int64_t now_ms);

  // --- dataplane::DataPlane
  store::DeviceRegistry& devices() override { return registry_; }
  absl::StatusOr<std::pair<store::DeviceRecord, int>> SetDeviceStatus(
      const store::DeviceKey& key, store::DeviceStatus status, const std::string& actor,
      const std::string& reason) override;
  absl::StatusOr<int> DeleteDevice(const store::DeviceKey& key, const std::string& actor,
                                   const std::string& reason) override;
  bool IsConnected(const store::DeviceKey& key) override;
  std::vector<dataplane::ConnectionInfo> ListConnections(
      const dataplane::ConnectionFilter& filter) override;
  absl::StatusOr<dataplane::ConnectionInfo> GetConnection(uint64_t id) override;
  absl::Status Disconnect(uint64_t id, const std::string& reason) override;
  absl::StatusOr<int> Push(const dataplane::PushRequest& request) override;
  metrics::Registry& metrics() override { return metrics_registry_; }
  bool IsServing() override;
  dataplane::DrainProgress StartDrain(const dataplane::DrainOptions& options) override;
  dataplane::DrainProgress GetDrainProgress() override;
  absl::StatusOr<dataplane::MigrationProgress> StartMigration(
      const dataplane::MigrationRequest& request) override;
  absl::StatusOr<dataplane::MigrationProgress> GetMigration(const std::string& id) override;
  std::vector<dataplane::BanInfo> ListBans() override;
  absl::StatusOr<std::pair<dataplane::BanInfo, int>> AddBan(const std::string& address,
                                                            int64_t duration_ms,
                                            const std::string& reason) override;
  absl::StatusOr<dataplane::BanInfo> LiftBan(const std::string& address) override;

  // Runs `fn` on `shard`'s thread and waits for its result.
  template <typename Fn>
  auto RunOn(Shard& shard, Fn&& fn) -> decltype(fn());
  // Runs `fn` on every shard and collects the results in shard order.
  template <typename Fn>
  auto RunOnAll(Fn&& fn) -> std::vector<decltype(fn(std::declval<Shard&>()))>;

  // Logs the accept-time refusals the throttle held back, once the period
  // allows: called by the acceptor's shard on its tick, so the count of a
  // flood's tail reaches the log after the flood stops.
  void ReportPendingRefusals(std::chrono::steady_clock::time_point now);

 private:
  void Accept();
  void OnAcceptable(const boost::system::error_code& ec);
  void AcceptAfterBackOff();
  void OnAccepted(int fd, const sockaddr_storage& peer, socklen_t peer_length);
  void RefuseAdmission(int fd, const admission::Decision& decision);
  void RejectBusy(int fd, std::string_view reason);
  void ShedWithSpareDescriptor();
  void LogBan(const admission::SourceAddress& source, std::string_view why);
  dataplane::BanInfo ToBanInfo(const admission::Ban& ban) const;
  // Closes every session from `source` (error `banned`); returns how many.
  int CloseConnectionsFrom(const admission::SourceAddress& source);
  void StopAccepting();
  void DrainWatchdog();
  uint32_t ConnectionCount() const;

  RelaySettings settings_;
  store::DeviceRegistry& registry_;
  metrics::Registry& metrics_registry_;
  RelayMetrics relay_metrics_;
  const processing::ProcessorChain& processors_;

  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> threads_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::atomic<bool> accepting_{false};
  int spare_fd_ = -1;  // released to answer one connection when out of descriptors
  std::chrono::steady_clock::time_point last_descriptor_warning_;
  std::atomic<uint64_t> next_connection_id_{1};
  std::atomic<int64_t> connections_{0};

  // Per-address admission at accept and per-device flap detection; both
  // shared by every event-loop thread (see their headers for why).
  std::unique_ptr<admission::ConnectionAdmission> admission_;
  admission::FlapDetector flaps_;
  admission::AdmissionMetrics admission_metrics_;
  log::LogThrottle refusal_log_{std::chrono::seconds(1)};  // rate-limit and cap refusals
  // Refusal frames built once, so refusing costs no allocation.
  std::string banned_frame_;
  std::string rate_limited_frame_;
  std::string too_many_connections_frame_;

  std::mutex refusal_mu_;
  std::unordered_map<std::string, int64_t> refused_until_ms_;

  // drain
  std::atomic<bool> draining_{false};
  std::mutex drain_mu_;
  std::condition_variable drain_cv_;
  std::string drain_reason_;
  dataplane::DrainProgress drain_;
  int32_t reconnect_spread_s_ = 60;
  std::atomic<uint64_t> reconnect_counter_{0};
  std::thread drain_thread_;

  std::unique_ptr<MigrationRunner> migrations_;
  bool stopped_ = false;  // guarded by drain_mu_
};

template <typename Fn>
auto RelayServer::RunOn(Shard& shard, Fn&& fn) -> decltype(fn()) {
  using Result = decltype(fn());
  std::promise<Result> promise;
  auto future = promise.get_future();
  boost::asio::post(shard.io(), [&]() {
    if constexpr (std::is_void_v<Result>) {
      fn();
      promise.set_value();
    } else {
      promise.set_value(fn());
    }
  });
  return future.get();
}

template <typename Fn>
auto RelayServer::RunOnAll(Fn&& fn) -> std::vector<decltype(fn(std::declval<Shard&>()))> {
  using Result = decltype(fn(std::declval<Shard&>()));
  std::vector<std::promise<Result>> promises(shards_.size());
  std::vector<std::future<Result>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  for (size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(shards_[i]->io(), [&, i]() { promises[i].set_value(fn(*shards_[i])); });
  }
  std::vector<Result> results;
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

}  // namespace botrelay::net
