// Migration of 20 phones between two relayd processes with relayctl
// migrate: every phone is told to move, keeps being served until
// migrate_after, is then closed by the source (barrier ping, then close),
// reconnects to the target and is served there; no message is lost; the
// progress is visible with relayctl migrate status.
//
// Each relayd has its own device registry (docs/operations.md §4). The
// devices are made known to the target before the move: every phone
// handshakes once with the target (a device exists only after its first
// handshake, so this registers it as pending) and is approved there through
// the target's admin API. That is the runbook's "approve the devices on the
// target as they appear", done ahead of time so that no message sent after
// the move is refused with device_not_approved.

#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

#ifdef BOTRELAY_RELAYD_BINARY
constexpr const char* kRelaydBinary = BOTRELAY_RELAYD_BINARY;
#else
#error "BOTRELAY_RELAYD_BINARY must name the relayd binary"
#endif

constexpr int kBots = 20;
constexpr int kBeforeNotice = 3;  // messages sent before the migration starts
constexpr int kOnTarget = 3;      // echoes on the target after the move
constexpr int kMigrateAfterSeconds = 1;
// At migrate_after the source starts closing: on its timer wheel (up to one
// tick, 100 ms, late) it sends a barrier ping and closes once the phone has
// answered it.
constexpr auto kSourceClosingBy = std::chrono::milliseconds(kMigrateAfterSeconds * 1000 + 400);
// Until then the connection must still be served.
constexpr auto kStillOpenAt = std::chrono::milliseconds(kMigrateAfterSeconds * 1000 - 100);

class MigrationTest : public RelaydTest {
 protected:
  void TearDown() override {
    RelaydTest::TearDown();
    if (!target_) return;
    target_admin_.reset();
    absl::StatusOr<int> exit_code = target_->Stop(10s);
    EXPECT_TRUE(exit_code.ok()) << "stopping the target relayd: " << exit_code.status();
    if (exit_code.ok()) {
      EXPECT_EQ(*exit_code, 0) << "the target relayd's exit code";
    }
    if (HasFailure()) {
      std::fprintf(stderr, "---- target relayd stderr ----\n%s\n---- end ----\n",
                   target_->LogTail().c_str());
    }
  }

  void StartTarget() {
    RelaydOptions options;  // same secret key and salt as the source
    options.flags = {"--auth-mode=enforce", "--ping-interval=3600"};
    auto started = RelaydProcess::Start(kRelaydBinary, options);
    ASSERT_TRUE(started.ok()) << started.status();
    target_ = std::move(*started);
    target_admin_ = std::make_unique<AdminClient>(target_->admin_address());
  }

  // Registers the device on the target with one handshake, then approves it
  // there.
  void KnowOnTarget(const TestBotConfig& source_config) {
    TestBotConfig config = source_config;
    config.port = target_->bot_port();
    config.follow_migration = false;
    auto visitor = NewBot(config);
    auto hello = ConnectAndHandshake(*visitor);
    ASSERT_OK(hello);
    EXPECT_EQ(hello->Bool("approved"), false) << hello->line();
    visitor->Close();
    ASSERT_OK(target_admin_->ApproveDevice(config.bot_name, config.device_id));
  }

  std::unique_ptr<RelaydProcess> target_;
  std::unique_ptr<AdminClient> target_admin_;
};

std::string Echo(const std::string& word) { return "# echo " + word; }

// One phone's side of the migration; returns what went wrong, or "".
std::string FollowTheMigration(TestBot& bot, int index, uint16_t target_port) {
  const auto fail = [&](const std::string& why) { return absl::StrCat("bot ", index, ": ", why); };
  const auto overall = testbot::Clock::now() + 15s;
  std::set<std::string> expected;  // echo words still unanswered by the source
  for (int k = 0; k < kBeforeNotice; ++k) expected.insert(absl::StrCat("b", index, "-pre", k));
  auto take_reply = [&](const ServerFrame& frame) -> std::string {
    const std::string text = frame.text().value_or("");
    const std::string word(absl::StripPrefix(text, "에코: "));
    if (expected.erase(word) != 1) return fail("unexpected reply: " + frame.line());
    return "";
  };

  // Until the notice: the replies to the messages sent before it, pings.
  std::optional<testbot::Clock::time_point> notified;
  while (!notified) {
    auto frame = bot.ReadFrame(std::chrono::duration_cast<testbot::Millis>(overall - testbot::Clock::now()));
    if (!frame.ok()) return fail("waiting for serverMigration: " + frame.status().ToString());
    if (frame->event() == "serverMigration") {
      notified = frame->received_at();
      if (frame->String("new_host") != "127.0.0.1" || frame->Int("new_port") != target_port ||
          frame->Int("migrate_after") != kMigrateAfterSeconds) {
        return fail("serverMigration: " + frame->line());
      }
    } else if (frame->event() == "messageResponse") {
      if (std::string e = take_reply(*frame); !e.empty()) return e;
    } else if (frame->event() != "ping") {
      return fail("unexpected frame: " + frame->line());
    }
  }
  // Still served after the notice.
  const std::string during = absl::StrCat("b", index, "-during");
  expected.insert(during);
  if (absl::Status s = bot.SendText(Echo(during)); !s.ok()) return fail(s.ToString());
  while (testbot::Clock::now() < *notified + kStillOpenAt) {
    auto frame = bot.ReadFrame(std::chrono::duration_cast<testbot::Millis>(
        *notified + kStillOpenAt - testbot::Clock::now()));
    if (!frame.ok()) {
      if (absl::IsDeadlineExceeded(frame.status())) break;
      return fail("before migrate_after: " + frame.status().ToString());
    }
    if (frame->event() == "messageResponse") {
      if (std::string e = take_reply(*frame); !e.empty()) return e;
    } else if (frame->event() != "ping") {
      return fail("unexpected frame: " + frame->line());
    }
  }
  if (!expected.empty()) {
    return fail(absl::StrCat(expected.size(), " messages sent before the move unanswered, e.g. ",
                             *expected.begin()));
  }
  if (bot.migrations().size() != 1 || bot.migrations()[0].reconnected_at) {
    return fail("the source closed the connection before migrate_after");
  }

  // Not reading for a while, like a busy phone: when it looks again, the
  // source has started closing (its barrier ping is waiting; the bot answers
  // it), and the phone moves to the target.
  std::this_thread::sleep_until(*notified + kSourceClosingBy);
  bool barrier = false;
  while (!bot.migrations()[0].handshake) {
    auto frame = bot.ReadFrame(100ms);
    if (!frame.ok() && !absl::IsDeadlineExceeded(frame.status())) {
      return fail("moving: " + frame.status().ToString());
    }
    if (frame.ok()) {
      if (frame->event() != "ping") return fail("unexpected frame: " + frame->line());
      if (!bot.migrations()[0].reconnected_at) barrier = true;
    }
    if (testbot::Clock::now() > overall) return fail("no handshakeComplete from the target");
  }
  if (!barrier) return fail("the source had not started closing the connection by migrate_after");
  const testbot::MigrationRecord& move = bot.migrations()[0];
  if (!move.reconnect_status.ok()) return fail("reconnect: " + move.reconnect_status.ToString());
  if (move.handshake->Bool("approved") != true) {
    return fail("target handshake: " + move.handshake->line());
  }

  // Served by the target.
  for (int k = 0; k < kOnTarget; ++k) {
    const std::string word = absl::StrCat("b", index, "-target", k);
    if (absl::Status s = bot.SendText(Echo(word)); !s.ok()) return fail(s.ToString());
    auto reply = bot.WaitFor("messageResponse", 5000ms);
    if (!reply.ok()) return fail("echo on the target: " + reply.status().ToString());
    if (reply->text() != "에코: " + word) return fail("echo on the target: " + reply->line());
  }
  return "";
}

std::map<std::string, double> StatsOf(const adminpb::GetStatsResponse& stats) {
  std::map<std::string, double> values;
  for (const adminpb::MetricSample& s : stats.samples()) {
    if (s.labels().empty()) values[s.name()] = s.value();
  }
  return values;
}

TEST_F(MigrationTest, RelayctlMovesEveryPhoneToTheTargetWithoutLosingMessages) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ping-interval=3600"}));
  ASSERT_NO_FATAL_FAILURE(StartTarget());
  RelayctlRunner source_ctl(relayd().admin_address());
  RelayctlRunner target_ctl(target_->admin_address());

  std::vector<std::shared_ptr<TestBot>> bots;
  for (int i = 0; i < kBots; ++i) {
    TestBotConfig config = BotConfig(i % 2 ? Generation::kV32 : Generation::kV33,
                                     absl::StrCat("move.bot", i % 4), absl::StrCat("dev-", i));
    config.follow_migration = true;
    ASSERT_NO_FATAL_FAILURE(KnowOnTarget(config));
    auto bot = ConnectApproved(config);
    ASSERT_OK(bot);
    bots.push_back(*bot);
  }
  auto target_devices = target_ctl.Json<adminpb::ListDevicesResponse>(
      {"devices", "list", "--status", "approved"});
  ASSERT_OK(target_devices);
  ASSERT_EQ(target_devices->devices_size(), kBots);

  // Messages in flight when the migration starts.
  for (int i = 0; i < kBots; ++i) {
    for (int k = 0; k < kBeforeNotice; ++k) {
      ASSERT_OK(bots[i]->SendText(Echo(absl::StrCat("b", i, "-pre", k))));
    }
  }
  std::vector<std::string> failures(kBots);
  std::vector<std::thread> phones;
  for (int i = 0; i < kBots; ++i) {
    phones.emplace_back([&, i] { failures[i] = FollowTheMigration(*bots[i], i, target_->bot_port()); });
  }
  const std::string target = absl::StrCat("127.0.0.1:", target_->bot_port());
  ProcessResult watch;
  std::thread migrate([&] {
    watch = source_ctl.Run({"migrate", "--to", target, "--all", "--rate", "50", "--after",
                            std::to_string(kMigrateAfterSeconds), "--watch"});
  });
  // Progress while it runs: nobody can be closed before migrate_after.
  std::optional<adminpb::MigrationProgress> early;
  const auto status_deadline = testbot::Clock::now() + 5s;
  while (!early && testbot::Clock::now() < status_deadline) {
    ProcessResult status = source_ctl.Run({"migrate", "status", "-o", "json"});
    if (status.exit_code == 0) {
      auto progress = RelayctlRunner::ParseJson<adminpb::MigrationProgress>(status.out);
      ASSERT_OK(progress);
      early = *progress;
    } else {
      EXPECT_EQ(status.err, "relayctl: NOT_FOUND: no such migration\n") << Describe(status);
      std::this_thread::sleep_for(10ms);
    }
  }
  migrate.join();
  for (std::thread& t : phones) t.join();

  ASSERT_TRUE(early.has_value()) << "migrate status never showed the migration";
  EXPECT_EQ(early->migration_id(), "m1");
  EXPECT_EQ(early->target(), target);
  EXPECT_EQ(early->selected(), static_cast<uint32_t>(kBots));
  EXPECT_FALSE(early->done()) << early->ShortDebugString();
  EXPECT_GT(early->remaining(), 0u) << early->ShortDebugString();

  int failed = 0;
  for (const std::string& failure : failures) {
    if (!failure.empty() && ++failed <= 10) ADD_FAILURE() << failure;
  }
  EXPECT_EQ(failed, 0) << failed << " of " << kBots << " phones";

  // --watch printed the progress until done.
  ASSERT_TRUE(ExitedOk(watch));
  std::vector<std::string> lines = absl::StrSplit(watch.out, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  const std::string prefix = absl::StrCat("migration m1 to ", target, ": ", kBots, " selected, ");
  for (const std::string& line : lines) EXPECT_TRUE(absl::StartsWith(line, prefix)) << line;
  EXPECT_EQ(lines.back(), absl::StrCat(prefix, kBots, " notified, ", kBots,
                                       " closed, 0 remaining (done)"));

  auto done = source_ctl.Json<adminpb::MigrationProgress>({"migrate", "status", "m1"});
  ASSERT_OK(done);
  EXPECT_EQ(done->migration_id(), "m1");
  EXPECT_EQ(done->target(), target);
  EXPECT_EQ(done->selected(), static_cast<uint32_t>(kBots));
  EXPECT_EQ(done->notified(), static_cast<uint32_t>(kBots));
  EXPECT_EQ(done->closed(), static_cast<uint32_t>(kBots));
  EXPECT_EQ(done->remaining(), 0u);
  EXPECT_TRUE(done->done());
  EXPECT_GT(done->started_at_unix_ms(), 0);

  // The source closed every one of them itself, at migrate_after (its log
  // names the reason of every close).
  auto source_stats = source_ctl.Json<adminpb::GetStatsResponse>({"stats", "--filter", "migration"});
  ASSERT_OK(source_stats);
  std::map<std::string, double> migration = StatsOf(*source_stats);
  EXPECT_EQ(migration["botrelay_migration_selected_total"], kBots);
  EXPECT_EQ(migration["botrelay_migration_notified_total"], kBots);
  EXPECT_EQ(migration["botrelay_migration_closed_total"], kBots);
  const std::string log = relayd().Log();
  int migrated = 0;
  for (size_t at = log.find(" closed reason=migrated "); at != std::string::npos;
       at = log.find(" closed reason=migrated ", at + 1)) {
    ++migrated;
  }
  EXPECT_EQ(migrated, kBots) << "connections the source logged as closed reason=migrated";
  auto left = source_ctl.Json<adminpb::ListConnectionsResponse>({"connections", "list"});
  ASSERT_OK(left);
  EXPECT_EQ(left->connections_size(), 0) << left->ShortDebugString();
  // All of them are now on the target, approved.
  auto arrived = target_ctl.Json<adminpb::ListConnectionsResponse>(
      {"connections", "list", "--state", "approved"});
  ASSERT_OK(arrived);
  EXPECT_EQ(arrived->connections_size(), kBots) << arrived->ShortDebugString();
}

}  // namespace
}  // namespace botrelay::integration
