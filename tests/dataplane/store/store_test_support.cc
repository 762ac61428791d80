#include "tests/dataplane/store/store_test_support.h"

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"

namespace botrelay::store::testing {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "botrelay-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

RawDb::RawDb(const std::string& path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << sqlite3_errmsg(db_);
}

RawDb::~RawDb() { sqlite3_close(db_); }

void RawDb::Exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << (error ? error : "?");
  }
  sqlite3_free(error);
}

namespace {

template <typename Read>
auto QueryOne(sqlite3* db, const std::string& sql, Read read) -> decltype(read(nullptr)) {
  sqlite3_stmt* statement = nullptr;
  decltype(read(nullptr)) value{};
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  } else if (sqlite3_step(statement) != SQLITE_ROW) {
    ADD_FAILURE() << sql << ": no row (" << sqlite3_errmsg(db) << ")";
  } else {
    value = read(statement);
  }
  sqlite3_finalize(statement);
  return value;
}

}  // namespace

int64_t RawDb::Int(const std::string& sql) {
  return QueryOne(db_, sql, [](sqlite3_stmt* s) { return s ? sqlite3_column_int64(s, 0) : 0; });
}

std::string RawDb::Text(const std::string& sql) {
  return QueryOne(db_, sql, [](sqlite3_stmt* s) -> std::string {
    const unsigned char* text = s ? sqlite3_column_text(s, 0) : nullptr;
    return text ? reinterpret_cast<const char*>(text) : "";
  });
}

SqliteRegistrySettings FastSettings(const std::string& path) {
  SqliteRegistrySettings settings;
  settings.path = path;
  settings.flush_interval_ms = 10;
  settings.busy_timeout_ms = 50;
  settings.health_probe_interval_ms = 20;
  return settings;
}

std::unique_ptr<DeviceRegistry> OpenOrDie(const SqliteRegistrySettings& settings) {
  absl::StatusOr<std::unique_ptr<DeviceRegistry>> registry = OpenSqliteDeviceRegistry(settings);
  if (!registry.ok()) {
    ADD_FAILURE() << "open " << settings.path << ": " << registry.status();
    return nullptr;
  }
  return *std::move(registry);
}

HandshakeFacts Facts(const std::string& bot, const std::string& device,
                     const std::string& version, int64_t now_ms, const std::string& peer_ip) {
  HandshakeFacts facts;
  facts.key = DeviceKey{bot, device};
  facts.client_type = "MessengerBotR";
  facts.client_version = version;
  facts.device_ip = "10.0.0.2";
  facts.peer_ip = peer_ip;
  facts.now_ms = now_ms;
  return facts;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace botrelay::store::testing
