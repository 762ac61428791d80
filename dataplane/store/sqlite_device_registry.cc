#include "dataplane/store/sqlite_device_registry.h"

#include "dataplane/log/logger.h"
#include "dataplane/log/thread_name.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/store/device_tables.h"
#include "dataplane/store/page_token.h"
#include "dataplane/store/sqlite_connection.h"
#include "dataplane/store/sqlite_schema.h"
#include "dataplane/store/write_queue.h"

namespace botrelay::store {
namespace {

// A longer queue is written in several transactions, so a SetStatus waiting
// for the database never sits behind one huge batch.
constexpr size_t kMaxBatchItems = 5000;
// A queue this long wakes the writer before its interval ends.
constexpr size_t kEagerFlushItems = 2000;
constexpr int kMaxPageSize = 1000;
constexpr int kMaxReadLimit = 1000;
constexpr char kRegistrationActor[] = "relayd";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view ActionFor(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::kPending: return "set_pending";
    case DeviceStatus::kApproved: return "approve";
    case DeviceStatus::kDenied: return "deny";
    case DeviceStatus::kRevoked: return "revoke";
    case DeviceStatus::kBlocked: return "block";
  }
  return "set_status";
}

struct DeviceKeyLess {
  bool operator()(const DeviceKey& a, const DeviceKey& b) const {
    return std::tie(a.bot_name, a.device_id) < std::tie(b.bot_name, b.device_id);
  }
  bool operator()(const DeviceKey* a, const DeviceKey* b) const { return (*this)(*a, *b); }
};

bool Matches(const DeviceRecord& record, const DeviceFilter& filter) {
  return (filter.bot_name.empty() || record.key.bot_name == filter.bot_name) &&
         (!filter.status || record.status == *filter.status);
}

std::string KeyText(const DeviceKey& key) {
  return absl::StrCat(key.bot_name, "/", key.device_id);
}

absl::Status NotFound(const DeviceKey& key) {
  return absl::NotFoundError(absl::StrCat("device ", KeyText(key), " not found"));
}

// Every store failure reaches callers as UNAVAILABLE with sqlite's message.
absl::Status Unavailable(const absl::Status& cause) {
  return absl::UnavailableError(std::string(cause.message()));
}

// Merges rows already in the database with rows still queued into one
// newest-first list. `newer` wins ties on at_ms: queued ping samples are
// newer than stored ones, while a queued history entry (a registration) is
// older than any stored entry of the same device.
template <typename Row>
std::vector<Row> NewestFirst(std::vector<Row> newer, std::vector<Row> older, int limit) {
  newer.insert(newer.end(), std::make_move_iterator(older.begin()),
               std::make_move_iterator(older.end()));
  std::stable_sort(newer.begin(), newer.end(),
                   [](const Row& a, const Row& b) { return a.at_ms > b.at_ms; });
  if (newer.size() > static_cast<size_t>(limit)) newer.resize(static_cast<size_t>(limit));
  return newer;
}

template <typename Row>
std::vector<Row> Reversed(std::vector<Row> rows) {
  std::reverse(rows.begin(), rows.end());
  return rows;
}

}  // namespace

// Lock order: db_mutex_, devices_mutex_, the queue's own mutex,
// health_mutex_, wake_mutex_. Every item is either committed or in the queue
// whenever db_mutex_ is free: the writer takes a batch only while holding it
// and puts a failed batch back before releasing it.
class SqliteDeviceRegistry final : public DeviceRegistry {
 public:
  SqliteDeviceRegistry(const SqliteRegistrySettings& settings,
                       std::unique_ptr<SqliteConnection> connection,
                       std::unique_ptr<DeviceTables> tables, std::vector<DeviceRecord> devices)
      : settings_(settings),
        connection_(std::move(connection)),
        tables_(std::move(tables)),
        queue_(static_cast<size_t>(settings.max_queued_writes)) {
    for (DeviceRecord& record : devices) {
      DeviceKey key = record.key;
      devices_.emplace(std::move(key), std::move(record));
    }
    writer_ = std::thread([this] {
      log::NameThisThread("relayd-store");
      WriterLoop();
    });
  }

  ~SqliteDeviceRegistry() override {
    {
      std::lock_guard lock(wake_mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    writer_.join();
    if (absl::Status flushed = Flush(); !flushed.ok()) {
      RELAY_LOG(kWarn, "final flush failed, %zu queued writes lost: %s", queue_.size(),
               std::string(flushed.message()).c_str());
    }
  }

  absl::StatusOr<AdmitResult> Admit(const HandshakeFacts& facts) override {
    // A known device's status in memory is the durable one, so it can be
    // answered while the store fails; its handshake facts wait in the queue.
    // A registration could not be made durable: unknown devices fail closed.
    const bool store_failing = !healthy_.load(std::memory_order_acquire);
    const bool refuse_unknown = settings_.unknown_devices == UnknownDevicePolicy::kRefuse;
    if (refuse_unknown || store_failing) {
      // Unknown devices are turned away under the shared lock alone.
      std::shared_lock lock(devices_mutex_);
      if (!devices_.contains(facts.key)) {
        return store_failing ? absl::StatusOr<AdmitResult>(StoreFailure()) : RefusedUnknown();
      }
    }

    std::unique_lock lock(devices_mutex_);
    auto it = devices_.find(facts.key);
    if (it == devices_.end()) {
      if (store_failing) return StoreFailure();
      if (refuse_unknown) return RefusedUnknown();
      return Register(facts);
    }
    DeviceRecord& record = it->second;
    record.client_version = facts.client_version;
    record.last_ip = facts.peer_ip;
    record.device_ip = facts.device_ip;
    record.last_seen_ms = std::max(record.last_seen_ms, facts.now_ms);
    record.updated_at_ms = std::max(record.updated_at_ms, facts.now_ms);
    AfterEnqueue(queue_.Push(HandshakeWrite{record}));
    AdmitResult result;
    result.record = record;
    return result;
  }

  absl::StatusOr<DeviceRecord> Get(const DeviceKey& key) override {
    std::shared_lock lock(devices_mutex_);
    auto it = devices_.find(key);
    if (it == devices_.end()) return NotFound(key);
    return it->second;
  }

  absl::StatusOr<DevicePage> List(const DeviceFilter& filter, int page_size,
                                  const std::string& page_token) override {
    const size_t limit = static_cast<size_t>(std::clamp(page_size, 1, kMaxPageSize));
    std::optional<DeviceKey> after;
    if (!page_token.empty()) {
      absl::StatusOr<DeviceKey> decoded = DecodePageToken(page_token);
      if (!decoded.ok()) return decoded.status();
      after = std::move(*decoded);
    }

    DevicePage page;
    std::shared_lock lock(devices_mutex_);
    auto it = after ? devices_.upper_bound(*after)
          : filter.bot_name.empty() ? devices_.begin()
                                    : devices_.lower_bound(DeviceKey{filter.bot_name, ""});
    for (; it != devices_.end(); ++it) {
      if (!filter.bot_name.empty() && it->first.bot_name > filter.bot_name) break;
      if (!Matches(it->second, filter)) continue;
      if (page.devices.size() == limit) {
        page.next_page_token = EncodePageToken(page.devices.back().key);
        break;
      }
      page.devices.push_back(it->second);
    }
    return page;
  }

  absl::StatusOr<DeviceRecord> SetStatus(const DeviceKey& key, DeviceStatus status,
                                         const std::string& actor,
                                         const std::string& reason) override {
    const int64_t now = NowMs();
    std::lock_guard db(db_mutex_);
    absl::StatusOr<DeviceRecord> current = Get(key);
    if (!current.ok()) return current.status();

    DeviceRecord updated = *std::move(current);
    const DeviceHistoryEntry entry{now, actor, std::string(ActionFor(status)), updated.status,
                                   status, reason};
    updated.status = status;
    updated.status_reason = reason;
    updated.updated_at_ms = std::max(updated.updated_at_ms, now);
    if (absl::Status written =
            WriteWithHistory(key, entry, [&] { return tables_->WriteDevice(updated); });
        !written.ok()) {
      return written;
    }

    // Only Delete removes devices and it waits for db_mutex_, so the device
    // is still there; handshake facts may have changed meanwhile and stay.
    std::unique_lock lock(devices_mutex_);
    DeviceRecord& record = devices_.at(key);
    record.status = updated.status;
    record.status_reason = updated.status_reason;
    record.updated_at_ms = std::max(record.updated_at_ms, updated.updated_at_ms);
    return record;
  }

  // One durable admin change: `change` plus its history entry, in one
  // transaction. A failure marks the store unhealthy. Caller holds db_mutex_.
  template <typename Change>
  absl::Status WriteWithHistory(const DeviceKey& key, const DeviceHistoryEntry& entry,
                                Change&& change) {
    // An operator's decision survives a power loss, not only a crash: the
    // commit waits for fsync (synchronous=NORMAL, kept for the batches, would
    // sync only at the next checkpoint). Admin changes are rare; the fsync is cheap.
    absl::Status written = connection_->Exec("PRAGMA synchronous=FULL");
    if (written.ok()) {
      written = RunInTransaction(*connection_, [&]() -> absl::Status {
        if (absl::Status s = change(); !s.ok()) return s;
        if (absl::Status s = tables_->InsertHistory(key, entry); !s.ok()) return s;
        return tables_->PruneHistory(key, settings_.history_retention_per_device);
      });
      // Setting the level touches no file; it cannot fail once the first did not.
      connection_->Exec("PRAGMA synchronous=NORMAL").IgnoreError();
    }
    if (!written.ok()) {
      MarkUnhealthy(written);
      return Unavailable(written);
    }
    return absl::OkStatus();
  }

  absl::Status Delete(const DeviceKey& key, const std::string& actor,
                      const std::string& reason) override {
    const int64_t now = NowMs();
    std::lock_guard db(db_mutex_);
    absl::StatusOr<DeviceRecord> current = Get(key);
    if (!current.ok()) return current.status();

    const DeviceHistoryEntry entry{now, actor, "delete", current->status, std::nullopt, reason};
    if (absl::Status written =
            WriteWithHistory(key, entry, [&] { return tables_->DeleteDevice(key); });
        !written.ok()) {
      return written;
    }

    // Forgetting the queued handshake writes under the devices lock keeps a
    // concurrent Admit from re-creating the row after the delete.
    std::unique_lock lock(devices_mutex_);
    devices_.erase(key);
    queue_.Forget(key);
    pings_since_prune_.erase(key);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DeviceHistoryEntry>> History(const DeviceKey& key,
                                                          int limit) override {
    limit = std::clamp(limit, 1, kMaxReadLimit);
    std::lock_guard db(db_mutex_);
    absl::StatusOr<std::vector<DeviceHistoryEntry>> stored = tables_->ReadHistory(key, limit);
    if (!stored.ok()) return Unavailable(stored.status());
    return NewestFirst(*std::move(stored), Reversed(queue_.HistoryOf(key)), limit);
  }

  void RecordPing(PingSample sample) override { AfterEnqueue(queue_.Push(std::move(sample))); }

  absl::StatusOr<std::vector<PingSample>> PingHistory(const DeviceKey& key, int limit) override {
    limit = std::clamp(limit, 1, kMaxReadLimit);
    std::lock_guard db(db_mutex_);
    absl::StatusOr<std::vector<PingSample>> stored = tables_->ReadPings(key, limit);
    if (!stored.ok()) return Unavailable(stored.status());
    return NewestFirst(Reversed(queue_.PingsOf(key)), *std::move(stored), limit);
  }

  absl::Status Health() override {
    std::lock_guard lock(health_mutex_);
    return health_;
  }

  absl::Status Flush() override { return WriteQueued(queue_.size()); }

  StoreStats Stats() override {
    StoreStats stats;
    stats.queued_writes = queue_.size() + in_flight_.load();
    stats.dropped_pings = dropped_pings_.load();
    stats.failures = failures_.load();
    return stats;
  }

 private:
  // The reason handshakes of unknown devices are refused: the last error, or
  // a generic one if the store recovered since the caller looked.
  absl::Status StoreFailure() {
    absl::Status health = Health();
    return health.ok() ? absl::UnavailableError("device store failing") : health;
  }

  static AdmitResult RefusedUnknown() {
    AdmitResult result;
    result.refused_unknown = true;
    return result;
  }

  // Called with devices_mutex_ held exclusively and the device absent.
  AdmitResult Register(const HandshakeFacts& facts) {
    DeviceRecord record;
    record.key = facts.key;
    record.status = DeviceStatus::kPending;
    record.client_type = facts.client_type;
    record.client_version = facts.client_version;
    record.last_ip = facts.peer_ip;
    record.device_ip = facts.device_ip;
    record.created_at_ms = facts.now_ms;
    record.updated_at_ms = facts.now_ms;
    record.last_seen_ms = facts.now_ms;
    devices_.emplace(record.key, record);

    DeviceHistoryEntry registered;
    registered.at_ms = facts.now_ms;
    registered.actor = kRegistrationActor;
    registered.action = "registered";
    registered.new_status = DeviceStatus::kPending;
    registered.reason = "first handshake";
    AfterEnqueue(queue_.Push(HandshakeWrite{record}, HistoryWrite{record.key, registered}));

    AdmitResult result;
    result.record = std::move(record);
    result.newly_registered = true;
    return result;
  }

  void AfterEnqueue(const EnqueueResult& result) {
    if (result.dropped_pings > 0) {
      dropped_pings_ += result.dropped_pings;
      // Once per outage; MarkHealthy reports the total.
      if (!drop_logged_.exchange(true)) {
        RELAY_LOG(kWarn, "write queue over %d items: dropping the oldest ping samples",
                 settings_.max_queued_writes);
      }
    }
    if (result.over_limit && !over_limit_logged_.exchange(true)) {
      RELAY_LOG(kWarn, "write queue holds %zu items, over its limit of %d, and no ping samples are "
               "left to drop; device rows and history are kept",
               result.queued, settings_.max_queued_writes);
    }
    if (result.queued >= kEagerFlushItems && healthy_.load() &&
        !eager_flush_requested_.exchange(true)) {
      NotifyWriter();
    }
  }

  // Writes up to `budget` queued items (about what was queued at the call),
  // batch by batch. With nothing to write, an unhealthy store is probed so
  // that Flush also reports the database's current state.
  absl::Status WriteQueued(size_t budget) {
    size_t written = 0;
    while (written < budget) {
      std::lock_guard db(db_mutex_);
      std::deque<QueuedWrite> batch = queue_.Take(std::min(kMaxBatchItems, budget - written));
      if (batch.empty()) break;
      in_flight_ = batch.size();
      absl::Status status = WriteBatch(batch);
      if (!status.ok()) {
        MarkUnhealthy(status);
        AfterEnqueue(queue_.Restore(std::move(batch)));
      }
      in_flight_ = 0;
      if (!status.ok()) return Unavailable(status);
      written += batch.size();
    }
    if (written == 0 && !healthy_.load()) return Probe();
    if (written > 0) MarkHealthy();
    return absl::OkStatus();
  }

  // One transaction: the batch in queue order, then retention pruning for
  // every device the batch added history or ping rows to.
  absl::Status WriteBatch(const std::deque<QueuedWrite>& batch) {
    std::set<const DeviceKey*, DeviceKeyLess> history_keys;
    std::set<const DeviceKey*, DeviceKeyLess> ping_keys;
    const std::vector<bool> superseded = SupersededHandshakes(batch);
    // Ping rows go in last, several per statement; no other write in a
    // batch touches ping_history, so this keeps their effect.
    std::vector<const PingSample*> pings;
    auto write_one = [&](const QueuedWrite& item, bool superseded_handshake) -> absl::Status {
      if (const auto* handshake = std::get_if<HandshakeWrite>(&item)) {
        if (superseded_handshake) return absl::OkStatus();
        return tables_->WriteHandshakeFacts(handshake->record);
      }
      if (const auto* history = std::get_if<HistoryWrite>(&item)) {
        history_keys.insert(&history->key);
        return tables_->InsertHistory(history->key, history->entry);
      }
      const PingSample& sample = std::get<PingSample>(item);
      ping_keys.insert(&sample.key);
      pings.push_back(&sample);
      return absl::OkStatus();
    };
    return RunInTransaction(*connection_, [&]() -> absl::Status {
      for (size_t i = 0; i < batch.size(); ++i) {
        if (absl::Status s = write_one(batch[i], superseded[i]); !s.ok()) return s;
      }
      if (absl::Status s = tables_->InsertPings(pings); !s.ok()) return s;
      for (const DeviceKey* key : history_keys) {
        if (absl::Status s = tables_->PruneHistory(*key, settings_.history_retention_per_device);
            !s.ok()) {
          return s;
        }
      }
      for (const DeviceKey* key : ping_keys) {
        // Pruning costs a DELETE per device; with one ping per device per
        // interval, pruning on every sample doubled the writer's work. Prune
        // each device once per tenth of its retention instead: at most 10%
        // more rows are kept between prunes.
        int& since = pings_since_prune_[*key];
        if (++since < std::max(1, settings_.ping_retention_per_device / 10)) continue;
        since = 0;
        if (absl::Status s = tables_->PrunePings(*key, settings_.ping_retention_per_device);
            !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    });
  }

  // Marks every handshake write followed by a later one for the same device
  // in the batch. Each carries the whole in-memory record at its handshake,
  // so the last one writes everything the earlier ones would (its timestamps
  // are the newest and the facts are the latest), in the same transaction. A
  // device reconnecting in a loop then costs one row update per batch, not
  // one per handshake (a row update was a fifth of a handshake's CPU).
  static std::vector<bool> SupersededHandshakes(const std::deque<QueuedWrite>& batch) {
    std::vector<bool> superseded(batch.size(), false);
    std::set<const DeviceKey*, DeviceKeyLess> later;
    for (size_t i = batch.size(); i-- > 0;) {
      if (const auto* handshake = std::get_if<HandshakeWrite>(&batch[i])) {
        superseded[i] = !later.insert(&handshake->record.key).second;
      }
    }
    return superseded;
  }

  // An empty write transaction: succeeds once the write lock can be taken.
  absl::Status Probe() {
    std::lock_guard db(db_mutex_);
    absl::Status status = RunInTransaction(*connection_, [] { return absl::OkStatus(); });
    if (!status.ok()) {
      MarkUnhealthy(status);
      return Unavailable(status);
    }
    MarkHealthy();
    return absl::OkStatus();
  }

  void MarkUnhealthy(const absl::Status& cause) {
    {
      std::lock_guard lock(health_mutex_);
      health_ = Unavailable(cause);
      if (healthy_.exchange(false)) {
        failures_.fetch_add(1);
        RELAY_LOG(kError,
                  "database failing; unknown devices are refused and writes are queued until a "
                  "write succeeds: %s",
                  std::string(cause.message()).c_str());
      }
    }
    NotifyWriter();  // switch it to the probe interval
  }

  void MarkHealthy() {
    if (healthy_.load()) return;
    {
      std::lock_guard lock(health_mutex_);
      if (healthy_.load()) return;
      health_ = absl::OkStatus();
      healthy_.store(true);
      RELAY_LOG(kInfo, "database writable again; %llu ping samples dropped since start",
               static_cast<unsigned long long>(dropped_pings_.load()));
    }
    drop_logged_ = false;
    over_limit_logged_ = false;
    NotifyWriter();
  }

  void NotifyWriter() {
    // Taking the mutex orders the state change before the writer's wait.
    { std::lock_guard lock(wake_mutex_); }
    wake_.notify_one();
  }

  void WriterLoop() {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
      const bool healthy = healthy_.load();
      const auto interval = std::chrono::milliseconds(
          healthy ? settings_.flush_interval_ms : settings_.health_probe_interval_ms);
      wake_.wait_for(lock, interval, [&] {
        return stopping_ || healthy_.load() != healthy ||
               (healthy && eager_flush_requested_.load());
      });
      if (stopping_) break;
      if (healthy_.load() != healthy) continue;  // wait again on the other interval
      eager_flush_requested_ = false;
      lock.unlock();
      // Failures are recorded in Health() and retried on the next round.
      WriteQueued(queue_.size()).IgnoreError();
      lock.lock();
    }
  }

  const SqliteRegistrySettings settings_;

  std::mutex db_mutex_;  // guards connection_ and tables_
  std::unique_ptr<SqliteConnection> connection_;
  std::unique_ptr<DeviceTables> tables_;
  // Ping batches written per device since its last prune; guarded by db_mutex_.
  std::map<DeviceKey, int, DeviceKeyLess> pings_since_prune_;

  std::shared_mutex devices_mutex_;
  std::map<DeviceKey, DeviceRecord, DeviceKeyLess> devices_;

  WriteQueue queue_;
  std::atomic<uint64_t> dropped_pings_{0};
  std::atomic<uint64_t> failures_{0};
  // Size of the batch being written (taken from queue_); guarded by db_mutex_
  // for writes, read by Stats without it.
  std::atomic<size_t> in_flight_{0};
  std::atomic<bool> drop_logged_{false};
  std::atomic<bool> over_limit_logged_{false};

  std::mutex health_mutex_;
  absl::Status health_;               // guarded by health_mutex_
  std::atomic<bool> healthy_{true};   // health_.ok(), readable without the lock

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;             // guarded by wake_mutex_
  std::atomic<bool> eager_flush_requested_{false};
  std::thread writer_;
};

absl::StatusOr<std::unique_ptr<DeviceRegistry>> OpenSqliteDeviceRegistry(
    const SqliteRegistrySettings& settings) {
  if (settings.path.empty()) return absl::InvalidArgumentError("device store path is empty");
  if (settings.ping_retention_per_device < 1 || settings.history_retention_per_device < 1 ||
      settings.flush_interval_ms < 1 || settings.health_probe_interval_ms < 1 ||
      settings.busy_timeout_ms < 0 || settings.max_queued_writes < 1) {
    return absl::InvalidArgumentError(
        "device store settings: retention, intervals and queue limit must be positive");
  }
  absl::StatusOr<std::unique_ptr<SqliteConnection>> connection =
      SqliteConnection::Open(settings.path, settings.busy_timeout_ms);
  if (!connection.ok()) return connection.status();
  if (absl::Status configured = ConfigureConnection(**connection); !configured.ok()) {
    return configured;
  }
  if (absl::Status intact = CheckIntegrity(**connection); !intact.ok()) return intact;
  if (absl::Status migrated = MigrateSchema(**connection, NowMs()); !migrated.ok()) {
    return migrated;
  }
  absl::StatusOr<std::unique_ptr<DeviceTables>> tables = DeviceTables::Prepare(**connection);
  if (!tables.ok()) return tables.status();
  absl::StatusOr<std::vector<DeviceRecord>> devices = (*tables)->LoadDevices();
  if (!devices.ok()) return devices.status();
  return std::make_unique<SqliteDeviceRegistry>(settings, *std::move(connection),
                                                *std::move(tables), *std::move(devices));
}

}  // namespace botrelay::store
