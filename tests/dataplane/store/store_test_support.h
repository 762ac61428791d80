#pragma once
// Shared by the registry tests: a scratch directory, a second raw SQLite
// connection to inspect or lock the registry's file, and small builders.

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dataplane/store/device_record.h"
#include "dataplane/store/sqlite_device_registry.h"

namespace botrelay::store::testing {

// A fresh directory removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A separate connection to the same file, as another process would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path);
  ~RawDb();
  void Exec(const std::string& sql);
  int64_t Int(const std::string& sql);
  std::string Text(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

// Small intervals so the writer thread, failures and probes run quickly.
SqliteRegistrySettings FastSettings(const std::string& path);

std::unique_ptr<DeviceRegistry> OpenOrDie(const SqliteRegistrySettings& settings);

HandshakeFacts Facts(const std::string& bot, const std::string& device,
                     const std::string& version, int64_t now_ms,
                     const std::string& peer_ip = "198.51.100.7");

// Polls `condition` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace botrelay::store::testing
