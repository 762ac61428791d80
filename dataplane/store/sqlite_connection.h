#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared
// statements, and errors as absl::Status carrying sqlite's own message:
// DATA_LOSS when the file is corrupt or not a database (retrying cannot
// help), UNAVAILABLE for everything else (locked, full, I/O error).
// Not thread-safe; the owner serialises access.

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace botrelay::store {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* statement) : statement_(statement) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Clears the previous run's bindings and cursor.
  void Reset();
  // Parameters are 1-based, as in SQL (?1, ?2, ...). Text is copied.
  void Bind(int index, std::string_view text);
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void BindNull(int index);

  // True while a row is available, false when done, an error otherwise.
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows.
  absl::Status Run();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;

 private:
  absl::Status Error(int code) const;

  sqlite3_stmt* statement_ = nullptr;
};

class SqliteConnection {
 public:
  // Opens (creating if missing) the database file; UNAVAILABLE if it can
  // only be opened read-only.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                                int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements, discarding any rows.
  absl::Status Exec(const char* sql);
  // Runs a statement returning one text value (e.g. PRAGMA journal_mode=WAL).
  absl::StatusOr<std::string> QueryText(const char* sql);
  absl::StatusOr<SqliteStatement> Prepare(const char* sql);

  // The connection's last error, prefixed with what failed.
  absl::Status LastError(std::string_view what) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it or the
// commit fails. IMMEDIATE takes the write lock up front, so a busy database
// fails at BEGIN (after busy_timeout) rather than half-way through.
template <typename Body>
absl::Status RunInTransaction(SqliteConnection& connection, Body&& body) {
  if (absl::Status begun = connection.Exec("BEGIN IMMEDIATE"); !begun.ok()) return begun;
  absl::Status status = body();
  if (status.ok()) status = connection.Exec("COMMIT");
  if (!status.ok()) connection.Exec("ROLLBACK").IgnoreError();  // no-op if sqlite already did
  return status;
}

}  // namespace botrelay::store
