#pragma once
// The data plane's public interface: everything the control plane (admin
// gRPC service, metrics endpoint, signal handling) may ask of relayd's bot
// side. The control plane depends on this header and on the registry and
// metrics interfaces, never on sessions or event loops.
//
// All methods are thread-safe and may block briefly while the event-loop
// threads answer; none blocks on network I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/admission/ban.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/protocol/types.h"
#include "dataplane/store/device_registry.h"

namespace botrelay::dataplane {

enum class ConnectionState : uint8_t {
  kPending,   // handshaken; device awaiting approval, messages refused
  kApproved,  // handshaken and served
  kClosing,   // told to leave (drain, migration, kick, replaced)
};
std::string_view ConnectionStateName(ConnectionState state);

struct RttStats {
  double last_ms = 0, avg_ms = 0, min_ms = 0, max_ms = 0;
  uint32_t samples = 0;
};

struct ClientMonitoring {
  double total_memory_mb = 0, memory_usage_mb = 0, memory_percent = 0;
  int64_t message_queue_size = 0, active_rooms = 0;
};

struct ConnectionInfo {
  uint64_t id = 0;
  std::string bot_name;
  std::string device_id;
  std::string peer_address;  // "ip:port"
  protocol::ClientGeneration generation = protocol::ClientGeneration::kV33;
  std::string client_version;
  ConnectionState state = ConnectionState::kPending;
  int64_t connected_since_ms = 0;
  int64_t last_activity_ms = 0;
  RttStats rtt;
  uint64_t bytes_in = 0, bytes_out = 0, messages_in = 0, messages_out = 0;
  uint32_t queue_depth = 0;          // chat messages accepted, not yet answered
  uint64_t outbound_buffered_bytes = 0;
  ClientMonitoring monitoring;
};

struct ConnectionFilter {
  std::string bot_name;                   // empty = any
  std::string device_id;                  // empty = any
  std::optional<ConnectionState> state;   // nullopt = any
};

// A message pushed by an admin (scheduleMessage to v3.3, messageResponse to
// v3.2, which ignores scheduleMessage).
struct PushRequest {
  std::string bot_name;       // required
  std::string device_id;      // empty = every connected device of the bot
  std::string room;           // required
  std::string channel_id;
  std::string text;           // split at the KakaoTalk limit
  std::vector<std::string> media;  // base64 payloads or http(s) URLs
  std::string media_type = "image";
  int32_t media_wait_ms = 0;
};

struct DrainOptions {
  std::string reason = "maintenance";
  int32_t deadline_seconds = 0;          // 0 = configured default
  int32_t reconnect_spread_seconds = 0;  // 0 = configured default
};

struct DrainProgress {
  bool draining = false;
  bool done = false;
  int64_t started_at_ms = 0;
  int64_t deadline_ms = 0;
  uint32_t connections_total = 0;
  uint32_t connections_remaining = 0;
  uint32_t messages_in_flight = 0;
};

struct MigrationSelector {
  bool all = false;
  std::string bot_name;
  std::vector<store::DeviceKey> devices;
  double fraction = 0;  // (0, 1]
};

struct MigrationRequest {
  std::string target_host;
  uint16_t target_port = 0;
  MigrationSelector selector;
  double connections_per_second = 100;
  int32_t migrate_after_seconds = 5;
};

struct MigrationProgress {
  std::string id;
  std::string target;  // host:port
  uint32_t selected = 0, notified = 0, closed = 0, remaining = 0;
  bool done = false;
  int64_t started_at_ms = 0;
};

// A ban of one source address (dataplane/admission/). Times are Unix ms.
struct BanInfo {
  std::string address;  // "203.0.113.7", "2001:db8::1"
  std::string reason;
  admission::BanOrigin origin = admission::BanOrigin::kAutomatic;
  int64_t banned_at_ms = 0;
  int64_t expires_at_ms = 0;
  uint64_t connections_refused = 0;  // attempts turned away by this ban so far
};

class DataPlane {
 public:
  virtual ~DataPlane() = default;

  // --- devices: persisted through the registry, then applied to the live
  // connection at once (approve starts processing; block/deny/revoke closes
  // it with a device_refused error; delete closes it).
  virtual store::DeviceRegistry& devices() = 0;
  // Returns the updated record and how many live connections were affected.
  virtual absl::StatusOr<std::pair<store::DeviceRecord, int>> SetDeviceStatus(
      const store::DeviceKey& key, store::DeviceStatus status, const std::string& actor,
      const std::string& reason) = 0;
  virtual absl::StatusOr<int> DeleteDevice(const store::DeviceKey& key, const std::string& actor,
                                           const std::string& reason) = 0;
  virtual bool IsConnected(const store::DeviceKey& key) = 0;

  // --- connections
  virtual std::vector<ConnectionInfo> ListConnections(const ConnectionFilter& filter) = 0;
  virtual absl::StatusOr<ConnectionInfo> GetConnection(uint64_t id) = 0;
  // Sends a `disconnected` error event with the reason, flushes, closes.
  virtual absl::Status Disconnect(uint64_t id, const std::string& reason) = 0;

  // --- push: FAILED_PRECONDITION if no matching connection; returns the
  // number of connections the frames were queued on.
  virtual absl::StatusOr<int> Push(const PushRequest& request) = 0;

  // --- metrics shared with /metrics and the Stats RPC
  virtual metrics::Registry& metrics() = 0;

  // --- lifecycle
  // True while the listener accepts, the store answers and no drain began.
  virtual bool IsServing() = 0;
  // Starts the drain (idempotent: a second call returns the running drain's
  // progress). FAILED_PRECONDITION never; the drain deadline always holds.
  virtual DrainProgress StartDrain(const DrainOptions& options) = 0;
  virtual DrainProgress GetDrainProgress() = 0;

  virtual absl::StatusOr<MigrationProgress> StartMigration(const MigrationRequest& request) = 0;
  // Empty id = the latest migration. NOT_FOUND if none.
  virtual absl::StatusOr<MigrationProgress> GetMigration(const std::string& id) = 0;

  // --- bans of source addresses: a banned address's new connections are
  // closed at accept. An automatic ban leaves open connections alone (they
  // passed the handshake); a ban added here closes them too.
  // Active bans, soonest expiry first.
  virtual std::vector<BanInfo> ListBans() = 0;
  // Bans `address` for `duration_ms` (> 0) and closes its open connections
  // with `error{banned}`; returns the ban and how many were closed.
  // INVALID_ARGUMENT for a malformed address, FAILED_PRECONDITION for an
  // allowlisted one, RESOURCE_EXHAUSTED when the bounded source table has no
  // room.
  virtual absl::StatusOr<std::pair<BanInfo, int>> AddBan(const std::string& address,
                                                         int64_t duration_ms,
                                                         const std::string& reason) = 0;
  // Returns the lifted ban. INVALID_ARGUMENT for a malformed address,
  // NOT_FOUND if the address is not banned.
  virtual absl::StatusOr<BanInfo> LiftBan(const std::string& address) = 0;
};

}  // namespace botrelay::dataplane
