// Message rate limits per connection and per bot: a burst over the limit is
// answered, message by message, with error{rate_limited} (never dropped in
// silence), counted by scope and logged with the bot, device and peer; pings
// do not count; the bucket refills at the configured rate.
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/metrics_scrape.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class RateLimitTest : public RelaydTest {
 protected:
  struct Outcome {
    int answered = 0;
    int rate_limited = 0;
  };

  // Sends `count` echoes back to back, then reads one outcome per message.
  static absl::StatusOr<Outcome> Burst(TestBot& bot, const std::string& tag, int count) {
    for (int i = 0; i < count; ++i) {
      absl::Status sent = bot.SendText(absl::StrCat("# echo ", tag, i));
      if (!sent.ok()) return sent;
    }
    Outcome outcome;
    while (outcome.answered + outcome.rate_limited < count) {
      absl::StatusOr<ServerFrame> frame = bot.ReadFrame(5000ms);
      if (!frame.ok()) return frame.status();
      if (frame->event() == "ping") continue;
      if (frame->event() == "messageResponse") {
        ++outcome.answered;
      } else if (frame->event() == "error" && frame->error_code() == "rate_limited") {
        ++outcome.rate_limited;
      } else {
        return absl::FailedPreconditionError(absl::StrCat("unexpected frame ", frame->line()));
      }
    }
    return outcome;
  }

  double RateLimited(const std::string& scope) {
    absl::StatusOr<double> value =
        ScrapeMetric(relayd(), "botrelay_rate_limited_total", {{"scope", scope}});
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : -1;
  }
};

TEST_F(RateLimitTest, ConnectionBurstOverTheLimitIsRefusedWithRateLimited) {
  // 5 messages/s with a burst of 10; pings every 100 ms must not use tokens.
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--connection-rate-limit=5", "--connection-rate-burst=10",
                                       "--bot-rate-limit=0", "--ping-interval=0.1"}));
  auto bot = ConnectApproved(Generation::kV33, "rate.bot", "dev-1");
  ASSERT_OK(bot);
  // Let the bucket fill while pings come and go.
  ASSERT_OK((*bot)->ExpectSilence(2500ms));
  ASSERT_GE((*bot)->pings().size(), 10u) << "the test needs pings to prove they are free";

  constexpr int kSent = 30;
  absl::StatusOr<Outcome> outcome = Burst(**bot, "a", kSent);
  ASSERT_OK(outcome);
  // The burst, plus at most what refills while the lines are in flight.
  EXPECT_GE(outcome->answered, 10);
  EXPECT_LE(outcome->answered, 13);
  EXPECT_EQ(outcome->answered + outcome->rate_limited, kSent);
  EXPECT_EQ(RateLimited("connection"), outcome->rate_limited);
  EXPECT_EQ(RateLimited("bot"), 0);

  // Pings keep flowing and the connection stays healthy; after a second the
  // bucket holds about five tokens again.
  ASSERT_OK((*bot)->ExpectSilence(1200ms));
  absl::StatusOr<Outcome> later = Burst(**bot, "b", 10);
  ASSERT_OK(later);
  EXPECT_GE(later->answered, 5);
  EXPECT_LE(later->answered, 8);
  EXPECT_EQ(RateLimited("connection"), outcome->rate_limited + later->rate_limited);

  // One warning names who was limited; the rest are summarized, not repeated.
  const std::string log = relayd().Log();
  EXPECT_TRUE(absl::StrContains(log, "bot=rate.bot device=dev-1 peer=127.0.0.1:")) << log;
  EXPECT_TRUE(absl::StrContains(log, "over the connection message rate limit (5/s)")) << log;
  size_t warnings = 0;
  for (size_t at = log.find("over the connection message rate limit"); at != std::string::npos;
       at = log.find("over the connection message rate limit", at + 1)) {
    ++warnings;
  }
  EXPECT_LE(warnings, 2u) << log;
}

TEST_F(RateLimitTest, BotLimitIsSharedByTheBotsConnectionsOnly) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--connection-rate-limit=0", "--bot-rate-limit=1",
                                       "--bot-rate-burst=8", "--ping-interval=3600"}));
  auto first = ConnectApproved(Generation::kV33, "shared.bot", "dev-1");
  auto second = ConnectApproved(Generation::kV32, "shared.bot", "dev-2");
  auto other = ConnectApproved(Generation::kV33, "other.bot", "dev-1");
  ASSERT_OK(first);
  ASSERT_OK(second);
  ASSERT_OK(other);
  // The bucket may have paid for nothing yet: start full.
  std::this_thread::sleep_for(200ms);

  absl::StatusOr<Outcome> a = Burst(**first, "a", 6);
  ASSERT_OK(a);
  EXPECT_EQ(a->answered, 6);
  absl::StatusOr<Outcome> b = Burst(**second, "b", 6);
  ASSERT_OK(b);
  // Eight for the bot in all (plus at most one refilled token).
  EXPECT_GE(b->answered, 2);
  EXPECT_LE(b->answered, 3);
  EXPECT_EQ(b->rate_limited, 6 - b->answered);
  // Another bot has its own bucket.
  absl::StatusOr<Outcome> c = Burst(**other, "c", 8);
  ASSERT_OK(c);
  EXPECT_EQ(c->answered, 8);

  EXPECT_EQ(RateLimited("bot"), b->rate_limited);
  EXPECT_EQ(RateLimited("connection"), 0);
  const std::string log = relayd().Log();
  EXPECT_TRUE(absl::StrContains(log, "bot=shared.bot device=dev-2 peer=127.0.0.1:")) << log;
  EXPECT_TRUE(absl::StrContains(log, "over the bot message rate limit (1/s)")) << log;

  // Reconnecting does not refill the bot's bucket.
  (*second)->Close();
  auto again = ConnectApproved(Generation::kV33, "shared.bot", "dev-3");
  ASSERT_OK(again);
  absl::StatusOr<Outcome> d = Burst(**again, "d", 4);
  ASSERT_OK(d);
  EXPECT_GE(d->rate_limited, 1) << "a fresh bucket would have answered all four";
}

}  // namespace
}  // namespace botrelay::integration
