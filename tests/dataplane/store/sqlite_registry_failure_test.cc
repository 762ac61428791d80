// The registry fails closed while its database cannot be written and
// recovers on its own. The fault is real: a second connection holds the
// database's write lock (BEGIN EXCLUSIVE) for longer than busy_timeout, as
// another process would. (Read-only permissions would not do: tests may run
// as root, which ignores them.)

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

  // Fail closed: known and unknown devices alike, and nothing is recorded.
  EXPECT_EQ(registry->Admit(Facts(known.bot_name, known.device_id, "3.3.3", kT0 + 1))
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(registry->Admit(Facts("LOA.i", "newcomer", "3.3.3", kT0 + 1)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(registry->Get({"LOA.i", "newcomer"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry->Get(known)->client_version, "3.3.2");

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

  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history"), 1);  // the batch kept for retry
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices"), 2);
  EXPECT_EQ(raw.Text("SELECT status FROM devices WHERE device_id = 'known'"), "approved");
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

  locker.Exec("ROLLBACK");
  ASSERT_TRUE(WaitUntil([&] { return registry->Health().ok(); }));
  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM device_history"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history"), static_cast<int64_t>(queued->size()));
  EXPECT_EQ(raw.Int("SELECT MAX(at_ms) FROM ping_history"), kT0 + 200);
}

TEST_F(SqliteRegistryFailureTest, RefusesWhenUnhealthyEvenForRefusePolicy) {
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

}  // namespace
}  // namespace botrelay::store
