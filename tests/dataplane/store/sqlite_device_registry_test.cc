#include <algorithm>
#include <map>
#include <random>
#include <thread>

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

// Admit facts are dated well before SetStatus's wall clock, so history
// order never depends on two events sharing a millisecond.
constexpr int64_t kT0 = 1'700'000'000'000;

void ExpectSameRecord(const DeviceRecord& actual, const DeviceRecord& expected) {
  EXPECT_EQ(actual.key, expected.key);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.client_type, expected.client_type);
  EXPECT_EQ(actual.client_version, expected.client_version);
  EXPECT_EQ(actual.last_ip, expected.last_ip);
  EXPECT_EQ(actual.device_ip, expected.device_ip);
  EXPECT_EQ(actual.status_reason, expected.status_reason);
  EXPECT_EQ(actual.max_message_size, expected.max_message_size);
  EXPECT_EQ(actual.created_at_ms, expected.created_at_ms);
  EXPECT_EQ(actual.updated_at_ms, expected.updated_at_ms);
  EXPECT_EQ(actual.last_seen_ms, expected.last_seen_ms);
}

PingSample Ping(const DeviceKey& key, int64_t at_ms) {
  PingSample sample;
  sample.key = key;
  sample.at_ms = at_ms;
  sample.rtt_ms = 12.5;
  sample.total_memory_mb = 3800;
  sample.memory_usage_mb = 512.25;
  sample.memory_percent = 13.5;
  sample.message_queue_size = 2;
  sample.active_rooms = 7;
  return sample;
}

std::vector<DeviceKey> AllKeys(DeviceRegistry& registry, const DeviceFilter& filter,
                               int page_size) {
  std::vector<DeviceKey> keys;
  std::string token;
  for (int pages = 0; pages < 1000; ++pages) {
    absl::StatusOr<DevicePage> page = registry.List(filter, page_size, token);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    EXPECT_LE(page->devices.size(), static_cast<size_t>(std::max(page_size, 1)));
    for (const DeviceRecord& record : page->devices) keys.push_back(record.key);
    if (page->next_page_token.empty()) break;
    token = page->next_page_token;
  }
  return keys;
}

class SqliteDeviceRegistryTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.File("devices.db"); }
  SqliteRegistrySettings Settings() const { return FastSettings(DbPath()); }

  ScratchDir dir_;
};

TEST_F(SqliteDeviceRegistryTest, OpenCreatesSchemaInWalMode) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.Int("SELECT MAX(version) FROM schema_migrations"), 1);
  for (const char* object : {"devices", "device_history", "ping_history",
                             "device_history_by_device", "ping_history_by_device"}) {
    EXPECT_EQ(raw.Int(std::string("SELECT COUNT(*) FROM sqlite_master WHERE name = '") + object +
                      "'"),
              1)
        << object;
  }
  EXPECT_TRUE(registry->Health().ok());
}

TEST_F(SqliteDeviceRegistryTest, ReopenKeepsDevicesHistoryAndPings) {
  const DeviceKey key{"LOA.i", "ccbd8eee1012327e"};
  DeviceRecord before;
  {
    auto registry = OpenOrDie(Settings());
    ASSERT_NE(registry, nullptr);
    ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
    ASSERT_TRUE(registry->SetStatus(key, DeviceStatus::kApproved, "alice", "known phone").ok());
    for (int i = 0; i < 3; ++i) registry->RecordPing(Ping(key, kT0 + i));
    before = *registry->Get(key);
  }  // destroyed like a stopping relayd: flushes and closes

  auto reopened = OpenOrDie(Settings());
  ASSERT_NE(reopened, nullptr);
  absl::StatusOr<DeviceRecord> after = reopened->Get(key);
  ASSERT_TRUE(after.ok()) << after.status();
  ExpectSameRecord(*after, before);

  absl::StatusOr<std::vector<DeviceHistoryEntry>> history = reopened->History(key, 10);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, "approve");
  EXPECT_EQ((*history)[1].action, "registered");

  absl::StatusOr<std::vector<PingSample>> pings = reopened->PingHistory(key, 10);
  ASSERT_TRUE(pings.ok()) << pings.status();
  ASSERT_EQ(pings->size(), 3u);
  EXPECT_EQ((*pings)[0].at_ms, kT0 + 2);
  EXPECT_EQ((*pings)[0].memory_usage_mb, 512.25);
  EXPECT_EQ((*pings)[0].active_rooms, 7);

  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM schema_migrations"), 1);  // not re-applied
}

TEST_F(SqliteDeviceRegistryTest, AdmitRegistersUnknownDeviceAsPending) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  absl::StatusOr<AdmitResult> admitted =
      registry->Admit(Facts("LOA.i", "phone-1", "3.3.2", kT0, "203.0.113.9"));
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_TRUE(admitted->newly_registered);
  EXPECT_FALSE(admitted->refused_unknown);
  const DeviceRecord& record = admitted->record;
  EXPECT_EQ(record.status, DeviceStatus::kPending);
  EXPECT_EQ(record.client_type, "MessengerBotR");
  EXPECT_EQ(record.client_version, "3.3.2");
  EXPECT_EQ(record.last_ip, "203.0.113.9");
  EXPECT_EQ(record.device_ip, "10.0.0.2");
  EXPECT_EQ(record.created_at_ms, kT0);
  EXPECT_EQ(record.last_seen_ms, kT0);

  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Text("SELECT status FROM devices WHERE device_id = 'phone-1'"), "pending");
  EXPECT_EQ(raw.Text("SELECT action || '/' || actor || '/' || new_status || '/' ||"
                     " IFNULL(old_status, 'null') FROM device_history"),
            "registered/relayd/pending/null");
}

TEST_F(SqliteDeviceRegistryTest, AdmitUpdatesVersionAndAddressesOfKnownDevice) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  ASSERT_TRUE(registry->Admit(Facts("LOA.i", "phone-1", "3.3.2", kT0)).ok());
  HandshakeFacts again = Facts("LOA.i", "phone-1", "3.3.3", kT0 + 5000, "203.0.113.10");
  again.device_ip = "10.0.0.3";
  absl::StatusOr<AdmitResult> admitted = registry->Admit(again);
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  EXPECT_FALSE(admitted->newly_registered);
  EXPECT_EQ(admitted->record.client_version, "3.3.3");
  EXPECT_EQ(admitted->record.last_ip, "203.0.113.10");
  EXPECT_EQ(admitted->record.device_ip, "10.0.0.3");
  EXPECT_EQ(admitted->record.created_at_ms, kT0);
  EXPECT_EQ(admitted->record.last_seen_ms, kT0 + 5000);

  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Text("SELECT client_version || ' ' || last_ip || ' ' || device_ip || ' ' ||"
                     " last_seen_ms FROM devices"),
            "3.3.3 203.0.113.10 10.0.0.3 " + std::to_string(kT0 + 5000));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM device_history"), 1);  // only "registered"
}

TEST_F(SqliteDeviceRegistryTest, ReconnectLoopInOneBatchStoresTheLatestFacts) {
  // Only the last handshake write per device in a batch reaches SQLite; the
  // row must still end up as the in-memory record, for a device registered
  // in the same batch and for one interleaved with it.
  SqliteRegistrySettings settings = Settings();
  settings.flush_interval_ms = 60'000;  // one batch: the writer waits for Flush
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  ASSERT_TRUE(registry->Admit(Facts("LOA.i", "old-phone", "3.3.0", kT0)).ok());
  ASSERT_TRUE(registry->Flush().ok());
  for (int i = 1; i <= 20; ++i) {
    const std::string version = "3.3." + std::to_string(i);
    HandshakeFacts facts = Facts("LOA.i", "new-phone", version, kT0 + i, "203.0.113." +
                                 std::to_string(i));
    ASSERT_TRUE(registry->Admit(facts).ok());
    ASSERT_TRUE(registry->Admit(Facts("LOA.i", "old-phone", version, kT0 + 100 - i)).ok());
  }
  ASSERT_TRUE(registry->Flush().ok());
  auto stored = [&](const std::string& device) {
    RawDb raw(DbPath());
    return raw.Text("SELECT status || ' ' || client_version || ' ' || last_ip || ' ' ||"
                    " created_at_ms || ' ' || last_seen_ms FROM devices WHERE device_id = '" +
                    device + "'");
  };
  EXPECT_EQ(stored("new-phone"), "pending 3.3.20 203.0.113.20 " + std::to_string(kT0 + 1) +
                                            " " + std::to_string(kT0 + 20));
  const DeviceRecord old_phone = *registry->Get(DeviceKey{"LOA.i", "old-phone"});
  EXPECT_EQ(old_phone.client_version, "3.3.20");
  EXPECT_EQ(old_phone.last_seen_ms, kT0 + 99);  // the newest, from the first reconnect
  EXPECT_EQ(stored("old-phone"), "pending 3.3.20 " + old_phone.last_ip + " " +
                                            std::to_string(kT0) + " " + std::to_string(kT0 + 99));
}

TEST_F(SqliteDeviceRegistryTest, RefusePolicyRecordsNothingForUnknownDevices) {
  {
    auto registering = OpenOrDie(Settings());
    ASSERT_NE(registering, nullptr);
    ASSERT_TRUE(registering->Admit(Facts("LOA.i", "known", "3.3.2", kT0)).ok());
  }
  SqliteRegistrySettings settings = Settings();
  settings.unknown_devices = UnknownDevicePolicy::kRefuse;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);

  absl::StatusOr<AdmitResult> unknown = registry->Admit(Facts("LOA.i", "stranger", "3.3.2", kT0));
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_TRUE(unknown->refused_unknown);
  EXPECT_FALSE(unknown->newly_registered);
  EXPECT_TRUE(unknown->record.key.device_id.empty());
  EXPECT_EQ(registry->Get({"LOA.i", "stranger"}).status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<AdmitResult> known = registry->Admit(Facts("LOA.i", "known", "3.3.3", kT0 + 1));
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_FALSE(known->refused_unknown);
  EXPECT_EQ(known->record.client_version, "3.3.3");

  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices WHERE device_id = 'stranger'"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM device_history WHERE device_id = 'stranger'"), 0);
}

TEST_F(SqliteDeviceRegistryTest, SetStatusRecordsEveryTransitionDurably) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone-1"};
  ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
  RawDb raw(DbPath());

  struct Step {
    DeviceStatus status;
    const char* action;
  };
  const Step steps[] = {
      {DeviceStatus::kApproved, "approve"}, {DeviceStatus::kBlocked, "block"},
      {DeviceStatus::kRevoked, "revoke"},   {DeviceStatus::kDenied, "deny"},
      {DeviceStatus::kPending, "set_pending"}, {DeviceStatus::kApproved, "approve"},
      {DeviceStatus::kApproved, "approve"},  // same status: still recorded
  };
  DeviceStatus previous = DeviceStatus::kPending;
  std::vector<DeviceHistoryEntry> expected;
  for (size_t i = 0; i < std::size(steps); ++i) {
    const std::string reason = "reason " + std::to_string(i);
    absl::StatusOr<DeviceRecord> updated =
        registry->SetStatus(key, steps[i].status, "admin" + std::to_string(i), reason);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_EQ(updated->status, steps[i].status);
    EXPECT_EQ(updated->status_reason, reason);
    EXPECT_EQ(registry->Get(key)->status, steps[i].status);
    // Durable before SetStatus returns: another connection sees it at once.
    EXPECT_EQ(raw.Text("SELECT status FROM devices WHERE device_id = 'phone-1'"),
              DeviceStatusName(steps[i].status));
    DeviceHistoryEntry entry;
    entry.actor = "admin" + std::to_string(i);
    entry.action = steps[i].action;
    entry.old_status = previous;
    entry.new_status = steps[i].status;
    entry.reason = reason;
    expected.insert(expected.begin(), entry);
    previous = steps[i].status;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct timestamps
  }

  absl::StatusOr<std::vector<DeviceHistoryEntry>> history = registry->History(key, 100);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), expected.size() + 1);
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ((*history)[i].actor, expected[i].actor);
    EXPECT_EQ((*history)[i].action, expected[i].action);
    EXPECT_EQ((*history)[i].old_status, expected[i].old_status);
    EXPECT_EQ((*history)[i].new_status, expected[i].new_status);
    EXPECT_EQ((*history)[i].reason, expected[i].reason);
    if (i > 0) {
      EXPECT_GT((*history)[i - 1].at_ms, (*history)[i].at_ms);
    }
  }
  EXPECT_EQ(history->back().action, "registered");
  EXPECT_EQ(history->back().old_status, std::nullopt);

  absl::StatusOr<std::vector<DeviceHistoryEntry>> newest_two = registry->History(key, 2);
  ASSERT_TRUE(newest_two.ok());
  ASSERT_EQ(newest_two->size(), 2u);
  EXPECT_EQ((*newest_two)[0].reason, expected[0].reason);
}

TEST_F(SqliteDeviceRegistryTest, StatusChangeIsKeptWhenTheRegistrationIsStillQueued) {
  SqliteRegistrySettings settings = Settings();
  settings.flush_interval_ms = 60'000;  // nothing flushes behind the test's back
  const DeviceKey key{"LOA.i", "phone-1"};
  {
    auto registry = OpenOrDie(settings);
    ASSERT_NE(registry, nullptr);
    ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
    ASSERT_TRUE(registry->SetStatus(key, DeviceStatus::kApproved, "alice", "ok").ok());
    ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.3", kT0 + 1)).ok());
  }  // the queued handshake writes land after the status change
  auto reopened = OpenOrDie(settings);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Get(key)->status, DeviceStatus::kApproved);
  EXPECT_EQ(reopened->Get(key)->client_version, "3.3.3");
}

TEST_F(SqliteDeviceRegistryTest, UnknownKeysAreNotFound) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  const DeviceKey missing{"LOA.i", "nobody"};
  EXPECT_EQ(registry->Get(missing).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry->SetStatus(missing, DeviceStatus::kApproved, "a", "r").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(registry->Delete(missing, "a", "r").code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<DeviceHistoryEntry>> history = registry->History(missing, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->empty());
}

TEST_F(SqliteDeviceRegistryTest, DeleteRemovesDeviceAndPingsButKeepsHistory) {
  SqliteRegistrySettings settings = Settings();
  settings.flush_interval_ms = 60'000;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  const DeviceKey gone{"LOA.i", "gone"};
  const DeviceKey stays{"LOA.i", "stays"};
  ASSERT_TRUE(registry->Admit(Facts(gone.bot_name, gone.device_id, "3.3.2", kT0)).ok());
  ASSERT_TRUE(registry->Admit(Facts(stays.bot_name, stays.device_id, "3.3.2", kT0)).ok());
  registry->RecordPing(Ping(gone, kT0));
  ASSERT_TRUE(registry->Flush().ok());
  // Queued after the flush: must not bring the row or the sample back.
  ASSERT_TRUE(registry->Admit(Facts(gone.bot_name, gone.device_id, "3.3.3", kT0 + 1)).ok());
  registry->RecordPing(Ping(gone, kT0 + 1));

  ASSERT_TRUE(registry->Delete(gone, "alice", "phone lost").ok());
  EXPECT_EQ(registry->Get(gone).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(AllKeys(*registry, {}, 10), std::vector<DeviceKey>{stays});
  absl::StatusOr<std::vector<DeviceHistoryEntry>> history = registry->History(gone, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, "delete");
  EXPECT_EQ((*history)[0].actor, "alice");
  EXPECT_EQ((*history)[0].reason, "phone lost");
  EXPECT_EQ((*history)[0].old_status, DeviceStatus::kPending);
  EXPECT_EQ((*history)[0].new_status, std::nullopt);
  EXPECT_TRUE(registry->PingHistory(gone, 10)->empty());

  ASSERT_TRUE(registry->Flush().ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices WHERE device_id = 'gone'"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history WHERE device_id = 'gone'"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM devices WHERE device_id = 'stays'"), 1);

  // A later handshake registers it afresh.
  absl::StatusOr<AdmitResult> back = registry->Admit(Facts("LOA.i", "gone", "3.3.3", kT0 + 2));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->newly_registered);
}

TEST_F(SqliteDeviceRegistryTest, ListFiltersAndPaginates) {
  auto registry = OpenOrDie(Settings());
  ASSERT_NE(registry, nullptr);
  std::vector<DeviceKey> all;
  std::vector<DeviceKey> approved;
  std::vector<DeviceKey> beta;
  std::vector<DeviceKey> beta_approved;
  for (const char* bot : {"gamma", "alpha", "beta"}) {
    for (int i = 9; i >= 0; --i) {
      const DeviceKey key{bot, "device-" + std::to_string(i)};
      ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
      all.push_back(key);
      if (std::string(bot) == "beta") beta.push_back(key);
      if (i % 3 == 0) {
        ASSERT_TRUE(registry->SetStatus(key, DeviceStatus::kApproved, "alice", "").ok());
        approved.push_back(key);
        if (std::string(bot) == "beta") beta_approved.push_back(key);
      }
    }
  }
  auto by_key = [](const DeviceKey& a, const DeviceKey& b) {
    return std::tie(a.bot_name, a.device_id) < std::tie(b.bot_name, b.device_id);
  };
  for (auto* keys : {&all, &approved, &beta, &beta_approved}) {
    std::sort(keys->begin(), keys->end(), by_key);
  }

  for (int page_size : {1, 3, 7, 30, 100}) {
    SCOPED_TRACE(page_size);
    EXPECT_EQ(AllKeys(*registry, {}, page_size), all);
    EXPECT_EQ(AllKeys(*registry, {"", DeviceStatus::kApproved}, page_size), approved);
    EXPECT_EQ(AllKeys(*registry, {"beta", std::nullopt}, page_size), beta);
    EXPECT_EQ(AllKeys(*registry, {"beta", DeviceStatus::kApproved}, page_size), beta_approved);
  }
  EXPECT_TRUE(AllKeys(*registry, {"delta", std::nullopt}, 10).empty());
  EXPECT_TRUE(AllKeys(*registry, {"", DeviceStatus::kBlocked}, 10).empty());

  // page_size is clamped to [1, 1000].
  absl::StatusOr<DevicePage> one = registry->List({}, 0, "");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->devices.size(), 1u);
  EXPECT_FALSE(one->next_page_token.empty());
  absl::StatusOr<DevicePage> everything = registry->List({}, 5000, "");
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->devices.size(), all.size());
  EXPECT_TRUE(everything->next_page_token.empty());

  // A page boundary exactly at the end gives no further token.
  absl::StatusOr<DevicePage> exact = registry->List({}, static_cast<int>(all.size()), "");
  ASSERT_TRUE(exact.ok());
  EXPECT_TRUE(exact->next_page_token.empty());

  EXPECT_EQ(registry->List({}, 10, "definitely not a token").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry->List({}, 10, one->next_page_token + "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteDeviceRegistryTest, PingPruningIsAmortizedButBounded) {
  SqliteRegistrySettings settings = Settings();
  settings.flush_interval_ms = 60'000;
  settings.ping_retention_per_device = 20;  // pruned every 2 written batches
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone-1"};
  RawDb raw(DbPath());
  int64_t most = 0;
  for (int i = 1; i <= 60; ++i) {
    registry->RecordPing(Ping(key, kT0 + i));
    ASSERT_TRUE(registry->Flush().ok());
    most = std::max(most, raw.Int("SELECT COUNT(*) FROM ping_history"));
  }
  EXPECT_EQ(most, 21);  // never more than retention + a tenth
  EXPECT_EQ(raw.Int("SELECT MAX(at_ms) FROM ping_history"), kT0 + 60);
  EXPECT_GE(raw.Int("SELECT COUNT(*) FROM ping_history"), 20);
}

TEST_F(SqliteDeviceRegistryTest, PingHistoryIncludesQueuedSamplesAndKeepsNewestOnWrite) {
  SqliteRegistrySettings settings = Settings();
  settings.flush_interval_ms = 60'000;
  settings.ping_retention_per_device = 5;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone-1"};
  const DeviceKey other{"LOA.i", "phone-2"};
  for (int i = 1; i <= 12; ++i) registry->RecordPing(Ping(key, kT0 + i));
  registry->RecordPing(Ping(other, kT0));

  absl::StatusOr<std::vector<PingSample>> queued = registry->PingHistory(key, 100);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 12u);  // nothing written yet, all still queued
  EXPECT_EQ(queued->front().at_ms, kT0 + 12);

  ASSERT_TRUE(registry->Flush().ok());
  absl::StatusOr<std::vector<PingSample>> kept = registry->PingHistory(key, 100);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 5u);
  for (size_t i = 0; i < kept->size(); ++i) {
    EXPECT_EQ((*kept)[i].at_ms, kT0 + 12 - static_cast<int64_t>(i));
    EXPECT_EQ((*kept)[i].rtt_ms, 12.5);
    EXPECT_EQ((*kept)[i].key, key);
  }
  // Stored and queued samples merge newest first.
  registry->RecordPing(Ping(key, kT0 + 13));
  absl::StatusOr<std::vector<PingSample>> merged = registry->PingHistory(key, 3);
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->size(), 3u);
  EXPECT_EQ((*merged)[0].at_ms, kT0 + 13);
  EXPECT_EQ((*merged)[1].at_ms, kT0 + 12);

  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history WHERE device_id = 'phone-1'"), 5);
  EXPECT_EQ(raw.Int("SELECT MIN(at_ms) FROM ping_history WHERE device_id = 'phone-1'"), kT0 + 8);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history WHERE device_id = 'phone-2'"), 1);
}

TEST_F(SqliteDeviceRegistryTest, HistoryKeepsNewestEntriesPerDevice) {
  SqliteRegistrySettings settings = Settings();
  settings.history_retention_per_device = 3;
  auto registry = OpenOrDie(settings);
  ASSERT_NE(registry, nullptr);
  const DeviceKey key{"LOA.i", "phone-1"};
  ASSERT_TRUE(registry->Admit(Facts(key.bot_name, key.device_id, "3.3.2", kT0)).ok());
  ASSERT_TRUE(registry->Flush().ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(registry->SetStatus(key, DeviceStatus::kApproved, "a", std::to_string(i)).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  absl::StatusOr<std::vector<DeviceHistoryEntry>> history = registry->History(key, 100);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].reason, "4");
  EXPECT_EQ((*history)[2].reason, "2");
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM device_history"), 3);
}

TEST_F(SqliteDeviceRegistryTest, ConcurrentAdmitsAndStatusChangesStayConsistent) {
  constexpr int kDevices = 40;
  constexpr int kAdmitThreads = 4;
  constexpr int kAdmitsPerThread = 400;
  auto key_of = [](int i) { return DeviceKey{"bot-" + std::to_string(i % 3), "d" + std::to_string(i)}; };
  std::map<std::string, int> status_changes;  // device_id -> successful SetStatus calls
  {
    auto registry = OpenOrDie(Settings());
    ASSERT_NE(registry, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kAdmitThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(t);
        for (int n = 0; n < kAdmitsPerThread; ++n) {
          const DeviceKey key = key_of(static_cast<int>(rng() % kDevices));
          const auto admitted = registry->Admit(Facts(key.bot_name, key.device_id,
                                                      "3.3." + std::to_string(n % 4), kT0 + n));
          ASSERT_TRUE(admitted.ok()) << admitted.status();
          PingSample sample;
          sample.key = key;
          sample.at_ms = kT0 + n;
          registry->RecordPing(sample);
        }
      });
    }
    threads.emplace_back([&] {
      std::mt19937 rng(99);
      const DeviceStatus statuses[] = {DeviceStatus::kApproved, DeviceStatus::kBlocked,
                                       DeviceStatus::kPending};
      for (int n = 0; n < 300; ++n) {
        const DeviceKey key = key_of(static_cast<int>(rng() % kDevices));
        const auto updated = registry->SetStatus(key, statuses[rng() % 3], "admin", "");
        if (updated.ok()) {
          ++status_changes[key.device_id];
        } else {
          ASSERT_EQ(updated.status().code(), absl::StatusCode::kNotFound) << updated.status();
        }
      }
    });
    for (std::thread& thread : threads) thread.join();
    ASSERT_TRUE(registry->Health().ok());

    absl::StatusOr<DevicePage> in_memory = registry->List({}, 1000, "");
    ASSERT_TRUE(in_memory.ok());
    EXPECT_EQ(in_memory->devices.size(), static_cast<size_t>(kDevices));
    registry.reset();  // flush and close

    auto reopened = OpenOrDie(Settings());
    ASSERT_NE(reopened, nullptr);
    absl::StatusOr<DevicePage> on_disk = reopened->List({}, 1000, "");
    ASSERT_TRUE(on_disk.ok());
    ASSERT_EQ(on_disk->devices.size(), in_memory->devices.size());
    for (size_t i = 0; i < on_disk->devices.size(); ++i) {
      SCOPED_TRACE(on_disk->devices[i].key.device_id);
      ExpectSameRecord(on_disk->devices[i], in_memory->devices[i]);
      absl::StatusOr<std::vector<DeviceHistoryEntry>> history =
          reopened->History(on_disk->devices[i].key, 1000);
      ASSERT_TRUE(history.ok());
      // One registration plus every successful status change, none lost.
      EXPECT_EQ(history->size(), 1u + status_changes[on_disk->devices[i].key.device_id]);
    }
  }
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM ping_history"), kAdmitThreads * kAdmitsPerThread);
}

TEST_F(SqliteDeviceRegistryTest, OpenRejectsNewerSchemaAndBadSettings) {
  { ASSERT_NE(OpenOrDie(Settings()), nullptr); }
  {
    RawDb raw(DbPath());
    raw.Exec("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (99, 0)");
  }
  EXPECT_EQ(OpenSqliteDeviceRegistry(Settings()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  SqliteRegistrySettings missing_dir = FastSettings(dir_.File("no/such/dir/devices.db"));
  EXPECT_FALSE(OpenSqliteDeviceRegistry(missing_dir).ok());
  SqliteRegistrySettings bad = FastSettings(dir_.File("other.db"));
  bad.ping_retention_per_device = 0;
  EXPECT_EQ(OpenSqliteDeviceRegistry(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace botrelay::store
