#include "dataplane/store/sqlite_schema.h"

#include <span>

#include "absl/strings/str_cat.h"

namespace botrelay::store {
namespace {

struct Migration {
  int64_t version;
  const char* sql;
};

// Append only: a released migration never changes, later ones alter it.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE devices (
  bot_name         TEXT    NOT NULL,
  device_id        TEXT    NOT NULL,
  status           TEXT    NOT NULL
                   CHECK (status IN ('pending', 'approved', 'denied', 'revoked', 'blocked')),
  client_type      TEXT    NOT NULL DEFAULT '',
  client_version   TEXT    NOT NULL DEFAULT '',
  last_ip          TEXT    NOT NULL DEFAULT '',
  device_ip        TEXT    NOT NULL DEFAULT '',
  status_reason    TEXT    NOT NULL DEFAULT '',
  max_message_size INTEGER NOT NULL DEFAULT 0,
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL,
  last_seen_ms     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bot_name, device_id)
) WITHOUT ROWID;

CREATE TABLE device_history (
  id         INTEGER PRIMARY KEY,
  bot_name   TEXT    NOT NULL,
  device_id  TEXT    NOT NULL,
  at_ms      INTEGER NOT NULL,
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  old_status TEXT,
  new_status TEXT,
  reason     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX device_history_by_device ON device_history (bot_name, device_id, at_ms);

CREATE TABLE ping_history (
  id                 INTEGER PRIMARY KEY,
  bot_name           TEXT    NOT NULL,
  device_id          TEXT    NOT NULL,
  at_ms              INTEGER NOT NULL,
  rtt_ms             REAL    NOT NULL,
  total_memory_mb    REAL    NOT NULL,
  memory_usage_mb    REAL    NOT NULL,
  memory_percent     REAL    NOT NULL,
  message_queue_size INTEGER NOT NULL,
  active_rooms       INTEGER NOT NULL
);
CREATE INDEX ping_history_by_device ON ping_history (bot_name, device_id, at_ms);
)sql"},
};

absl::StatusOr<int64_t> CurrentVersion(SqliteConnection& connection) {
  absl::StatusOr<SqliteStatement> query =
      connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = query->Step();
  if (!row.ok()) return row.status();
  return query->ColumnInt(0);
}

// Re-reads the version inside the transaction, so two processes opening the
// same new file cannot both apply a migration.
absl::Status Apply(SqliteConnection& connection, const Migration& migration, int64_t now_ms) {
  return RunInTransaction(connection, [&]() -> absl::Status {
    absl::StatusOr<int64_t> current = CurrentVersion(connection);
    if (!current.ok()) return current.status();
    if (*current >= migration.version) return absl::OkStatus();
    if (absl::Status created = connection.Exec(migration.sql); !created.ok()) return created;
    absl::StatusOr<SqliteStatement> record = connection.Prepare(
        "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)");
    if (!record.ok()) return record.status();
    record->Bind(1, migration.version);
    record->Bind(2, now_ms);
    return record->Run();
  });
}

}  // namespace

absl::Status ConfigureConnection(SqliteConnection& connection) {
  absl::StatusOr<std::string> journal_mode = connection.QueryText("PRAGMA journal_mode=WAL");
  if (!journal_mode.ok()) return journal_mode.status();
  if (*journal_mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("sqlite: cannot switch to WAL journal mode (got ", *journal_mode, ")"));
  }
  return connection.Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

absl::Status CheckIntegrity(SqliteConnection& connection) {
  absl::StatusOr<std::string> verdict = connection.QueryText("PRAGMA quick_check(1)");
  if (!verdict.ok()) return verdict.status();
  if (*verdict != "ok") {
    return absl::DataLossError(absl::StrCat("sqlite: database is corrupt (quick_check: ",
                                            *verdict, ")"));
  }
  return absl::OkStatus();
}

absl::Status MigrateSchema(SqliteConnection& connection, int64_t now_ms) {
  if (absl::Status created = connection.Exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          "  version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)");
      !created.ok()) {
    return created;
  }
  absl::StatusOr<int64_t> current = CurrentVersion(connection);
  if (!current.ok()) return current.status();
  const std::span<const Migration> migrations(kMigrations);
  if (*current > migrations.back().version) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", *current,
                     " is newer than this relayd supports (", migrations.back().version, ")"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= *current) continue;
    if (absl::Status applied = Apply(connection, migration, now_ms); !applied.ok()) {
      return absl::Status(applied.code(), absl::StrCat("schema migration ", migration.version,
                                                       ": ", applied.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace botrelay::store
