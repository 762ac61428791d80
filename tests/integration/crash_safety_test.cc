// kill -9 under load, then a restart on the same SQLite file.
//
// What must survive (docs/operations.md, Store failures):
//   * every approval whose admin RPC returned OK (SetStatus commits, with
//     fsync, before it answers), with its history entry;
//   * batched writes (registrations, ping samples) older than the flush
//     interval; the test allows 2 s for the 0.2 s interval on a busy machine.
//     Younger ones may be lost: that window is documented, not a bug;
//   * a consistent file: PRAGMA integrity_check is ok.
// Then the phones reconnect (as the scripts do after a lost connection) and
// are served per their stored status.

#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/dataplane/store/store_test_support.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

using store::testing::RawDb;
using store::testing::ScratchDir;

constexpr int kPhones = 8;
constexpr int kApprovedUpFront = 4;
constexpr auto kBatchWindow = 2s;  // flush interval 0.2 s, with room for a busy machine
constexpr auto kLoadBeforeKill = 2500ms;

class CrashSafetyTest : public RelaydTest {};

std::string Quoted(const std::string& text) { return absl::StrCat("'", text, "'"); }

TEST_F(CrashSafetyTest, KillNineUnderLoadKeepsAcknowledgedApprovalsAndHistory) {
  ScratchDir dir;
  RelaydOptions options;
  options.dir = dir.File("");
  options.flags = {"--ping-interval=0.2", "--ping-timeout=5"};
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options));

  std::vector<std::shared_ptr<TestBot>> phones;
  for (int i = 0; i < kPhones; ++i) {
    auto bot = NewBot(Generation::kV33, "crash.bot", absl::StrCat("phone-", i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    if (i < kApprovedUpFront) ASSERT_OK(ApproveDevice("crash.bot", bot->config().device_id));
    phones.push_back(bot);
  }

  // Load: every phone chats (and answers pings while it reads); new phones
  // keep registering; the admin approves each new phone as soon as it is
  // registered. Each thread notes what relayd acknowledged, and when.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::pair<std::string, testbot::Clock::time_point>> registered;  // guarded by mu
  std::vector<std::string> approvals_acknowledged;                            // guarded by mu
  std::vector<std::thread> threads;
  for (int i = 0; i < kPhones; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; !stop.load(); ++n) {
        if (!EchoRoundTrip(*phones[i], absl::StrCat("load-", i, "-", n), 1000ms) &&
            !phones[i]->connected()) {
          return;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      auto bot = NewBot(Generation::kV33, "crash.bot", absl::StrCat("late-", n));
      if (!ConnectAndHandshake(*bot).ok()) return;
      {
        std::lock_guard lock(mu);
        registered.emplace_back(bot->config().device_id, testbot::Clock::now());
      }
      bot->Close();
      std::this_thread::sleep_for(20ms);
    }
  });
  threads.emplace_back([&] {
    for (size_t next = 0; !stop.load();) {
      std::string device;
      {
        std::lock_guard lock(mu);
        if (next < registered.size()) device = registered[next].first;
      }
      if (device.empty()) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (!admin().ApproveDevice("crash.bot", device).ok()) return;  // relayd is gone
      std::lock_guard lock(mu);
      approvals_acknowledged.push_back(device);
      ++next;
    }
  });

  std::this_thread::sleep_for(kLoadBeforeKill);
  const auto killed_at = testbot::Clock::now();
  relayd().Signal(SIGKILL);
  absl::StatusOr<int> exit = relayd().Wait(5000ms);
  ASSERT_FALSE(exit.ok());
  EXPECT_TRUE(absl::StrContains(exit.status().message(), "signal 9")) << exit.status();
  stop = true;
  for (std::thread& thread : threads) thread.join();

  std::set<std::string> must_be_registered, must_have_pings;
  for (const auto& [device, at] : registered) {
    if (at < killed_at - kBatchWindow) must_be_registered.insert(device);
  }
  for (const auto& phone : phones) {
    for (const testbot::PingExchange& ping : phone->pings()) {
      if (ping.answered && ping.received_at < killed_at - kBatchWindow) {
        must_have_pings.insert(phone->config().device_id);
      }
    }
  }
  ASSERT_GE(approvals_acknowledged.size(), 5u) << "too little load before the kill";
  ASSERT_GE(must_have_pings.size(), static_cast<size_t>(kApprovedUpFront))
      << "too few pings before the kill";

  // Restart on the same file.
  ASSERT_NO_FATAL_FAILURE(StartRelayd(options));
  RawDb raw(relayd().store_path());
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
  auto status_of = [&](const std::string& device) {
    return raw.Text(absl::StrCat("SELECT COALESCE((SELECT status FROM devices WHERE device_id = ",
                                 Quoted(device), "), 'absent')"));
  };
  for (int i = 0; i < kPhones; ++i) {
    EXPECT_EQ(status_of(absl::StrCat("phone-", i)), i < kApprovedUpFront ? "approved" : "pending");
  }
  for (const std::string& device : approvals_acknowledged) {
    EXPECT_EQ(status_of(device), "approved") << device << ": approval acknowledged, then lost";
    EXPECT_EQ(raw.Int(absl::StrCat("SELECT COUNT(*) FROM device_history WHERE device_id = ",
                                   Quoted(device), " AND action = 'approve'")),
              1)
        << device;
  }
  for (const std::string& device : must_be_registered) {
    EXPECT_NE(status_of(device), "absent") << device << " registered long before the kill";
  }
  for (const std::string& device : must_have_pings) {
    EXPECT_GE(raw.Int(absl::StrCat("SELECT COUNT(*) FROM ping_history WHERE device_id = ",
                                   Quoted(device))),
              1)
        << device << " answered pings long before the kill";
  }

  // The phones come back and are served as their stored status says.
  for (int i = 0; i < kPhones; ++i) {
    TestBotConfig config = phones[i]->config();
    config.port = relayd().bot_port();
    auto again = NewBot(config);
    absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*again);
    ASSERT_OK(hello);
    EXPECT_EQ(hello->Bool("approved"), i < kApprovedUpFront) << hello->line();
    if (i < kApprovedUpFront) {
      EXPECT_TRUE(EchoRoundTrip(*again, absl::StrCat("back-", i)));
    }
  }
  auto late = NewBot(Generation::kV33, "crash.bot", approvals_acknowledged.back());
  absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*late);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << hello->line();
  EXPECT_TRUE(EchoRoundTrip(*late, "late-back"));
}

}  // namespace
}  // namespace botrelay::integration
