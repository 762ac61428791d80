#include "dataplane/net/migration_runner.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_format.h"
#include "dataplane/log/logger.h"
#include "dataplane/net/relay_server.h"
#include "dataplane/net/unix_clock.h"

namespace botrelay::net {

namespace {

bool Selected(const dataplane::MigrationSelector& selector, const dataplane::ConnectionInfo& c) {
  if (selector.all || selector.fraction > 0) return true;
  if (!selector.bot_name.empty()) return c.bot_name == selector.bot_name;
  for (const auto& key : selector.devices) {
    if (key.bot_name == c.bot_name && key.device_id == c.device_id) return true;
  }
  return false;
}

}  // namespace

MigrationRunner::MigrationRunner(RelayServer& server) : server_(server) {}

MigrationRunner::~MigrationRunner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

absl::StatusOr<dataplane::MigrationProgress> MigrationRunner::Start(
    const dataplane::MigrationRequest& request) {
  if (request.target_host.empty() || request.target_port == 0) {
    return absl::InvalidArgumentError("migration needs a target host and port");
  }
  const auto& sel = request.selector;
  if (!sel.all && sel.bot_name.empty() && sel.devices.empty() && sel.fraction <= 0) {
    return absl::InvalidArgumentError("select connections: all, a bot, devices or a fraction");
  }
  if (sel.fraction > 1) return absl::InvalidArgumentError("fraction must be in (0, 1]");
  if (request.connections_per_second <= 0) {
    return absl::InvalidArgumentError("connections_per_second must be positive");
  }
  if (server_.draining()) return absl::FailedPreconditionError("relayd is draining");

  auto migration = std::make_shared<Migration>();
  migration->request = request;
  for (const auto& c : server_.ListConnections({})) {
    if (c.state == dataplane::ConnectionState::kClosing) continue;
    if (Selected(sel, c)) migration->pending.emplace_back(c.id, c.bot_name);
  }
  if (sel.fraction > 0 && !sel.all) {
    std::shuffle(migration->pending.begin(), migration->pending.end(),
                 std::mt19937_64(std::random_device{}()));
    size_t keep = static_cast<size_t>(std::ceil(sel.fraction * migration->pending.size()));
    migration->pending.resize(std::min(keep, migration->pending.size()));
  }
  std::lock_guard lock(mu_);
  auto& p = migration->progress;
  p.id = absl::StrFormat("m%d", next_id_++);
  p.target = absl::StrFormat("%s:%d", request.target_host, request.target_port);
  p.selected = static_cast<uint32_t>(migration->pending.size());
  p.remaining = p.selected;
  p.started_at_ms = NowUnixMs();
  p.done = p.selected == 0;
  server_.relay_metrics().migration_selected.Inc(p.selected);
  migrations_[p.id] = migration;
  latest_id_ = p.id;
  RELAY_LOG(kInfo, "migration %s: %d connections to %s at %.1f/s", p.id, p.selected, p.target,
            request.connections_per_second);
  threads_.emplace_back([this, migration] { Run(migration); });
  return p;
}

void MigrationRunner::Run(std::shared_ptr<Migration> migration) {
  const auto& request = migration->request;
  const auto gap = std::chrono::duration<double>(1.0 / request.connections_per_second);
  auto next = std::chrono::steady_clock::now();
  size_t index = 0;
  while (true) {
    std::pair<uint64_t, std::string> target;
    {
      std::unique_lock lock(mu_);
      if (stop_cv_.wait_until(lock, next, [this] { return stopping_; })) return;
      if (index >= migration->pending.size()) break;
      target = migration->pending[index++];
    }
    Shard& shard = server_.ShardFor(target.second);
    bool notified = server_.RunOn(shard, [&]() {
      Session* session = shard.FindById(target.first);
      // Gone, closing, or already moved by an earlier migration: skip it.
      if (session == nullptr || session->state() == ConnState::kClosing || session->migrated()) {
        return false;
      }
      session->BeginMigration(request.target_host, request.target_port,
                              request.migrate_after_seconds);
      return true;
    });
    {
      std::lock_guard lock(mu_);
      if (notified) {
        ++migration->progress.notified;
        migration->notified.push_back(target);
      } else {
        ++migration->progress.closed;  // nothing left to move
        if (migration->progress.remaining > 0) --migration->progress.remaining;
      }
    }
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(gap);
  }
  // Wait for the notified connections to leave.
  while (true) {
    UpdateClosed(*migration);
    std::unique_lock lock(mu_);
    if (migration->progress.remaining == 0) {
      migration->progress.done = true;
      RELAY_LOG(kInfo, "migration %s done: %d notified, %d closed", migration->progress.id,
                migration->progress.notified, migration->progress.closed);
      return;
    }
    if (stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; })) {
      return;
    }
  }
}

void MigrationRunner::UpdateClosed(Migration& migration) {
  std::vector<std::pair<uint64_t, std::string>> notified;
  {
    std::lock_guard lock(mu_);
    notified = migration.notified;
  }
  std::vector<std::pair<uint64_t, std::string>> still_open;
  for (const auto& entry : notified) {
    Shard& shard = server_.ShardFor(entry.second);
    bool open = server_.RunOn(shard, [&] { return shard.FindById(entry.first) != nullptr; });
    if (open) still_open.push_back(entry);
  }
  std::lock_guard lock(mu_);
  uint32_t newly_closed = static_cast<uint32_t>(migration.notified.size() - still_open.size());
  migration.progress.closed += newly_closed;
  migration.progress.remaining -= std::min(migration.progress.remaining, newly_closed);
  migration.notified = std::move(still_open);
}

absl::StatusOr<dataplane::MigrationProgress> MigrationRunner::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  const std::string& key = id.empty() ? latest_id_ : id;
  auto it = migrations_.find(key);
  if (it == migrations_.end()) return absl::NotFoundError("no such migration");
  return it->second->progress;
}

}  // namespace botrelay::net
