// relayd with --upstream-url against a real HTTP backend on loopback
// (tests/dataplane/upstream/upstream_test_backend.py): replies relayed in
// room order, the circuit breaker opening on a dead backend and answering
// fast, and closing again after a successful trial once the backend is back.
#include <gmock/gmock.h>

#include <thread>

#include "tests/dataplane/upstream/upstream_test_backend.h"
#include "tests/integration/http_get.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using upstream::testing::TestBackend;
using Clock = std::chrono::steady_clock;

class UpstreamTest : public RelaydTest {
 protected:
  void SetUp() override {
    auto backend = TestBackend::Start();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
  }

  double Metric(const std::string& series) {
    auto scrape = HttpGet(relayd().metrics_address(), "/metrics");
    if (!scrape.ok()) return -1;
    auto metrics = ParsePrometheusText(scrape->body);
    if (!metrics.ok() || !metrics->count(series)) return -1;
    return metrics->at(series);
  }
  double BreakerShards(const std::string& state) {
    return Metric("botrelay_upstream_breaker_state{state=\"" + state + "\"}");
  }

  std::unique_ptr<TestBackend> backend_;
};

TEST_F(UpstreamTest, RepliesComeFromTheBackendInRoomOrder) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--upstream-url=" + backend_->url(), "--threads=2"}));
  auto bot = ConnectApproved(Generation::kV33, "upstream.bot", "dev-upstream");
  ASSERT_OK(bot);
  ASSERT_OK((*bot)->SendText("안녕 backend"));
  auto texts = (*bot)->WaitForTexts(1, 5000ms);
  ASSERT_OK(texts);
  EXPECT_THAT(*texts, ElementsAre("upstream: 안녕 backend (upstream.bot/테스트방/홍길동)"));

  // Built-in commands stay local: the backend sees only what they leave.
  EXPECT_TRUE(EchoRoundTrip(**bot, "local-echo"));
  auto stats = backend_->Stats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->requests, 1);

  // Slow first, fast last, one room: replies still leave in arrival order.
  ASSERT_OK((*bot)->SendText("sleep:600 first"));
  ASSERT_OK((*bot)->SendText("sleep:200 second"));
  ASSERT_OK((*bot)->SendText("third"));
  texts = (*bot)->WaitForTexts(3, 5000ms);
  ASSERT_OK(texts);
  EXPECT_THAT(*texts, ElementsAre(HasSubstr("first"), HasSubstr("second"), HasSubstr("third")));
  EXPECT_EQ(Metric("botrelay_upstream_requests_total{outcome=\"ok\"}"), 4);
  EXPECT_EQ(BreakerShards("closed"), 2) << "one closed breaker per event-loop thread";
}

TEST_F(UpstreamTest, BreakerOpensOnADeadBackendAnswersFastAndRecovers) {
  // Three failures open it; a hanging backend would cost 2 s per message.
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--upstream-url=" + backend_->url(), "--threads=1",
                                       "--upstream-timeout=2", "--upstream-breaker-failures=3",
                                       "--upstream-breaker-open-time=1"}));
  auto bot = ConnectApproved(Generation::kV33, "upstream.breaker", "dev-breaker");
  ASSERT_OK(bot);
  ASSERT_OK((*bot)->SendText("warm-up"));
  ASSERT_OK((*bot)->WaitForTexts(1, 5000ms));

  // Down: connections refused.
  const uint16_t port = backend_->port();
  backend_->Stop();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK((*bot)->SendText("while down " + std::to_string(i)));
    auto error = (*bot)->WaitForError("upstream_unavailable", 5000ms);
    ASSERT_OK(error);
    EXPECT_THAT(error->String("message").value_or(""), HasSubstr("unreachable"));
  }
  EXPECT_EQ(BreakerShards("open"), 1);

  // Back, but hanging: the half-open trial waits for its 2 s timeout, and
  // every other message meanwhile fails fast instead of queueing behind it.
  auto restarted = TestBackend::Start(port);
  ASSERT_OK(restarted);
  backend_ = *std::move(restarted);
  ASSERT_OK(backend_->SetMode("hang"));
  std::this_thread::sleep_for(1100ms);
  ASSERT_OK((*bot)->SendText("trial"));
  std::this_thread::sleep_for(100ms);
  for (int i = 0; i < 3; ++i) {
    ChatMessage other;
    other.room = "다른방 " + std::to_string(i);  // other rooms: not held behind the trial
    other.channel_id = "room-" + std::to_string(i);
    other.text = "during trial";
    const auto sent = Clock::now();
    ASSERT_OK((*bot)->SendChat(other));
    auto error = (*bot)->WaitForError("upstream_unavailable", 5000ms);
    ASSERT_OK(error);
    EXPECT_LT(Clock::now() - sent, 500ms) << "fast failure, not the 2 s timeout";
    EXPECT_THAT(error->String("message").value_or(""), HasSubstr("circuit breaker open"));
  }
  EXPECT_EQ(BreakerShards("half_open"), 1);
  auto trial = (*bot)->WaitForError("upstream_unavailable", 5000ms);
  ASSERT_OK(trial);
  EXPECT_THAT(trial->String("message").value_or(""), HasSubstr("did not answer within 2000 ms"));
  EXPECT_EQ(BreakerShards("open"), 1);
  auto stats = backend_->Stats();
  ASSERT_OK(stats);
  EXPECT_EQ(stats->requests, 1) << "only the trial reached the backend";

  // Healthy again: after the cool-down one trial closes the breaker.
  ASSERT_OK(backend_->SetMode("ok"));
  std::this_thread::sleep_for(1100ms);
  ASSERT_OK((*bot)->SendText("recovered"));
  auto texts = (*bot)->WaitForTexts(1, 5000ms);
  ASSERT_OK(texts);
  EXPECT_THAT(*texts, ElementsAre(HasSubstr("upstream: recovered")));
  ASSERT_OK((*bot)->SendText("flowing"));
  texts = (*bot)->WaitForTexts(1, 5000ms);
  ASSERT_OK(texts);
  EXPECT_THAT(*texts, ElementsAre(HasSubstr("upstream: flowing")));

  EXPECT_EQ(BreakerShards("closed"), 1);
  EXPECT_EQ(BreakerShards("open"), 0);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total{to=\"open\"}"), 2);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total{to=\"half_open\"}"), 2);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total{to=\"closed\"}"), 1);
  EXPECT_EQ(Metric("botrelay_upstream_requests_total{outcome=\"breaker_open\"}"), 3);
  EXPECT_EQ(Metric("botrelay_upstream_requests_total{outcome=\"connect_error\"}"), 3);
  EXPECT_EQ(Metric("botrelay_upstream_requests_total{outcome=\"timeout\"}"), 1);
  EXPECT_EQ(Metric("botrelay_errors_sent_total{code=\"upstream_unavailable\"}"), 7);
}

}  // namespace
}  // namespace botrelay::integration
