// The registry fails closed while its database cannot be written and
// recovers on its own. The fault is real: a second connection holds the
// database's write lock (BEGIN EXCLUSIVE) for longer than busy_timeout, as
// another process would. (Read-only permissions would not do: tests may run
// as root, which ignores them.) A damaged file is refused when opened.
// tests/integration/store_fault_test.cc drives the same faults, and a really
// full disk, through the relayd binary.

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dataplane/store/sqlite_device_registry.h"
#include "gtest/gtest.h"
#include "tests/dataplane/store/store_test_support.h"

namespace botrelay::store {
namespace {

using testing::Facts;
using testing::FastSettings;
using testing::OpenOrDie;
using testing::RawDb;
using testing::ScratchDir;
using testing::WaitUntil;

constexpr int64_t kT0 = 1'700'000'000'000;

PingSample Ping(const DeviceKey& key, int64_t at_ms) {
  PingSample sample;
  sample.key = key;
  sample.at_ms = at_ms;
  sample.rtt_ms = 1;
  return sample;
}

class SqliteRegistryFailureTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.File("devices.db"); }

  ScratchDir dir_;
};

TEST_F(SqliteRegistryFailureTest, FailsClosedWhileLockedAndRecoversByItself) {
  auto registry = OpenOrDie(FastSettings(DbPath()));
  ASSERT_NE(registry, nullptr);
  const DeviceKey known{"LOA.i", "known"};
  ASSERT_TRUE(registry->Admit(Facts(known.bot_name, known.device_id, "3.3.2", kT0)).ok());
  ASSERT_TRUE(registry->Flush().ok());

  RawDb locker(DbPath());
  locker.Exec("BEGIN EXCLUSIVE");
  registry->RecordPing(Ping(known, kT0));  // the writer's next batch fails
  ASSERT_TRUE(WaitUntil([&] { return !registry->Health().ok(); }));
  const absl::Status health = registry->Health();
  EXPECT_EQ(health.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(health.message()).find("locked"), std::string::npos) << health;

  EXPECT_EQ(registry->Stats().failures, 1u);

  // Unknown devices fail closed and are not recorded; a known device is
  // answered from memory and its handshake facts wait in the queue.
  EXPECT_EQ(registry->Admit(Facts("LOA.i", "newcomer", "3.3.3", kT0 + 1)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(registry->Get({"LOA.i", "newcomer"}).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<AdmitResult> known_again =
      registry->Admit(Facts(known.bot_name, known.device_id, "3.3.3", kT0 + 1));
  ASSERT_TRUE(known_again.ok()) << known_again.status();
  EXPECT_EQ(known_again->record.status, DeviceStatus::kPending);
  EXPECT_FALSE(known_again->newly_registered);
  EXPECT_EQ(registry->Get(known)->client_version, "3.3.3");
  EXPECT_EQ(registry->Stats().queued_writes, 2u);  // the ping and the handshake facts

  // A status change that cannot be made durable is not made at all.
  EXPECT_EQ(registry->SetStatus(known, DeviceStatus::kApproved, "alice", "").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(registry->Get(known)->status, DeviceStatus::kPending);
  EXPECT_EQ(registry->Delete(known, "alice", "").code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(registry->Get(known).ok());
  EXPECT_EQ(registry->Flush().code(), absl::StatusCode::kUnavailable);

  locker.Exec("ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  absl::StatusOr<AdmitResult> admitted =
      registry->Admit(Facts("LOA.i", "newcomer", "3.3.3", kT0 + 2));
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_TRUE(admitted->newly_registered);
  ASSERT_TRUE(registry->SetStatus(known, DeviceStatus::kApproved, "alice", "").ok());
  ASSERT_TRUE(registry->Flush().ok());

  EXPECT_EQ(registry->Stats().queued_writes, 0u);

  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history"), 1);  // the batch kept for retry
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices"), 2);
  EXPECT_EQ(raw.Text("SELECT status FROM devices WHERE device_id = 'known'"), "approved");
  EXPECT_EQ(raw.Text("SELECT client_version FROM devices WHERE device_id = 'known'"), "3.3.3");
}

TEST_F(SqliteRegistryFailureTest, FailedStatusChangeAloneMarksUnhealthyUntilProbeSucceeds) {
  auto registry = OpenOrDie(FastSettings(DbPath()));
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone"};
  ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
  ASSERT_TRUE(registry->Flush().ok());

  {
    RawDb locker(DbPath());
    locker.Exec("BEGIN EXCLUSIVE");
    EXPECT_EQ(registry->SetStatus(key, DeviceStatus::kBlocked, "alice", "").status().code(),
              absl::StatusCode::kUnavailable);
    EXPECT_FALSE(registry->Health().ok());
    locker.Exec("ROLLBACK");
  }
  // Nothing is queued: the writer's probe alone brings it back.
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  EXPECT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0 + 1)).ok());
}

TEST_F(SqliteRegistryFailureTest, FullQueueDropsOldestPingsButNeverDeviceRows) {
  SqliteRegistrySettings settings = FastSettings(DbPath());
  settings.max_queued_writes = 50;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone"};

  RawDb locker(DbPath());
  locker.Exec("BEGIN EXCLUSIVE");
  // Queued, then the database fails before it is written.
  ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
  ASSERT_TRUE(WaitUntil([&] { return !registry->Health().ok(); }));
  for (int i = 1; i <= 200; ++i) registry->RecordPing(Ping(key, kT0 + i));

  absl::StatusOr<std::vector<PingSample>> queued = registry->PingHistory(key, 1000);
  ASSERT_TRUE(queued.ok()) << queued.status();
  // 50 items at most, two of which are the device row and its history.
  EXPECT_LE(queued->size(), 48u);
  EXPECT_GE(queued->size(), 40u);
  EXPECT_EQ(queued->front().at_ms, kT0 + 200);  // the newest survive
  EXPECT_GT(queued->back().at_ms, kT0 + 150);
  EXPECT_EQ(registry->Stats().dropped_pings, 200u - queued->size());

  locker.Exec("ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM device_history"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history"), static_cast<int64_t>(queued->size()));
  EXPECT_EQ(raw.Int("SELECT MAX(at_ms) FROM ping_history"), kT0 + 200);
}

TEST_F(SqliteRegistryFailureTest, UnknownDevicesFailClosedEvenForRefusePolicy) {
  SqliteRegistrySettings settings = FastSettings(DbPath());
  settings.unknown_devices = UnknownDevicePolicy::kRefuse;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  RawDb locker(DbPath());
  locker.Exec("BEGIN EXCLUSIVE");
  registry->RecordPing(Ping({"LOA.i", "x"}, kT0));
  ASSERT_TRUE(WaitUntil([&] { return !registry->Health().ok(); }));
  EXPECT_EQ(registry->Admit(Facts("LOA.i", "x", "3.3.2", kT0)).status().code(),
            absl::StatusCode::kUnavailable);
  locker.Exec("ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  absl::StatusOr<AdmitResult> refused = registry->Admit(Facts("LOA.i", "x", "3.3.2", kT0));
  ASSERT_TRUE(refused.ok());
  EXPECT_TRUE(refused->refused_unknown);
}

// Overwrites `count` pages from page `first` (1-based) with a pattern that is
// no valid b-tree page, as a failing disk or a stray writer would.
void SmashPages(const std::string& path, int first, int count) {
  constexpr int kPageSize = 4096;
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(file, nullptr) << path;
  const std::string garbage(static_cast<size_t>(kPageSize) * count, '\x5a');
  ASSERT_EQ(std::fseek(file, static_cast<long>(first - 1) * kPageSize, SEEK_SET), 0);
  ASSERT_EQ(std::fwrite(garbage.data(), 1, garbage.size(), file), garbage.size());
  std::fclose(file);
}

TEST_F(SqliteRegistryFailureTest, CorruptPagesAreRefusedAtOpenAsDataLoss) {
  {
    auto registry = OpenOrDie(FastSettings(DbPath()));
    ASSERT_NE(registry, nullptr);
    for (int i = 0; i < 50; ++i) {
      const DeviceKey key{"LOA.i", "phone-" + std::to_string(i)};
      ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
      for (int p = 0; p < 20; ++p) registry->RecordPing(Ping(key, kT0 + p));
    }
    ASSERT_TRUE(registry->Flush().ok());
  }
  // Closing the last connection checkpointed the WAL into the main file.
  RawDb(DbPath()).Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_GT(std::filesystem::file_size(DbPath()), 8u * 4096);
  SmashPages(DbPath(), 3, 4);  // page 1 (the header) stays: the file still looks like a database

  absl::StatusOr<std::unique_ptr<DeviceRegistry>> reopened =
      OpenSqliteDeviceRegistry(FastSettings(DbPath()));
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kDataLoss) << reopened.status();
  EXPECT_NE(std::string(reopened.status().message()).find("corrupt"), std::string::npos)
      << reopened.status();
}

TEST_F(SqliteRegistryFailureTest, FileThatIsNotADatabaseIsRefusedAsDataLoss) {
  {
    std::ofstream out(DbPath());
    out << std::string(8192, 'x') << "\nthis is a log file, not a database\n";
  }
  absl::StatusOr<std::unique_ptr<DeviceRegistry>> opened =
      OpenSqliteDeviceRegistry(FastSettings(DbPath()));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss) << opened.status();
  EXPECT_NE(std::string(opened.status().message()).find("not a database"), std::string::npos)
      << opened.status();
  // Refused without touching it.
  EXPECT_EQ(std::filesystem::file_size(DbPath()), 8192u + 36u);
}

TEST_F(SqliteRegistryFailureTest, MissingDirectoryAtOpenIsUnavailableNotDataLoss) {
  absl::StatusOr<std::unique_ptr<DeviceRegistry>> opened =
      OpenSqliteDeviceRegistry(FastSettings(dir_.File("no-such-dir/devices.db")));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kUnavailable) << opened.status();
}

// WAL readers do not wait for the writer: a store locked at start-up is
// loaded, and fails (then recovers) like a store locked later.
TEST_F(SqliteRegistryFailureTest, LockedAtOpenLoadsThenFailsAtTheFirstWrite) {
  {
    auto created = OpenOrDie(FastSettings(DbPath()));
    ASSERT_TRUE(created->Admit(Facts("LOA.i", "known", "3.3.2", kT0)).ok());
  }
  RawDb locker(DbPath());
  locker.Exec("BEGIN EXCLUSIVE");
  auto registry = OpenOrDie(FastSettings(DbPath()));
  ASSERT_NE(registry, nullptr);
  EXPECT_TRUE(registry->Get({"LOA.i", "known"}).ok());
  registry->RecordPing(Ping({"LOA.i", "known"}, kT0 + 1));
  ASSERT_TRUE(WaitUntil([&] { return !registry->Health().ok(); }));
  locker.Exec("ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  EXPECT_TRUE(registry->Flush().ok());
  EXPECT_EQ(RawDb(DbPath()).Int("SELECT COUNT(*) FROM ping_history"), 1);
}

}  // namespace
}  // namespace botrelay::store
