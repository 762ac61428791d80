#include "dataplane/store/sqlite_connection.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace botrelay::store {
namespace {

absl::Status StatusFor(int code, std::string message) {
  const int primary = code & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return absl::DataLossError(std::move(message));
  }
  return absl::UnavailableError(std::move(message));
}

}  // namespace

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

void SqliteStatement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

void SqliteStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
}

void SqliteStatement::Bind(int index, double value) {
  sqlite3_bind_double(statement_, index, value);
}

void SqliteStatement::BindNull(int index) { sqlite3_bind_null(statement_, index); }

absl::StatusOr<bool> SqliteStatement::Step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return Error(code);
}

absl::Status SqliteStatement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  return absl::OkStatus();
}

int64_t SqliteStatement::ColumnInt(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double SqliteStatement::ColumnDouble(int column) const {
  return sqlite3_column_double(statement_, column);
}

std::string SqliteStatement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> SqliteStatement::ColumnOptionalText(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return ColumnText(column);
}

absl::Status SqliteStatement::Error(int code) const {
  // The statement's own error (sqlite3_step's return in the v2 interface) is
  // the precise one; the connection adds the message.
  return StatusFor(code, absl::StrCat("sqlite: ", sqlite3_sql(statement_), ": ",
                                      sqlite3_errstr(code), " (",
                                      sqlite3_errmsg(sqlite3_db_handle(statement_)), ")"));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                         int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 returns a handle even on failure so the error can be read.
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  if (code != SQLITE_OK) return connection->LastError(absl::StrCat("open ", path));
  // sqlite quietly opens a file it may not write read-only; every write
  // would then fail until a restart, even after the permissions are fixed.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return absl::UnavailableError(absl::StrCat(
        "sqlite: open ", path, ": the file is not writable for this user (read-only)"));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return connection;
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

absl::Status SqliteConnection::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return LastError(sql);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SqliteConnection::QueryText(const char* sql) {
  absl::StatusOr<SqliteStatement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat("sqlite: ", sql, ": no row"));
  return statement->ColumnText(0);
}

absl::StatusOr<SqliteStatement> SqliteConnection::Prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
      SQLITE_OK) {
    return LastError(sql);
  }
  return SqliteStatement(statement);
}

absl::Status SqliteConnection::LastError(std::string_view what) const {
  return StatusFor(sqlite3_extended_errcode(db_),
                   absl::StrCat("sqlite: ", absl::string_view(what.data(), what.size()), ": ",
                                sqlite3_errmsg(db_)));
}

}  // namespace botrelay::store
