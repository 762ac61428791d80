#pragma once
// DeviceRegistry on a SQLite file (WAL mode). Creates and migrates the schema
// on Open. See device_registry.h for the contract.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dataplane/store/device_registry.h"

namespace botrelay::store {

struct SqliteRegistrySettings {
  std::string path;                 // database file; created if missing
  UnknownDevicePolicy unknown_devices = UnknownDevicePolicy::kRegisterPending;
  int ping_retention_per_device = 1000;   // newest ping samples kept per device
  int history_retention_per_device = 500; // newest history entries kept per device
  int flush_interval_ms = 200;      // writer thread batching interval
  int busy_timeout_ms = 2000;       // sqlite3_busy_timeout
  int health_probe_interval_ms = 1000;  // while unhealthy, retry this often
  // Queued writes kept while the database is failing; past it the oldest
  // ping samples are dropped (device rows and history never are).
  int max_queued_writes = 100'000;
};

class SqliteDeviceRegistry;

// Opens (creating/migrating) the database and starts the writer thread.
absl::StatusOr<std::unique_ptr<DeviceRegistry>> OpenSqliteDeviceRegistry(
    const SqliteRegistrySettings& settings);

}  // namespace botrelay::store
