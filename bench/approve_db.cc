#include "bench/approve_db.h"

#include "absl/strings/str_cat.h"
#include "bench/clock.h"
#include "bench/identity.h"
#include "bench/wire.h"
#include "dataplane/store/sqlite_connection.h"
#include "dataplane/store/sqlite_schema.h"

namespace botrelay::bench {

absl::Status ApproveBenchDevices(const std::string& db_path, int bots, int devices_per_bot) {
  if (bots < 1 || devices_per_bot < 1) {
    return absl::InvalidArgumentError("--bots and --devices-per-bot must be positive");
  }
  auto connection = store::SqliteConnection::Open(db_path, /*busy_timeout_ms=*/5000);
  if (!connection.ok()) return connection.status();
  store::SqliteConnection& db = **connection;
  const int64_t now_ms = WallMs();
  if (absl::Status configured = store::ConfigureConnection(db); !configured.ok()) return configured;
  if (absl::Status migrated = store::MigrateSchema(db, now_ms); !migrated.ok()) return migrated;

  return store::RunInTransaction(db, [&]() -> absl::Status {
    auto upsert = db.Prepare(
        "INSERT INTO devices (bot_name, device_id, status, client_type, client_version, "
        "  status_reason, created_at_ms, updated_at_ms) "
        "VALUES (?1, ?2, 'approved', ?3, ?4, 'relaybench approve-db', ?5, ?5) "
        "ON CONFLICT (bot_name, device_id) DO UPDATE SET status = 'approved', "
        "  status_reason = excluded.status_reason, updated_at_ms = excluded.updated_at_ms");
    if (!upsert.ok()) return upsert.status();
    // The change is recorded like an administrator's approval.
    auto history = db.Prepare(
        "INSERT INTO device_history (bot_name, device_id, at_ms, actor, action, old_status, "
        "  new_status, reason) "
        "VALUES (?1, ?2, ?3, 'relaybench', 'approve', "
        "  (SELECT status FROM devices WHERE bot_name = ?1 AND device_id = ?2), 'approved', "
        "  'relaybench approve-db')");
    if (!history.ok()) return history.status();
    const std::string client_type(kClientType);
    const std::string client_version(kClientVersion);
    for (int bot = 0; bot < bots; ++bot) {
      const std::string bot_name = BotName(bot);
      for (int device = 0; device < devices_per_bot; ++device) {
        history->Reset();
        history->Bind(1, bot_name);
        history->Bind(2, DeviceId(device));
        history->Bind(3, now_ms);
        upsert->Reset();
        upsert->Bind(1, bot_name);
        upsert->Bind(2, DeviceId(device));
        upsert->Bind(3, client_type);
        upsert->Bind(4, client_version);
        upsert->Bind(5, now_ms);
        absl::Status done = history->Run();
        if (done.ok()) done = upsert->Run();
        if (!done.ok()) {
          return absl::Status(done.code(), absl::StrCat("approving ", bot_name, "/", DeviceId(device),
                                                        ": ", done.message()));
        }
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace botrelay::bench
