#include "dataplane/store/device_tables.h"

#include "absl/strings/str_cat.h"

namespace botrelay::store {
namespace {

constexpr char kInsertDevice[] =
    "INSERT INTO devices (bot_name, device_id, status, client_type, client_version, last_ip,"
    " device_ip, status_reason, max_message_size, created_at_ms, updated_at_ms, last_seen_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " ON CONFLICT (bot_name, device_id) DO UPDATE SET ";

constexpr char kInsertPingColumns[] =
    "INSERT INTO ping_history (bot_name, device_id, at_ms, rtt_ms, total_memory_mb,"
    " memory_usage_mb, memory_percent, message_queue_size, active_rooms) VALUES ";
constexpr int kPingColumns = 9;
constexpr size_t kPingRowsPerInsert = 32;

// "(?1, ..., ?9), (?10, ..., ?18), ..." for `rows` rows.
std::string PingRowPlaceholders(size_t rows) {
  std::string sql;
  for (size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (int column = 1; column <= kPingColumns; ++column) {
      absl::StrAppend(&sql, column == 1 ? "?" : ", ?", row * kPingColumns + column);
    }
    sql += ")";
  }
  return sql;
}

// Binds one sample as the row whose first parameter is `first`.
void BindPing(SqliteStatement& statement, int first, const PingSample& sample) {
  statement.Bind(first, sample.key.bot_name);
  statement.Bind(first + 1, sample.key.device_id);
  statement.Bind(first + 2, sample.at_ms);
  statement.Bind(first + 3, sample.rtt_ms);
  statement.Bind(first + 4, sample.total_memory_mb);
  statement.Bind(first + 5, sample.memory_usage_mb);
  statement.Bind(first + 6, sample.memory_percent);
  statement.Bind(first + 7, sample.message_queue_size);
  statement.Bind(first + 8, sample.active_rooms);
}

std::string_view StatusText(std::optional<DeviceStatus> status) {
  return status ? DeviceStatusName(*status) : std::string_view();
}

void BindKey(SqliteStatement& statement, const DeviceKey& key) {
  statement.Bind(1, key.bot_name);
  statement.Bind(2, key.device_id);
}

void BindRecord(SqliteStatement& statement, const DeviceRecord& record) {
  BindKey(statement, record.key);
  statement.Bind(3, DeviceStatusName(record.status));
  statement.Bind(4, record.client_type);
  statement.Bind(5, record.client_version);
  statement.Bind(6, record.last_ip);
  statement.Bind(7, record.device_ip);
  statement.Bind(8, record.status_reason);
  statement.Bind(9, static_cast<int64_t>(record.max_message_size));
  statement.Bind(10, record.created_at_ms);
  statement.Bind(11, record.updated_at_ms);
  statement.Bind(12, record.last_seen_ms);
}

absl::Status RunWithKey(SqliteStatement& statement, const DeviceKey& key) {
  statement.Reset();
  BindKey(statement, key);
  return statement.Run();
}

absl::Status RunPrune(SqliteStatement& statement, const DeviceKey& key, int keep) {
  statement.Reset();
  BindKey(statement, key);
  statement.Bind(3, static_cast<int64_t>(keep));
  return statement.Run();
}

absl::StatusOr<std::optional<DeviceStatus>> ParseOptionalStatus(
    const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::optional<DeviceStatus> status = ParseDeviceStatus(*text);
  if (!status) return absl::DataLossError(absl::StrCat("unknown device status '", *text, "'"));
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceTables>> DeviceTables::Prepare(SqliteConnection& connection) {
  std::unique_ptr<DeviceTables> tables(new DeviceTables());
  struct {
    SqliteStatement* statement;
    std::string sql;
  } const statements[] = {
      {&tables->load_devices_,
       "SELECT bot_name, device_id, status, client_type, client_version, last_ip, device_ip,"
       " status_reason, max_message_size, created_at_ms, updated_at_ms, last_seen_ms"
       " FROM devices ORDER BY bot_name, device_id"},
      {&tables->write_device_,
       absl::StrCat(kInsertDevice,
                    "status = ?3, client_type = ?4, client_version = ?5, last_ip = ?6,"
                    " device_ip = ?7, status_reason = ?8, max_message_size = ?9,"
                    " created_at_ms = ?10, updated_at_ms = ?11, last_seen_ms = ?12")},
      {&tables->write_handshake_facts_,
       absl::StrCat(kInsertDevice,
                    "client_version = ?5, last_ip = ?6, device_ip = ?7,"
                    " updated_at_ms = MAX(updated_at_ms, ?11),"
                    " last_seen_ms = MAX(last_seen_ms, ?12)")},
      {&tables->delete_device_, "DELETE FROM devices WHERE bot_name = ?1 AND device_id = ?2"},
      {&tables->delete_pings_, "DELETE FROM ping_history WHERE bot_name = ?1 AND device_id = ?2"},
      {&tables->insert_history_,
       "INSERT INTO device_history (bot_name, device_id, at_ms, actor, action, old_status,"
       " new_status, reason) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''), NULLIF(?7, ''), ?8)"},
      {&tables->insert_ping_, absl::StrCat(kInsertPingColumns, PingRowPlaceholders(1))},
      {&tables->insert_pings_,
       absl::StrCat(kInsertPingColumns, PingRowPlaceholders(kPingRowsPerInsert))},
      // Walks the (bot_name, device_id, at_ms) index newest first and deletes
      // everything past the first `keep` rows.
      {&tables->prune_history_,
       "DELETE FROM device_history WHERE id IN (SELECT id FROM device_history"
       " WHERE bot_name = ?1 AND device_id = ?2 ORDER BY at_ms DESC, id DESC"
       " LIMIT -1 OFFSET ?3)"},
      {&tables->prune_pings_,
       "DELETE FROM ping_history WHERE id IN (SELECT id FROM ping_history"
       " WHERE bot_name = ?1 AND device_id = ?2 ORDER BY at_ms DESC, id DESC"
       " LIMIT -1 OFFSET ?3)"},
      {&tables->read_history_,
       "SELECT at_ms, actor, action, old_status, new_status, reason FROM device_history"
       " WHERE bot_name = ?1 AND device_id = ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3"},
      {&tables->read_pings_,
       "SELECT at_ms, rtt_ms, total_memory_mb, memory_usage_mb, memory_percent,"
       " message_queue_size, active_rooms FROM ping_history"
       " WHERE bot_name = ?1 AND device_id = ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3"},
  };
  for (const auto& [statement, sql] : statements) {
    absl::StatusOr<SqliteStatement> prepared = connection.Prepare(sql.c_str());
    if (!prepared.ok()) return prepared.status();
    *statement = std::move(*prepared);
  }
  return tables;
}

absl::StatusOr<std::vector<DeviceRecord>> DeviceTables::LoadDevices() {
  SqliteStatement& query = load_devices_;
  query.Reset();
  std::vector<DeviceRecord> devices;
  while (true) {
    absl::StatusOr<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceRecord record;
    record.key.bot_name = query.ColumnText(0);
    record.key.device_id = query.ColumnText(1);
    const std::string status = query.ColumnText(2);
    std::optional<DeviceStatus> parsed = ParseDeviceStatus(status);
    if (!parsed) {
      return absl::DataLossError(absl::StrCat("device ", record.key.bot_name, "/",
                                              record.key.device_id, " has unknown status '",
                                              status, "'"));
    }
    record.status = *parsed;
    record.client_type = query.ColumnText(3);
    record.client_version = query.ColumnText(4);
    record.last_ip = query.ColumnText(5);
    record.device_ip = query.ColumnText(6);
    record.status_reason = query.ColumnText(7);
    record.max_message_size = static_cast<uint32_t>(query.ColumnInt(8));
    record.created_at_ms = query.ColumnInt(9);
    record.updated_at_ms = query.ColumnInt(10);
    record.last_seen_ms = query.ColumnInt(11);
    devices.push_back(std::move(record));
  }
  return devices;
}

absl::Status DeviceTables::WriteDevice(const DeviceRecord& record) {
  write_device_.Reset();
  BindRecord(write_device_, record);
  return write_device_.Run();
}

absl::Status DeviceTables::WriteHandshakeFacts(const DeviceRecord& record) {
  write_handshake_facts_.Reset();
  BindRecord(write_handshake_facts_, record);
  return write_handshake_facts_.Run();
}

absl::Status DeviceTables::DeleteDevice(const DeviceKey& key) {
  if (absl::Status deleted = RunWithKey(delete_device_, key); !deleted.ok()) return deleted;
  return RunWithKey(delete_pings_, key);
}

absl::Status DeviceTables::InsertHistory(const DeviceKey& key, const DeviceHistoryEntry& entry) {
  SqliteStatement& insert = insert_history_;
  insert.Reset();
  BindKey(insert, key);
  insert.Bind(3, entry.at_ms);
  insert.Bind(4, entry.actor);
  insert.Bind(5, entry.action);
  insert.Bind(6, StatusText(entry.old_status));
  insert.Bind(7, StatusText(entry.new_status));
  insert.Bind(8, entry.reason);
  return insert.Run();
}

absl::Status DeviceTables::InsertPings(std::span<const PingSample* const> samples) {
  while (!samples.empty()) {
    const bool full = samples.size() >= kPingRowsPerInsert;
    SqliteStatement& insert = full ? insert_pings_ : insert_ping_;
    const size_t rows = full ? kPingRowsPerInsert : 1;
    insert.Reset();
    for (size_t row = 0; row < rows; ++row) {
      BindPing(insert, static_cast<int>(row) * kPingColumns + 1, *samples[row]);
    }
    if (absl::Status s = insert.Run(); !s.ok()) return s;
    samples = samples.subspan(rows);
  }
  return absl::OkStatus();
}

absl::Status DeviceTables::PruneHistory(const DeviceKey& key, int keep) {
  return RunPrune(prune_history_, key, keep);
}

absl::Status DeviceTables::PrunePings(const DeviceKey& key, int keep) {
  return RunPrune(prune_pings_, key, keep);
}

absl::StatusOr<std::vector<DeviceHistoryEntry>> DeviceTables::ReadHistory(const DeviceKey& key,
                                                                          int limit) {
  SqliteStatement& query = read_history_;
  query.Reset();
  BindKey(query, key);
  query.Bind(3, static_cast<int64_t>(limit));
  std::vector<DeviceHistoryEntry> entries;
  while (true) {
    absl::StatusOr<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    DeviceHistoryEntry entry;
    entry.at_ms = query.ColumnInt(0);
    entry.actor = query.ColumnText(1);
    entry.action = query.ColumnText(2);
    absl::StatusOr<std::optional<DeviceStatus>> old_status =
        ParseOptionalStatus(query.ColumnOptionalText(3));
    if (!old_status.ok()) return old_status.status();
    absl::StatusOr<std::optional<DeviceStatus>> new_status =
        ParseOptionalStatus(query.ColumnOptionalText(4));
    if (!new_status.ok()) return new_status.status();
    entry.old_status = *old_status;
    entry.new_status = *new_status;
    entry.reason = query.ColumnText(5);
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::vector<PingSample>> DeviceTables::ReadPings(const DeviceKey& key, int limit) {
  SqliteStatement& query = read_pings_;
  query.Reset();
  BindKey(query, key);
  query.Bind(3, static_cast<int64_t>(limit));
  std::vector<PingSample> samples;
  while (true) {
    absl::StatusOr<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    PingSample sample;
    sample.key = key;
    sample.at_ms = query.ColumnInt(0);
    sample.rtt_ms = query.ColumnDouble(1);
    sample.total_memory_mb = query.ColumnDouble(2);
    sample.memory_usage_mb = query.ColumnDouble(3);
    sample.memory_percent = query.ColumnDouble(4);
    sample.message_queue_size = query.ColumnInt(5);
    sample.active_rooms = query.ColumnInt(6);
    samples.push_back(std::move(sample));
  }
  return samples;
}

}  // namespace botrelay::store
