// The HMAC `auth` block, enforced: bad, missing or stale blocks are refused
// with auth_failed and not answered; an identical frame sent again is a
// replay; different messages signed in the same millisecond are all served;
// a replay cache too small for its window counts its early evictions.
#include <gmock/gmock.h>

#include <thread>

#include "tests/integration/metrics_scrape.h"
#include "tests/integration/relayd_test.h"
#include "tests/testbot/phone_clock.h"

namespace botrelay::integration {
namespace {

using ::testing::HasSubstr;
using testbot::AuthOptions;

class AuthTest : public RelaydTest, public ::testing::WithParamInterface<Generation> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartRelayd({"--auth-mode=enforce", "--auth-max-skew=300"}));
    auto bot = ConnectApproved(GetParam(), "auth.bot", "dev-auth");
    ASSERT_OK(bot);
    bot_ = *bot;
  }
  // Sends `text` with these auth options and expects auth_failed and no reply.
  void ExpectRefused(const std::string& what, const AuthOptions& auth) {
    SCOPED_TRACE(what);
    ChatMessage message;
    message.text = "# echo refused-" + what;
    message.auth = auth;
    ASSERT_OK(bot_->SendChat(message));
    ASSERT_OK(bot_->WaitForError("auth_failed", 3000ms));
    EXPECT_OK(bot_->ExpectSilence(300ms));
    EXPECT_TRUE(EchoRoundTrip(*bot_, "signed-after-" + what));
  }

  std::shared_ptr<TestBot> bot_;
};

TEST_P(AuthTest, MissingAuthIsRefused) {
  AuthOptions auth;
  auth.mode = AuthOptions::Mode::kOmitted;
  ExpectRefused("missing", auth);
}

TEST_P(AuthTest, WrongSignatureIsRefused) {
  AuthOptions auth;
  auth.mode = AuthOptions::Mode::kCorruptSignature;
  ExpectRefused("corrupt", auth);
}

TEST_P(AuthTest, StaleAndFutureTimestampsAreRefused) {
  AuthOptions stale;
  stale.timestamp_ms = testbot::NowUnixMillis() - 10 * 60 * 1000;
  ExpectRefused("stale", stale);
  AuthOptions future;
  future.timestamp_ms = testbot::NowUnixMillis() + 10 * 60 * 1000;
  ExpectRefused("future", future);
}

TEST_P(AuthTest, BlockSignedForAnotherBotIsRefused) {
  AuthOptions other;
  other.bot_name = "someone.else";  // correctly signed, but not this connection's bot
  ExpectRefused("other-bot", other);
}

TEST_P(AuthTest, IdenticalFrameSentAgainIsAReplay) {
  ChatMessage message;
  message.text = "# echo replay-once";
  auto line = bot_->PrepareChat(message);
  ASSERT_OK(line);
  ASSERT_OK(bot_->SendRaw(*line));
  auto texts = bot_->WaitForTexts(1, 3000ms);
  ASSERT_OK(texts);
  EXPECT_THAT((*texts)[0], HasSubstr("replay-once"));
  ASSERT_OK(bot_->SendRaw(*line));
  ASSERT_OK(bot_->WaitForError("replay", 3000ms));
  EXPECT_OK(bot_->ExpectSilence(300ms));
}

TEST_P(AuthTest, DifferentMessagesWithTheSameAuthBlockAreAllServed) {
  // The phone signs only identity and a millisecond timestamp: two chats in
  // the same millisecond carry the same block.
  const int64_t same_ms = testbot::NowUnixMillis();
  for (const char* word : {"same-ms-one", "same-ms-two", "same-ms-three"}) {
    ChatMessage message;
    message.text = std::string("# echo ") + word;
    message.auth.timestamp_ms = same_ms;
    ASSERT_OK(bot_->SendChat(message));
  }
  auto texts = bot_->WaitForTexts(3, 3000ms);
  ASSERT_OK(texts);
  EXPECT_THAT((*texts)[0], HasSubstr("same-ms-one"));
  EXPECT_THAT((*texts)[1], HasSubstr("same-ms-two"));
  EXPECT_THAT((*texts)[2], HasSubstr("same-ms-three"));
}

class ReplayCacheTest : public RelaydTest {};

// Five messages into a cache of two, all within the skew window: three
// entries leave before their window ends, and the metric says so (it is the
// only sign that replay protection got shorter under load).
TEST_F(ReplayCacheTest, EarlyEvictionsOfAFullCacheAreExported) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--replay-cache-entries=2", "--threads=1",
                                       "--auth-max-skew=300", "--ping-interval=3600"}));
  auto bot = ConnectApproved(Generation::kV33, "replay.bot", "dev-replay");
  ASSERT_OK(bot);
  absl::StatusOr<double> before =
      ScrapeMetric(relayd(), "botrelay_replay_cache_early_evictions_total");
  ASSERT_OK(before);
  EXPECT_EQ(*before, 0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(EchoRoundTrip(**bot, "evict" + std::to_string(i)));
  // The event loop publishes its count on its 100 ms tick.
  absl::StatusOr<double> after;
  const auto deadline = testbot::Clock::now() + 3s;
  do {
    std::this_thread::sleep_for(50ms);
    after = ScrapeMetric(relayd(), "botrelay_replay_cache_early_evictions_total");
    ASSERT_OK(after);
  } while (*after < 3 && testbot::Clock::now() < deadline);
  EXPECT_EQ(*after, 3);
}

INSTANTIATE_TEST_SUITE_P(Generations, AuthTest,
                         ::testing::Values(Generation::kV32, Generation::kV33),
                         [](const auto& info) {
                           return info.param == Generation::kV32 ? "V32" : "V33";
                         });

class AuthLogModeTest : public RelaydTest {};

TEST_F(AuthLogModeTest, FailuresAreProcessedAnyway) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--auth-mode=log"}));
  auto bot = ConnectApproved(Generation::kV33, "auth.bot", "dev-log-mode");
  ASSERT_OK(bot);
  ChatMessage message;
  message.text = "# echo unsigned-but-served";
  message.auth.mode = AuthOptions::Mode::kOmitted;
  ASSERT_OK((*bot)->SendChat(message));
  auto texts = (*bot)->WaitForTexts(1, 3000ms);
  ASSERT_OK(texts);
  EXPECT_THAT((*texts)[0], HasSubstr("unsigned-but-served"));
}

class AuthFailureLimitTest : public RelaydTest {};

TEST_F(AuthFailureLimitTest, ConsecutiveFailuresCloseTheConnection) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--auth-failure-limit=3"}));
  auto bot = ConnectApproved(Generation::kV33, "auth.bot", "dev-limit");
  ASSERT_OK(bot);
  // A success in between resets the count.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 2; ++i) {
      ChatMessage message;
      message.text = "# echo unsigned";
      message.auth.mode = AuthOptions::Mode::kOmitted;
      ASSERT_OK((*bot)->SendChat(message));
      ASSERT_OK((*bot)->WaitForError("auth_failed", 3000ms));
    }
    ASSERT_TRUE(EchoRoundTrip(**bot, "resets-the-count"));
  }
  for (int i = 0; i < 3; ++i) {
    ChatMessage message;
    message.text = "# echo unsigned";
    message.auth.mode = AuthOptions::Mode::kOmitted;
    ASSERT_OK((*bot)->SendChat(message));
  }
  auto frames = (*bot)->WaitForClose(3000ms);
  ASSERT_OK(frames);
  int auth_failed = 0;
  for (const ServerFrame& frame : *frames) {
    if (frame.event() == "ping") continue;
    EXPECT_EQ(frame.error_code(), "auth_failed") << frame.line();
    ++auth_failed;
  }
  // Exactly one per refused message; the close itself adds no event.
  EXPECT_EQ(auth_failed, 3);
}

}  // namespace
}  // namespace botrelay::integration
