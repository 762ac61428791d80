#pragma once
// Connection settings and schema migrations for the device registry's
// database.

#include "absl/status/status.h"
#include "dataplane/store/sqlite_connection.h"

namespace botrelay::store {

// WAL journal (readers never wait for the writer), synchronous=NORMAL (WAL
// stays consistent across a crash; the last commits may be lost only on power
// failure), foreign keys on.
absl::Status ConfigureConnection(SqliteConnection& connection);

// PRAGMA quick_check over the whole file: DATA_LOSS naming the first problem
// if a page is damaged, so a corrupt store is refused at start-up instead of
// failing writes later. Reads every page once (about a second per few hundred MB).
absl::Status CheckIntegrity(SqliteConnection& connection);

// Applies, each in its own transaction, every numbered migration not yet
// recorded in schema_migrations. Fails if the file was written by a newer
// schema than this binary knows.
absl::Status MigrateSchema(SqliteConnection& connection, int64_t now_ms);

}  // namespace botrelay::store
