// Admission control against the real relayd: per-address connection rate and
// cap, bans (automatic and through the admin API), the allowlist, and
// flapping devices. Loopback has a whole /8, so each test speaks from its own
// 127.0.0.x source addresses to look like different phones.
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class AdmissionTest : public RelaydTest {
 protected:
  std::shared_ptr<TestBot> BotFrom(const std::string& local_ip, const std::string& device_id,
                                   const std::string& bot_name = "admission.bot") {
    TestBotConfig config = BotConfig(Generation::kV33, bot_name, device_id);
    config.local_ip = local_ip;
    return NewBot(config);
  }

  // A metric as the Stats RPC reports it (0 if the series does not exist).
  double Metric(const std::string& name, const std::string& label = "",
                const std::string& value = "") {
    auto context = admin().NewContext();
    adminpb::GetStatsResponse stats;
    grpc::Status status = admin().stub().GetStats(context.get(), adminpb::GetStatsRequest(), &stats);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& sample : stats.samples()) {
      if (sample.name() != name) continue;
      if (!label.empty()) {
        auto it = sample.labels().find(label);
        if (it == sample.labels().end() || it->second != value) continue;
      }
      return sample.value();
    }
    return 0;
  }

  absl::StatusOr<adminpb::ListBansResponse> ListBans() {
    auto context = admin().NewContext();
    adminpb::ListBansResponse response;
    grpc::Status status = admin().stub().ListBans(context.get(), adminpb::ListBansRequest(), &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  // Connects from `local_ip` and expects an error frame with `code` at once,
  // before any handshake, then the close.
  void ExpectRefusedAtAccept(const std::string& local_ip, const std::string& code,
                             std::optional<ServerFrame>* frame_out = nullptr) {
    auto bot = BotFrom(local_ip, "refused");
    ASSERT_OK(bot->Connect());
    auto error = bot->WaitForError(code, 2000ms);
    ASSERT_OK(error);
    ASSERT_OK(bot->WaitForClose(1000ms));
    if (frame_out != nullptr) *frame_out = *error;
  }
};

TEST_F(AdmissionTest, ABurstFromOneAddressIsRefusedAfterTheBucketEmpties) {
  ASSERT_NO_FATAL_FAILURE(
      StartRelayd({"--connect-rate-burst=4", "--connect-rate-per-second=0.2"}));
  std::vector<std::shared_ptr<TestBot>> admitted;
  for (int i = 0; i < 4; ++i) {
    auto bot = BotFrom("127.0.0.2", "burst-" + std::to_string(i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    admitted.push_back(bot);
  }
  std::optional<ServerFrame> refusal;
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.2", "connection_rate_limited", &refusal));
  // The hint: one token comes back every 1 / 0.2 s.
  EXPECT_EQ(refusal->Int("reconnect_after"), 5) << refusal->line();
  // Another address has its own bucket; the admitted connections carry on.
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.3", "other")));
  ASSERT_OK(admitted[0]->ExpectSilence(100ms));
  EXPECT_EQ(Metric("botrelay_connections_rejected_total", "reason", "rate_limited"), 1);
  EXPECT_EQ(Metric("botrelay_errors_sent_total", "code", "connection_rate_limited"), 1);
}

TEST_F(AdmissionTest, RefusalWarningsOfAFloodAreThrottledAndAddUpToTheRefusals) {
  constexpr int kRefused = 20;
  ASSERT_NO_FATAL_FAILURE(
      StartRelayd({"--connect-rate-burst=1", "--connect-rate-per-second=0.01"}));
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.12", "flood-admitted")));
  for (int i = 0; i < kRefused; ++i) {
    ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.12", "connection_rate_limited"));
  }

  // "peer=… refused: … (K more refusals since the last such line)" for the
  // first of a second, then "N more connections refused at accept …" from
  // the acceptor shard's tick once the flood has stopped.
  const std::regex first_of_period(R"(refused: .* \((\d+) more refusals since the last such line\))");
  const std::regex held_back(R"((\d+) more connections refused at accept)");
  int lines = 0, reported = 0;
  const auto deadline = testbot::Clock::now() + 5s;
  while (true) {
    lines = reported = 0;
    for (absl::string_view line : absl::StrSplit(relayd().Log(), '\n')) {
      const std::string text(line);
      std::smatch match;
      if (std::regex_search(text, match, first_of_period)) {
        reported += 1 + std::stoi(match[1]);
      } else if (std::regex_search(text, match, held_back)) {
        reported += std::stoi(match[1]);
      } else {
        continue;
      }
      ++lines;
    }
    if (reported >= kRefused || testbot::Clock::now() > deadline) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(reported, kRefused) << relayd().Log();
  EXPECT_LE(lines, 5) << relayd().Log();
  EXPECT_EQ(Metric("botrelay_connections_rejected_total", "reason", "rate_limited"), kRefused);
}

TEST_F(AdmissionTest, OpenConnectionsPerAddressAreCapped) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--max-connections-per-address=2"}));
  auto first = BotFrom("127.0.0.4", "cap-1");
  auto second = BotFrom("127.0.0.4", "cap-2");
  ASSERT_OK(ConnectAndHandshake(*first));
  ASSERT_OK(ConnectAndHandshake(*second));
  std::optional<ServerFrame> refusal;
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.4", "too_many_connections", &refusal));
  EXPECT_TRUE(refusal->Int("reconnect_after").has_value()) << refusal->line();
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.5", "cap-elsewhere")));
  EXPECT_EQ(Metric("botrelay_connections_rejected_total", "reason", "too_many_connections"), 1);

  // A closed connection frees its slot (noticed asynchronously).
  first->Close();
  bool admitted = false;
  for (int attempt = 0; attempt < 20 && !admitted; ++attempt) {
    auto next = BotFrom("127.0.0.4", "cap-3");
    ASSERT_OK(next->Connect());
    ASSERT_OK(next->SendHandshake());
    auto frame = next->ReadFrame(2000ms);
    ASSERT_OK(frame);
    admitted = frame->event() == "handshakeComplete";
    if (!admitted) {
      ASSERT_EQ(frame->error_code(), "too_many_connections") << frame->line();
      std::this_thread::sleep_for(50ms);
    }
  }
  EXPECT_TRUE(admitted) << "the cap did not free a slot after a close";
}

TEST_F(AdmissionTest, RepeatedBadHandshakesBanTheAddressUntilTheBanIsLifted) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ban-failure-limit=3", "--ban-duration=600"}));
  for (int i = 0; i < 3; ++i) {
    auto bot = BotFrom("127.0.0.6", "garbage");
    ASSERT_OK(bot->Connect());
    ASSERT_OK(bot->SendRaw("GET / HTTP/1.1\n"));
    ASSERT_OK(bot->WaitForError("handshake_invalid", 2000ms));
    ASSERT_OK(bot->WaitForClose(3000ms));
  }
  // Banned: closed at accept with the static frame, even with a good handshake.
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.6", "banned"));
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.6", "banned"));
  // Others are not affected.
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.7", "innocent")));

  auto bans = ListBans();
  ASSERT_OK(bans);
  ASSERT_EQ(bans->bans_size(), 1);
  const adminpb::Ban& ban = bans->bans(0);
  EXPECT_EQ(ban.address(), "127.0.0.6");
  EXPECT_EQ(ban.origin(), adminpb::BAN_ORIGIN_AUTOMATIC);
  EXPECT_EQ(ban.connections_refused(), 2u);
  EXPECT_NEAR(ban.expires_at_unix_ms() - ban.banned_at_unix_ms(), 600'000, 5);
  EXPECT_EQ(Metric("botrelay_bans_active"), 1);
  EXPECT_EQ(Metric("botrelay_bans_issued_total", "origin", "automatic"), 1);
  EXPECT_EQ(Metric("botrelay_connections_rejected_total", "reason", "banned"), 2);
  // One log line for the ban, none per refused attempt.
  const std::string log = relayd().Log();
  size_t lines = 0;
  for (size_t at = log.find("banned for"); at != std::string::npos;
       at = log.find("banned for", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << log;

  auto context = admin().NewContext();
  adminpb::LiftBanRequest lift;
  lift.set_address("127.0.0.6");
  adminpb::LiftBanResponse lifted;
  ASSERT_OK(FromGrpc(admin().stub().LiftBan(context.get(), lift, &lifted)));
  EXPECT_EQ(lifted.ban().address(), "127.0.0.6");
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.6", "reformed")));
  EXPECT_EQ(Metric("botrelay_bans_active"), 0);
  auto again = admin().NewContext();
  EXPECT_EQ(admin().stub().LiftBan(again.get(), lift, &lifted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AdmissionTest, RepeatedAuthFailureClosesBanTheAddress) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ban-failure-limit=2", "--auth-failure-limit=1"}));
  for (int i = 0; i < 2; ++i) {
    auto bot = BotFrom("127.0.0.8", "forger");
    ASSERT_OK(ConnectAndHandshake(*bot));
    if (i == 0) ASSERT_OK(ApproveDevice("admission.bot", "forger"));
    ChatMessage forged;
    forged.text = "# echo hi";
    forged.auth.mode = testbot::AuthOptions::Mode::kCorruptSignature;
    ASSERT_OK(bot->SendChat(forged));
    ASSERT_OK(bot->WaitForError("auth_failed", 2000ms));
    ASSERT_OK(bot->WaitForClose(3000ms));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.8", "banned"));
}

TEST_F(AdmissionTest, AllowlistedAddressesAreExempt) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--admission-allowlist=127.0.0.9/32,10.0.0.0/8",
                                       "--connect-rate-burst=2", "--connect-rate-per-second=0.1",
                                       "--max-connections-per-address=2"}));
  std::vector<std::shared_ptr<TestBot>> bots;
  for (int i = 0; i < 5; ++i) {
    auto bot = BotFrom("127.0.0.9", "allowed-" + std::to_string(i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    bots.push_back(bot);
  }
  auto context = admin().NewContext();
  adminpb::AddBanRequest request;
  request.set_address("127.0.0.9");
  request.set_duration_seconds(60);
  adminpb::AddBanResponse response;
  EXPECT_EQ(admin().stub().AddBan(context.get(), request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // A neighbour outside the allowlist is limited as usual.
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.10", "limited-1")));
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.10", "limited-2")));
  ASSERT_NO_FATAL_FAILURE(ExpectRefusedAtAccept("127.0.0.10", "too_many_connections"));
}

TEST_F(AdmissionTest, AFlappingDeviceCoolsDownThenComesBack) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd(
      {"--flap-handshake-limit=3", "--flap-window=30", "--flap-cooldown=1.5"}));
  for (int i = 0; i < 3; ++i) {
    auto bot = BotFrom("127.0.0.11", "flappy");
    ASSERT_OK(ConnectAndHandshake(*bot));
    bot->Close();
  }
  for (int i = 0; i < 3; ++i) {
    auto bot = BotFrom("127.0.0.11", "flappy");
    ASSERT_OK(bot->Connect());
    ASSERT_OK(bot->SendHandshake());
    auto error = bot->WaitForError("device_flapping", 2000ms);
    ASSERT_OK(error);
    const auto hint = error->Int("reconnect_after");
    ASSERT_TRUE(hint.has_value()) << error->line();
    EXPECT_GE(*hint, 1);
    EXPECT_LE(*hint, 2);
    ASSERT_OK(bot->WaitForClose(3000ms));
  }
  // Another device of the same bot is not affected.
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.11", "steady")));
  EXPECT_EQ(Metric("botrelay_handshakes_total", "result", "flapping"), 3);
  EXPECT_EQ(Metric("botrelay_device_cooldowns_total"), 1);
  // Logged once per cool-down, not per attempt.
  const std::string log = relayd().Log();
  const size_t first = log.find("reconnects too often");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("reconnects too often", first + 1), std::string::npos) << log;
  // Flapping is about devices, not addresses: no ban.
  auto bans = ListBans();
  ASSERT_OK(bans);
  EXPECT_EQ(bans->bans_size(), 0);

  std::this_thread::sleep_for(1600ms);
  ASSERT_OK(ConnectAndHandshake(*BotFrom("127.0.0.11", "flappy")));
}

}  // namespace
}  // namespace botrelay::integration
