// Store faults against the real relayd binary, each made real:
//   * locked: a second SQLite connection (this test process) holds the write
//     lock with BEGIN EXCLUSIVE, as another process would;
//   * disk full: relayd runs in a mount namespace of its own whose store
//     directory is a 1 MiB tmpfs, and the test fills it (ENOSPC, SQLITE_FULL);
//     freeing the space is the fix, as on a real disk;
//   * unwritable: relayd runs as an unprivileged user (setpriv, when the test
//     is root) and the store's file and directory lose their write bits;
//   * corrupt: garbage over pages of a real store, or a file that is not a
//     database at all, at start-up.
// What every outage must look like (docs/operations.md, Store failures):
// unknown devices are refused with error{store_unavailable}, approved devices
// keep being served (also when they reconnect), health is NOT_SERVING,
// botrelay_store_healthy is 0 and the log says why; it ends by itself.

#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/dataplane/store/store_test_support.h"
#include "tests/integration/http_get.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

using store::testing::RawDb;
using store::testing::ScratchDir;

constexpr uid_t kNobody = 65534;
constexpr long kTmpfsMagic = 0x01021994;  // statfs f_type of tmpfs
constexpr size_t kStoreTmpfsBytes = 1 << 20;

// Runs `command` with sh; its exit code (-1 if it did not exit).
int Shell(const std::string& command) {
  test::ProcessResult result = test::RunProcess("/bin/sh", {"-c", command});
  return result.exit_code;
}

class StoreFaultTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }

  absl::StatusOr<std::map<std::string, double>> Metrics() {
    absl::StatusOr<HttpResponse> response = HttpGet(relayd().metrics_address(), "/metrics");
    if (!response.ok()) return response.status();
    return ParsePrometheusText(response->body);
  }

  double Metric(const std::string& key) {
    absl::StatusOr<std::map<std::string, double>> metrics = Metrics();
    if (!metrics.ok() || !metrics->contains(key)) {
      ADD_FAILURE() << "no metric " << key << ": " << metrics.status();
      return -1;
    }
    return metrics->at(key);
  }

  // Until botrelay_store_healthy says `healthy` and health agrees.
  absl::Status WaitForStoreHealthy(bool healthy, testbot::Millis timeout = 10s) {
    const auto deadline = testbot::Clock::now() + timeout;
    while (true) {
      absl::StatusOr<std::map<std::string, double>> metrics = Metrics();
      if (metrics.ok() && metrics->at("botrelay_store_healthy") == (healthy ? 1 : 0) &&
          metrics->at("botrelay_serving") == (healthy ? 1 : 0)) {
        return absl::OkStatus();
      }
      if (testbot::Clock::now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "store did not turn ", healthy ? "healthy" : "unhealthy", " within ",
            timeout.count(), " ms"));
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  // gRPC health follows the store within its 250 ms poll; /healthz at once.
  void ExpectHealth(bool serving) {
    const std::string want = serving ? "SERVING\n" : "NOT_SERVING\n";
    ProcessResult health;
    for (int attempt = 0; attempt < 20; ++attempt) {
      health = relayctl().Run({"health", "--service", "botrelay.relay"});
      if (health.out == want) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(health.exit_code, serving ? 0 : 1) << Describe(health);
    EXPECT_EQ(health.out, serving ? "SERVING\n" : "NOT_SERVING\n");
    absl::StatusOr<HttpResponse> healthz = HttpGet(relayd().metrics_address(), "/healthz");
    ASSERT_OK(healthz);
    EXPECT_EQ(healthz->status, serving ? 200 : 503);
  }

  // A handshake of an unknown device makes relayd write (its registration);
  // repeated until a write has failed. Returns the devices registered.
  std::vector<std::string> TriggerWritesUntilUnhealthy() {
    std::vector<std::string> registered;
    for (int i = 0; i < 5; ++i) {
      const std::string device = absl::StrCat("trigger-", i);
      auto bot = NewBot(Generation::kV33, "store.bot", device);
      absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*bot);
      if (hello.ok()) registered.push_back(device);
      if (WaitForStoreHealthy(false, 5s).ok()) return registered;
    }
    ADD_FAILURE() << "relayd's store never failed";
    return registered;
  }

  // Everything an outage must look like. `approved` is connected and
  // approved; `cause` is sqlite's message, as the log must show it.
  void ExpectOutage(std::shared_ptr<TestBot>& approved, const std::vector<std::string>& queued,
                    const std::string& cause) {
    ExpectHealth(false);
    EXPECT_EQ(Metric("botrelay_store_failures_total"), 1);
    const std::string log = relayd().Log();
    EXPECT_TRUE(absl::StrContains(log, "database failing")) << log;
    EXPECT_TRUE(absl::StrContains(log, cause)) << "no '" << cause << "' in the log";

    // An unknown device fails closed, with the reason on the wire.
    auto newcomer = NewBot(Generation::kV33, "store.bot", "newcomer");
    ASSERT_OK(newcomer->Connect());
    ASSERT_OK(newcomer->SendHandshake());
    auto refused = newcomer->WaitForError("store_unavailable", 5000ms);
    ASSERT_OK(refused);
    EXPECT_OK(newcomer->WaitForClose(3000ms));
    EXPECT_GE(Metric("botrelay_handshakes_total{result=\"store_unavailable\"}"), 1);
    EXPECT_TRUE(absl::StrContains(relayd().Log(), "handshake refused, device store unavailable"));

    // The approved phone keeps being served, also after it reconnects.
    EXPECT_TRUE(EchoRoundTrip(*approved, "during-outage"));
    approved->Close();
    approved = NewBot(approved->config());
    absl::StatusOr<ServerFrame> again = ConnectAndHandshake(*approved);
    ASSERT_OK(again);
    EXPECT_EQ(again->Bool("approved"), true) << again->line();
    EXPECT_TRUE(EchoRoundTrip(*approved, "after-reconnect"));

    // A decision that cannot be made durable is not made.
    ASSERT_FALSE(queued.empty());
    ProcessResult approve = relayctl().Run({"devices", "approve", "store.bot", queued.front()});
    EXPECT_NE(approve.exit_code, 0) << Describe(approve);
    EXPECT_TRUE(absl::StrContains(approve.err, "UNAVAILABLE")) << Describe(approve);
  }

  // After the fault is gone: healthy, serving, and the registrations queued
  // during the outage reach the file at `store_path`.
  void ExpectRecovered(std::shared_ptr<TestBot>& approved,
                       const std::vector<std::string>& queued_devices,
                       const std::function<std::string(const std::string&)>& query) {
    ASSERT_OK(WaitForStoreHealthy(true));
    ExpectHealth(true);
    EXPECT_TRUE(absl::StrContains(relayd().Log(), "database writable again"));
    auto newcomer = NewBot(Generation::kV33, "store.bot", "newcomer");
    absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*newcomer);
    ASSERT_OK(hello);
    EXPECT_EQ(hello->Bool("approved"), false) << hello->line();
    ASSERT_OK(ApproveDevice("store.bot", "newcomer"));
    EXPECT_TRUE(EchoRoundTrip(*approved, "after-recovery"));

    EXPECT_EQ(query("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(query("SELECT status FROM devices WHERE device_id = 'newcomer'"), "approved");
    // Written by the batched writer within its interval.
    for (const std::string& device : queued_devices) {
      const std::string sql =
          absl::StrCat("SELECT status FROM devices WHERE device_id = '", device, "'");
      for (int attempt = 0; attempt < 20 && query(sql).empty(); ++attempt) {
        std::this_thread::sleep_for(100ms);
      }
      // Admitted before the fault was noticed, so written after it; its
      // approval failed during the outage.
      EXPECT_EQ(query(sql), "pending") << device;
    }
  }
};

TEST_F(StoreFaultTest, LockedByAnotherConnectionFailsClosedAndRecoversByItself) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto approved = ConnectApproved(Generation::kV33, "store.bot", "approved-phone");
  ASSERT_OK(approved);
  ExpectHealth(true);

  RawDb locker(relayd().store_path());
  locker.Exec("BEGIN EXCLUSIVE");
  const std::vector<std::string> queued = TriggerWritesUntilUnhealthy();
  ASSERT_NO_FATAL_FAILURE(ExpectOutage(*approved, queued, "database is locked"));
  EXPECT_GT(Metric("botrelay_store_queued_writes"), 0);

  locker.Exec("ROLLBACK");
  RawDb reader(relayd().store_path());
  ASSERT_NO_FATAL_FAILURE(ExpectRecovered(
      *approved, queued, [&](const std::string& sql) { return reader.Text(sql); }));
  EXPECT_EQ(Metric("botrelay_store_dropped_pings_total"), 0);
}

// Fills the tmpfs at `dir` (checked to be a small tmpfs first: this never
// fills a real disk) and returns the filler's path.
absl::StatusOr<std::string> FillTmpfs(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) return absl::InternalError(std::strerror(errno));
  const uint64_t total = static_cast<uint64_t>(fs.f_blocks) * fs.f_bsize;
  if (fs.f_type != kTmpfsMagic || total > 4 * kStoreTmpfsBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is not the small tmpfs relayd mounted (", total, " bytes)"));
  }
  const std::string filler = dir + "/filler";
  std::FILE* file = std::fopen(filler.c_str(), "wb");
  if (file == nullptr) return absl::InternalError(std::strerror(errno));
  const std::string chunk(4096, 'f');
  int saved_errno = 0;
  for (uint64_t written = 0; written <= total; written += chunk.size()) {
    if (std::fwrite(chunk.data(), 1, chunk.size(), file) != chunk.size() ||
        std::fflush(file) != 0) {
      saved_errno = errno;
      break;
    }
  }
  std::fclose(file);
  if (saved_errno != ENOSPC) {
    return absl::InternalError(absl::StrCat("filling ", dir, " did not end in ENOSPC: ",
                                            std::strerror(saved_errno)));
  }
  return filler;
}

TEST_F(StoreFaultTest, DiskFullFailsClosedAndRecoversWhenSpaceIsFreed) {
  ScratchDir dir;
  const std::string store_dir = dir.File("store");
  std::filesystem::create_directory(store_dir);
  // Can this machine give relayd a private tmpfs? (needs CAP_SYS_ADMIN)
  if (Shell("unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=64k tmpfs " +
            store_dir + "'") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs in a private mount namespace here (not root?)";
  }
  RelaydOptions options;
  options.dir = dir.File("");
  options.store_path = store_dir + "/relayd.sqlite3";
  options.command_prefix = {
      "/usr/bin/unshare", "--mount", "--propagation", "private", "sh", "-c",
      absl::StrCat("mount -t tmpfs -o size=", kStoreTmpfsBytes, " tmpfs \"$0\" && exec \"$@\""),
      store_dir};
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options));
  // The tmpfs exists only in relayd's namespace; its root shows it to us.
  const std::string seen_dir = absl::StrCat("/proc/", relayd().pid(), "/root", store_dir);
  ASSERT_TRUE(std::filesystem::exists(seen_dir + "/relayd.sqlite3"));
  ASSERT_FALSE(std::filesystem::exists(store_dir + "/relayd.sqlite3")) << "not on the tmpfs";

  auto approved = ConnectApproved(Generation::kV33, "store.bot", "approved-phone");
  ASSERT_OK(approved);
  absl::StatusOr<std::string> filler = FillTmpfs(seen_dir);
  ASSERT_OK(filler);
  const std::vector<std::string> queued = TriggerWritesUntilUnhealthy();
  ASSERT_NO_FATAL_FAILURE(ExpectOutage(*approved, queued, "database or disk is full"));

  std::filesystem::remove(*filler);
  // SQLite resolves /proc/PID/root (a symlink) to our own view of the path,
  // so the file is read from inside relayd's mount namespace.
  const std::string pid = std::to_string(relayd().pid());
  const std::string store_path = relayd().store_path();
  ASSERT_NO_FATAL_FAILURE(ExpectRecovered(*approved, queued, [&](const std::string& sql) {
    ProcessResult result = test::RunProcess(
        "/usr/bin/nsenter", {"--target", pid, "--mount", "sqlite3", store_path, sql});
    EXPECT_EQ(result.exit_code, 0) << Describe(result);
    return result.out.empty() ? result.out : result.out.substr(0, result.out.size() - 1);
  }));
}

class StorePermissionsTest : public StoreFaultTest {
 protected:
  void SetUp() override {
    store_dir_ = dir_.File("store");
    std::filesystem::create_directory(store_dir_);
    options_.dir = dir_.File("");
    options_.store_path = store_dir_ + "/relayd.sqlite3";
    if (::geteuid() == 0) {
      // Root ignores permission bits: relayd runs as nobody, who must be
      // able to write the ready file and (at first) the store directory.
      ASSERT_EQ(::chown(options_.dir.c_str(), kNobody, kNobody), 0) << std::strerror(errno);
      ASSERT_EQ(::chown(store_dir_.c_str(), kNobody, kNobody), 0) << std::strerror(errno);
      options_.command_prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    }
  }

  // relayd with the same options, expected to refuse to start.
  ProcessResult StartExpectingRefusal() {
    const std::vector<std::string>& argv = relayd().argv();
    return test::RunProcess(argv[0], std::vector<std::string>(argv.begin() + 1, argv.end()), {},
                            20s);
  }

  ScratchDir dir_;
  std::string store_dir_;
  RelaydOptions options_;
};

// SQLite keeps its descriptors open, so permissions taken away while relayd
// runs change nothing until the next start, which refuses with exit 1 and
// says why; with the permissions back, relayd starts on the same store.
TEST_F(StorePermissionsTest, UnwritableStoreIsRefusedAtStartNotWhileRunning) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options_));
  auto approved = ConnectApproved(Generation::kV33, "store.bot", "approved-phone");
  ASSERT_OK(approved);

  ASSERT_EQ(::chmod(options_.store_path.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(store_dir_.c_str(), 0555), 0);
  auto later = NewBot(Generation::kV33, "store.bot", "registered-later");
  ASSERT_OK(ConnectAndHandshake(*later));
  ASSERT_OK(ApproveDevice("store.bot", "registered-later"));
  std::this_thread::sleep_for(500ms);  // a few writer rounds
  EXPECT_EQ(Metric("botrelay_store_healthy"), 1);
  ExpectHealth(true);
  later->Close();
  (*approved)->Close();
  absl::StatusOr<int> stopped = relayd().Stop();
  ASSERT_OK(stopped);
  EXPECT_EQ(*stopped, 0);

  // Read-only file: sqlite would open it read-only and fail every write.
  ProcessResult refused = StartExpectingRefusal();
  EXPECT_EQ(refused.exit_code, 1) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "cannot open device store")) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "not writable")) << refused.err;

  // Writable file in a read-only directory: no -wal/-shm can be created.
  ASSERT_EQ(::chmod(options_.store_path.c_str(), 0644), 0);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(options_.store_path + suffix);
  }
  refused = StartExpectingRefusal();
  EXPECT_EQ(refused.exit_code, 1) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "cannot open device store")) << refused.err;

  ASSERT_EQ(::chmod(store_dir_.c_str(), 0755), 0);
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options_));
  auto back = NewBot(Generation::kV33, "store.bot", "registered-later");
  absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*back);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << "approval made while unwritable: " << hello->line();
  EXPECT_TRUE(EchoRoundTrip(*back, "permissions-back"));
}

// Overwrites pages of the file from page `first` (1-based) on.
void SmashPages(const std::string& path, int first, int count) {
  constexpr long kPageSize = 4096;
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(file, nullptr) << path;
  const std::string garbage(static_cast<size_t>(kPageSize * count), '\x5a');
  ASSERT_EQ(std::fseek(file, (first - 1) * kPageSize, SEEK_SET), 0);
  ASSERT_EQ(std::fwrite(garbage.data(), 1, garbage.size(), file), garbage.size());
  std::fclose(file);
}

TEST_F(StorePermissionsTest, CorruptStoreIsRefusedWithExitCode3AndCanBeRecovered) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options_));
  for (int i = 0; i < 40; ++i) {
    auto bot = NewBot(Generation::kV33, "store.bot", absl::StrCat("phone-", i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    bot->Close();
  }
  ASSERT_OK(ApproveDevice("store.bot", "phone-0"));
  absl::StatusOr<int> stopped = relayd().Stop();
  ASSERT_OK(stopped);
  ASSERT_EQ(*stopped, 0);
  ASSERT_FALSE(std::filesystem::exists(options_.store_path + "-wal")) << "not checkpointed";
  const std::string pristine = dir_.File("pristine.sqlite3");
  std::filesystem::copy_file(options_.store_path, pristine);

  ASSERT_NO_FATAL_FAILURE(SmashPages(options_.store_path, 3, 2));
  ProcessResult refused = StartExpectingRefusal();
  EXPECT_EQ(refused.exit_code, 3) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "is corrupt, not starting on it")) << refused.err;

  // The documented recovery (docs/operations.md): sqlite3's .recover into a
  // new file, which relayd then starts on.
  const std::string recovered = store_dir_ + "/recovered.sqlite3";
  ASSERT_EQ(Shell(absl::StrCat("sqlite3 ", options_.store_path, " .recover | sqlite3 ", recovered)),
            0);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(recovered.c_str(), kNobody, kNobody), 0);
  }
  std::filesystem::rename(recovered, options_.store_path);
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options_));
  EXPECT_EQ(RawDb(options_.store_path).Text("PRAGMA integrity_check"), "ok");
  ASSERT_OK(relayd().Stop());

  // A file that is not a database at all.
  {
    std::ofstream out(options_.store_path, std::ios::trunc);
    out << "2026-11-22T02:52:53.397Z INFO  this is a log file\n" << std::string(8192, '#');
  }
  refused = StartExpectingRefusal();
  EXPECT_EQ(refused.exit_code, 3) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "file is not a database")) << refused.err;

  // A pristine copy starts, with the approval in it.
  std::filesystem::copy_file(pristine, options_.store_path,
                             std::filesystem::copy_options::overwrite_existing);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(options_.store_path.c_str(), kNobody, kNobody), 0);
  }
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options_));
  auto phone = NewBot(Generation::kV33, "store.bot", "phone-0");
  absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*phone);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << hello->line();
}

}  // namespace
}  // namespace botrelay::integration
