#pragma once
// The device registry: which (bot name, device id) pairs may be served.
//
// DeviceRegistry is the interface the data plane and the control plane use.
// SqliteDeviceRegistry (sqlite_device_registry.h) implements it on a real
// SQLite file; the registry keeps every device in memory as well, and since
// every change goes through this object, the memory copy is never stale.
// Writes that only record facts (last seen, client version, ping history)
// are batched on a writer thread; status changes are durable before
// SetStatus returns (fsynced: they survive a power loss, not only a crash).
//
// Thread-safe: called from every event-loop thread and from gRPC threads.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/store/device_record.h"

namespace botrelay::store {

enum class UnknownDevicePolicy : uint8_t {
  kRegisterPending,  // unknown devices are inserted as pending (default)
  kRefuse,           // unknown devices are refused and not recorded
};

struct AdmitResult {
  DeviceRecord record;      // state after the handshake was recorded
  bool newly_registered = false;
  bool refused_unknown = false;  // policy kRefuse and device unknown; record is empty
};

struct DeviceFilter {
  std::string bot_name;                // empty = any
  std::optional<DeviceStatus> status;  // nullopt = any
};

// The writer's state, for metrics.
struct StoreStats {
  uint64_t queued_writes = 0;  // batched writes waiting for the database
  uint64_t dropped_pings = 0;  // ping samples dropped since start: the queue was full
  uint64_t failures = 0;       // times the store turned unhealthy since start
};

struct DevicePage {
  std::vector<DeviceRecord> devices;
  std::string next_page_token;  // empty on the last page
};

class DeviceRegistry {
 public:
  virtual ~DeviceRegistry() = default;

  // Handshake path: looks the device up (memory only), registers unknown
  // devices per policy, and queues the last-seen/version/IP update.
  // While the store is unhealthy, known devices are still answered from
  // memory (their status is what was last made durable: a status change that
  // cannot be written is not made), and unknown devices get UNAVAILABLE, as
  // their registration could not be made durable: callers fail closed.
  virtual absl::StatusOr<AdmitResult> Admit(const HandshakeFacts& facts) = 0;

  // Current record. NOT_FOUND if absent.
  virtual absl::StatusOr<DeviceRecord> Get(const DeviceKey& key) = 0;

  // Ordered by (bot_name, device_id). page_size clamped to [1, 1000].
  virtual absl::StatusOr<DevicePage> List(const DeviceFilter& filter, int page_size,
                                          const std::string& page_token) = 0;

  // Durable status change with a history entry. NOT_FOUND if absent.
  virtual absl::StatusOr<DeviceRecord> SetStatus(const DeviceKey& key, DeviceStatus status,
                                                 const std::string& actor,
                                                 const std::string& reason) = 0;

  // Removes the device (its history keeps a "delete" entry). NOT_FOUND if absent.
  virtual absl::Status Delete(const DeviceKey& key, const std::string& actor,
                              const std::string& reason) = 0;

  // Newest first; limit clamped to [1, 1000].
  virtual absl::StatusOr<std::vector<DeviceHistoryEntry>> History(const DeviceKey& key,
                                                                  int limit) = 0;

  // Queued and written in batches; the oldest samples per device beyond the
  // retention limit are deleted.
  virtual void RecordPing(PingSample sample) = 0;

  // Newest first; includes samples still queued. limit clamped to [1, 1000].
  virtual absl::StatusOr<std::vector<PingSample>> PingHistory(const DeviceKey& key,
                                                             int limit) = 0;

  // OK while the store answers; the last error otherwise. Recovers by itself
  // when a later write or probe succeeds.
  virtual absl::Status Health() = 0;

  // Writes everything queued; used on shutdown and by tests.
  virtual absl::Status Flush() = 0;

  virtual StoreStats Stats() = 0;
};

}  // namespace botrelay::store
