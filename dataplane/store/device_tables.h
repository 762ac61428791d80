#pragma once
// The registry's SQL: one prepared statement per operation on the devices,
// device_history and ping_history tables (schema in sqlite_schema.cc).
// Not thread-safe; used under the registry's database mutex.

#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/store/device_record.h"
#include "dataplane/store/sqlite_connection.h"

namespace botrelay::store {

class DeviceTables {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceTables>> Prepare(SqliteConnection& connection);

  absl::StatusOr<std::vector<DeviceRecord>> LoadDevices();

  // Inserts the whole record, or replaces every column of an existing row.
  absl::Status WriteDevice(const DeviceRecord& record);
  // Inserts the record if the row is absent; otherwise updates only what a
  // handshake reports (version, addresses, last seen), never the status, so
  // a queued handshake cannot undo a status change written meanwhile.
  absl::Status WriteHandshakeFacts(const DeviceRecord& record);
  // Deletes the device row and its ping samples; history stays.
  absl::Status DeleteDevice(const DeviceKey& key);

  absl::Status InsertHistory(const DeviceKey& key, const DeviceHistoryEntry& entry);
  // In order. Several rows per INSERT statement: a statement's own overhead
  // (start, halt) cost as much as the row it wrote.
  absl::Status InsertPings(std::span<const PingSample* const> samples);
  // Keep the newest `keep` rows of the device.
  absl::Status PruneHistory(const DeviceKey& key, int keep);
  absl::Status PrunePings(const DeviceKey& key, int keep);

  // Newest first.
  absl::StatusOr<std::vector<DeviceHistoryEntry>> ReadHistory(const DeviceKey& key, int limit);
  absl::StatusOr<std::vector<PingSample>> ReadPings(const DeviceKey& key, int limit);

 private:
  DeviceTables() = default;

  SqliteStatement load_devices_;
  SqliteStatement write_device_;
  SqliteStatement write_handshake_facts_;
  SqliteStatement delete_device_;
  SqliteStatement delete_pings_;
  SqliteStatement insert_history_;
  SqliteStatement insert_ping_;
  SqliteStatement insert_pings_;  // kPingRowsPerInsert rows
  SqliteStatement prune_history_;
  SqliteStatement prune_pings_;
  SqliteStatement read_history_;
  SqliteStatement read_pings_;
};

}  // namespace botrelay::store
