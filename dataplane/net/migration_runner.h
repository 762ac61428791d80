#pragma once
// Moves selected connections to another relay at a steady pace: each gets a
// serverMigration event, its in-flight replies are flushed, and it is closed
// migrate_after seconds later (see Session::BeginMigration).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/data_plane.h"

namespace botrelay::net {

class RelayServer;

class MigrationRunner {
 public:
  explicit MigrationRunner(RelayServer& server);
  ~MigrationRunner();

  absl::StatusOr<dataplane::MigrationProgress> Start(const dataplane::MigrationRequest& request);
  absl::StatusOr<dataplane::MigrationProgress> Get(const std::string& id);

 private:
  struct Migration {
    dataplane::MigrationRequest request;
    dataplane::MigrationProgress progress;
    std::vector<std::pair<uint64_t, std::string>> pending;  // connection id, bot name
    std::vector<std::pair<uint64_t, std::string>> notified;
  };
  void Run(std::shared_ptr<Migration> migration);
  void UpdateClosed(Migration& migration);

  RelayServer& server_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Migration>> migrations_;
  std::string latest_id_;
  std::vector<std::thread> threads_;
  uint64_t next_id_ = 1;
};

}  // namespace botrelay::net
