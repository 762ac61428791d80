// Smoke test of relaybench against real servers (seconds, not a timing
// assertion): `relaybench echo` against the real relayd binary, whose store
// was pre-approved with `relaybench approve-db`, and against `relaybench
// reference-server`, must get every request answered exactly once. Also
// checks that an unapproved store makes the run fail, so the check can fail.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

extern char** environ;

namespace botrelay::bench {
namespace {

using ::botrelay::test::ProcessResult;
using ::botrelay::test::RunProcess;
using ::testing::HasSubstr;

constexpr char kKey[] = "smoke-test-secret-key";
constexpr char kSalt[] = "smoke-test-salt!";

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// The integer after "key": in relaybench's JSON line, or -1.
long long JsonInt(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + key.size() + 3));
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "relaybench-smoke-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A server process that runs for the test's lifetime; stopped with SIGTERM.
class ServerProcess {
 public:
  ServerProcess(const std::string& program, std::vector<std::string> args, std::string ready_file)
      : ready_file_(std::move(ready_file)) {
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~ServerProcess() {
    if (pid_ > 0 && !stopped_) Stop();
  }

  bool WaitReady() const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(ready_file_)) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // SIGTERM, then the exit code (-1 if it had to be killed).
  int Stop() {
    stopped_ = true;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    return -1;
  }

 private:
  std::string ready_file_;
  pid_t pid_ = -1;
  bool stopped_ = false;
};

// 4 bots x 2 devices approved in dir/store.db, before relayd starts on it.
void ApproveSmokeDevices(const TempDir& dir) {
  const ProcessResult approve =
      RunProcess(RELAYBENCH_PATH, {"approve-db", "--db", dir / "store.db", "--bots", "4",
                                   "--devices-per-bot", "2"});
  ASSERT_EQ(approve.exit_code, 0) << Describe(approve);
}

ServerProcess StartRelayd(const TempDir& dir, std::vector<std::string> extra_flags = {}) {
  std::vector<std::string> flags = {"--listen=127.0.0.1:0", "--admin-listen=127.0.0.1:0",
                        "--metrics-listen=127.0.0.1:0", "--ready-file=" + dir / "relayd.json",
                        "--store-path=" + dir / "store.db", std::string("--auth-secret-key=") + kKey,
                        std::string("--auth-salt=") + kSalt, "--log-level=warn",
                        // A simulated phone sends far more than a real one.
                        "--connection-rate-limit=0", "--bot-rate-limit=0",
                        // Pings every half second, so the run also answers some.
                        "--ping-interval=0.5"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  return ServerProcess(RELAYD_PATH, flags, dir / "relayd.json");
}

ProcessResult RunEcho(const std::string& ready_file, double duration_s) {
  return RunProcess(RELAYBENCH_PATH,
                    {"echo", "--ready-file", ready_file, "--connections", "8", "--inflight", "4",
                     "--duration", std::to_string(duration_s), "--bots", "4", "--devices-per-bot", "2",
                     "--secret-key", kKey, "--salt", kSalt, "--json"},
                    {}, std::chrono::seconds(30));
}

void ExpectEveryRequestAnswered(const ProcessResult& run) {
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  EXPECT_THAT(run.out, HasSubstr("\"ok\":true")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"errors\":{}")) << run.out;
  EXPECT_EQ(JsonInt(run.out, "handshakes"), 8) << run.out;
  EXPECT_GT(JsonInt(run.out, "requests_sent"), 0) << run.out;
  EXPECT_EQ(JsonInt(run.out, "replies"), JsonInt(run.out, "requests_sent")) << run.out;
}

TEST(RelaybenchSmokeTest, EchoAgainstRelaydAnswersEveryRequest) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(ApproveSmokeDevices(dir));

  ServerProcess relayd = StartRelayd(dir);
  ASSERT_TRUE(relayd.WaitReady());
  const ProcessResult run = RunEcho(dir / "relayd.json", 2);
  ExpectEveryRequestAnswered(run);
  EXPECT_GT(JsonInt(run.out, "pings_answered"), 0) << run.out;
  EXPECT_GT(JsonInt(run.out, "server_rss_end_kib"), 0) << run.out;
  EXPECT_EQ(relayd.Stop(), 0);
}

TEST(RelaybenchSmokeTest, EchoAgainstReferenceServerAnswersEveryRequest) {
  TempDir dir;
  ServerProcess reference(RELAYBENCH_PATH,
                          {"reference-server", "--listen", "127.0.0.1:0", "--ready-file",
                           dir / "ref.json", "--threads", "1", "--max-lifetime", "60"},
                          dir / "ref.json");
  ASSERT_TRUE(reference.WaitReady());
  ExpectEveryRequestAnswered(RunEcho(dir / "ref.json", 2));
  EXPECT_EQ(reference.Stop(), 0);
}

// The ping-load comparison: the reference server pings at relayd's interval,
// so both sides of an idle run must have answered pings.
TEST(RelaybenchSmokeTest, IdleComparisonPingsFromBothServers) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(ApproveSmokeDevices(dir));
  ServerProcess relayd = StartRelayd(dir);  // pings every 0.5 s
  ASSERT_TRUE(relayd.WaitReady());
  const ProcessResult run = RunProcess(
      RELAYBENCH_PATH,
      {"idle", "--ready-file", dir / "relayd.json", "--connections", "8", "--duration", "3", "--bots",
       "4", "--devices-per-bot", "2", "--secret-key", kKey, "--salt", kSalt, "--json",
       "--compare-reference", "--ping-interval", "0.5"},
      {}, std::chrono::seconds(60));
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  const size_t target_at = run.out.find("\"target\":{");
  ASSERT_NE(target_at, std::string::npos) << run.out;
  const std::string reference_part = run.out.substr(0, target_at);
  const std::string target_part = run.out.substr(target_at);
  // 3 s at 0.5 s: about 6 pings per connection; at least 3 each.
  EXPECT_GE(JsonInt(reference_part, "pings_answered"), 8 * 3) << run.out;
  EXPECT_GE(JsonInt(target_part, "pings_answered"), 8 * 3) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"cpu_per_unit_ratio\":")) << run.out;
  EXPECT_EQ(relayd.Stop(), 0);
}

TEST(RelaybenchSmokeTest, SlowlorisReportsTheStalledSocketsRelaydClosed) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(ApproveSmokeDevices(dir));
  ServerProcess relayd = StartRelayd(dir, {"--handshake-timeout=1"});
  ASSERT_TRUE(relayd.WaitReady());
  const ProcessResult run = RunProcess(
      RELAYBENCH_PATH,
      {"slowloris", "--ready-file", dir / "relayd.json", "--connections", "8", "--rate", "200",
       "--duration", "2", "--stalled", "30", "--bots", "4", "--devices-per-bot", "2",
       "--secret-key", kKey, "--salt", kSalt, "--json"},
      {}, std::chrono::seconds(30));
  ExpectEveryRequestAnswered(run);
  EXPECT_THAT(run.out, HasSubstr("\"stalled\":{\"opened\":30,\"connect_failures\":0,"
                                 "\"closed_by_server\":30,\"timeout_errors\":30"))
      << run.out;
  EXPECT_EQ(relayd.Stop(), 0);
}

TEST(RelaybenchSmokeTest, UnapprovedDevicesFailTheRun) {
  TempDir dir;  // no approve-db: relayd registers the bench devices as pending
  ServerProcess relayd = StartRelayd(dir);
  ASSERT_TRUE(relayd.WaitReady());
  const ProcessResult run = RunEcho(dir / "relayd.json", 0.5);
  EXPECT_EQ(run.exit_code, 1) << Describe(run);
  EXPECT_THAT(run.out, HasSubstr("\"handshake_not_approved\":8")) << run.out;
  EXPECT_EQ(relayd.Stop(), 0);
}

}  // namespace
}  // namespace botrelay::bench
