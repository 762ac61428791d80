// The upstream processor against a real HTTP backend on loopback (python3's
// http.server, switchable), driven through the real Dispatcher on an
// io_context run by the test thread, as a shard runs it.
#include "dataplane/upstream/upstream_processor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "dataplane/processing/dispatcher.h"
#include "dataplane/upstream/upstream_shard.h"
#include "tests/dataplane/upstream/upstream_test_backend.h"

namespace botrelay::upstream {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// Records what the dispatcher delivers, as "text:...", "media:..." and
// "error:<code>:<message>".
class RecordingOutlet : public processing::ReplyOutlet {
 public:
  void DeliverText(const processing::ChatMessage& to, std::string_view text) override {
    delivered.push_back("text:" + std::string(text));
  }
  void DeliverMedia(const processing::ChatMessage& to, std::string_view media_type,
                    std::span<const std::string_view> sources, int32_t media_wait_ms) override {
    std::string entry = "media:" + std::string(media_type);
    for (std::string_view source : sources) entry += ":" + std::string(source);
    delivered.push_back(entry + ":" + std::to_string(media_wait_ms));
  }
  void DeliverError(const processing::ChatMessage& to, protocol::ErrorCode code,
                    std::string_view message) override {
    delivered.push_back("error:" + std::string(protocol::ErrorCodeName(code)) + ":" +
                        std::string(message));
  }
  std::optional<dataplane::ConnectionInfo> DescribeConnection(uint64_t) override {
    return std::nullopt;
  }
  void OnMessageDone(const processing::ChatMessage&) override { ++done; }

  std::vector<std::string> delivered;
  int done = 0;
};

class UpstreamProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = testing::TestBackend::Start();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    settings_.url = backend_->url();
    settings_.request_timeout = 400ms;
    settings_.breaker.consecutive_failures = 3;
    settings_.breaker.failure_ratio = 0;
    settings_.breaker.open_duration = 500ms;
  }
  void TearDown() override {
    if (dispatcher_) chain_.OnShardStop();
  }

  void StartProcessor() {
    auto processor = UpstreamProcessor::Create(settings_, registry_);
    ASSERT_TRUE(processor.ok()) << processor.status();
    processor_ = processor->get();
    chain_.Add(*std::move(processor));
    chain_.OnShardStart(0, io_);
    dispatcher_ = std::make_unique<processing::Dispatcher>(processing::DispatcherSettings{},
                                                           chain_, outlet_);
  }

  void Send(const std::string& text, const std::string& room = "room") {
    processing::ChatMessage* message = dispatcher_->Acquire();
    message->bot_name = "bot";
    message->device_id = "dev";
    message->room = room;
    message->channel_id.clear();
    message->sender = "alice";
    message->text = text;
    message->accepted_at = Clock::now();
    dispatcher_->Submit(message);
  }

  // Runs the event loop until `count` messages are done (or 10 s).
  bool RunUntilDone(int count) {
    const auto deadline = Clock::now() + 10s;
    while (outlet_.done < count && Clock::now() < deadline) {
      io_.restart();
      if (io_.run_for(5ms) == 0) std::this_thread::sleep_for(1ms);
    }
    return outlet_.done >= count;
  }

  // Sends one message and returns what came back for it.
  std::vector<std::string> RoundTrip(const std::string& text) {
    const size_t before = outlet_.delivered.size();
    const int done = outlet_.done;
    Send(text);
    EXPECT_TRUE(RunUntilDone(done + 1)) << text;
    return {outlet_.delivered.begin() + static_cast<long>(before), outlet_.delivered.end()};
  }

  double Metric(const std::string& name, const std::string& label, const std::string& value) {
    for (const metrics::Sample& sample : registry_.Snapshot()) {
      if (sample.name != name) continue;
      for (const auto& [k, v] : sample.labels) {
        if (k == label && v == value) return sample.value;
      }
    }
    return -1;
  }
  double Metric(const std::string& name) {  // an unlabelled series
    for (const metrics::Sample& sample : registry_.Snapshot()) {
      if (sample.name == name && sample.labels.empty()) return sample.value;
    }
    return -1;
  }
  double Requests(const std::string& outcome) {
    return Metric("botrelay_upstream_requests_total", "outcome", outcome);
  }
  BreakerState State() { return processor_->LocalShard()->breaker_state(); }

  std::unique_ptr<testing::TestBackend> backend_;
  UpstreamSettings settings_;
  boost::asio::io_context io_;
  metrics::Registry registry_;
  RecordingOutlet outlet_;
  processing::ProcessorChain chain_;
  UpstreamProcessor* processor_ = nullptr;
  std::unique_ptr<processing::Dispatcher> dispatcher_;
};

TEST_F(UpstreamProcessorTest, RelaysRepliesOverOneKeptAliveConnection) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  EXPECT_THAT(RoundTrip("안녕 \"quoted\""),
              ElementsAre("text:upstream: 안녕 \"quoted\" (bot/room/alice)"));
  EXPECT_THAT(RoundTrip("second"), ElementsAre("text:upstream: second (bot/room/alice)"));
  EXPECT_THAT(RoundTrip("third"), ElementsAre("text:upstream: third (bot/room/alice)"));
  auto stats = backend_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->requests, 3);
  EXPECT_EQ(stats->connections, 2) << "one pooled connection, plus the stats request's own";
  EXPECT_EQ(Requests("ok"), 3);
  EXPECT_EQ(Metric("botrelay_upstream_connections_opened_total"), 1);
  EXPECT_EQ(processor_->LocalShard()->idle_connections(), 1u);
}

TEST_F(UpstreamProcessorTest, MediaEmptyAndErrorAnswers) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  EXPECT_THAT(RoundTrip("media"),
              ElementsAre("text:picture:", "media:image:https://example.com/a.png:1500"));
  EXPECT_THAT(RoundTrip("silent"), ElementsAre());
  EXPECT_THAT(RoundTrip("refuse"),
              ElementsAre("error:processing_failed:upstream backend: backend refuses this"));
  EXPECT_EQ(Requests("ok"), 3);
  EXPECT_EQ(State(), BreakerState::kClosed);
}

TEST_F(UpstreamProcessorTest, CommandPrefixLeavesOtherMessagesAlone) {
  settings_.command_prefix = "!";
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  EXPECT_THAT(RoundTrip("plain chat"), ElementsAre());
  EXPECT_THAT(RoundTrip("!weather"), ElementsAre("text:upstream: !weather (bot/room/alice)"));
  auto stats = backend_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->requests, 1);
}

TEST_F(UpstreamProcessorTest, GarbageAndStatusCodesHaveDefinedOutcomes) {
  settings_.breaker.consecutive_failures = 10;
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  ASSERT_TRUE(backend_->SetMode("garbage").ok());
  EXPECT_THAT(RoundTrip("x"), ElementsAre(StartsWith(
                                  "error:processing_failed:invalid upstream backend reply: not JSON")));
  ASSERT_TRUE(backend_->SetMode("400").ok());
  EXPECT_THAT(RoundTrip("x"),
              ElementsAre("error:processing_failed:upstream backend refused the message: HTTP 400"));
  ASSERT_TRUE(backend_->SetMode("500").ok());
  EXPECT_THAT(RoundTrip("x"),
              ElementsAre("error:upstream_unavailable:upstream backend failed: HTTP 500"));
  ASSERT_TRUE(backend_->SetMode("close").ok());
  EXPECT_THAT(RoundTrip("x"),
              ElementsAre(StartsWith("error:upstream_unavailable:upstream backend connection failed")));
  EXPECT_EQ(Requests("malformed"), 1);
  EXPECT_EQ(Requests("rejected"), 1);
  EXPECT_EQ(Requests("server_error"), 1);
  EXPECT_EQ(Requests("io_error"), 1);
  ASSERT_TRUE(backend_->SetMode("ok").ok());
  EXPECT_THAT(RoundTrip("fine"), ElementsAre("text:upstream: fine (bot/room/alice)"));
}

TEST_F(UpstreamProcessorTest, HangingBackendTimesOut) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  ASSERT_TRUE(backend_->SetMode("hang").ok());
  const auto start = Clock::now();
  EXPECT_THAT(RoundTrip("x"), ElementsAre("error:upstream_unavailable:upstream backend did not "
                                          "answer within 400 ms"));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(Requests("timeout"), 1);
  ASSERT_TRUE(backend_->SetMode("ok").ok());
}

TEST_F(UpstreamProcessorTest, BackendDownOpensTheBreakerAndAFailedTrialReopensIt) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  backend_->Stop();  // connection refused from now on
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(RoundTrip("x"), ElementsAre(StartsWith(
                                    "error:upstream_unavailable:upstream backend unreachable")));
  }
  EXPECT_EQ(State(), BreakerState::kOpen);
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(RoundTrip("x"), ElementsAre("error:upstream_unavailable:upstream backend "
                                            "unavailable (circuit breaker open)"));
  }
  EXPECT_EQ(Requests("connect_error"), 3);
  EXPECT_EQ(Requests("breaker_open"), 5);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_state", "state", "open"), 1);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_state", "state", "closed"), 0);

  std::this_thread::sleep_for(600ms);  // cool-down over: one trial, still refused
  EXPECT_THAT(RoundTrip("x"), ElementsAre(StartsWith("error:upstream_unavailable:upstream backend "
                                                     "unreachable")));
  EXPECT_EQ(State(), BreakerState::kOpen);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total", "to", "half_open"), 1);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total", "to", "open"), 2);
  EXPECT_THAT(RoundTrip("x"), ElementsAre(HasSubstr("circuit breaker open")));
}

TEST_F(UpstreamProcessorTest, BackendRecoveryClosesTheBreaker) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  ASSERT_TRUE(backend_->SetMode("500").ok());
  for (int i = 0; i < 3; ++i) RoundTrip("x");
  ASSERT_EQ(State(), BreakerState::kOpen);
  auto requests_before = backend_->Stats();
  ASSERT_TRUE(requests_before.ok());
  const auto start = Clock::now();
  EXPECT_THAT(RoundTrip("fast"), ElementsAre(HasSubstr("circuit breaker open")));
  EXPECT_LT(Clock::now() - start, 200ms) << "an open breaker answers without the backend";
  auto requests_after = backend_->Stats();
  ASSERT_TRUE(requests_after.ok());
  EXPECT_EQ(requests_after->requests, requests_before->requests);

  ASSERT_TRUE(backend_->SetMode("ok").ok());
  std::this_thread::sleep_for(550ms);
  EXPECT_THAT(RoundTrip("back"), ElementsAre("text:upstream: back (bot/room/alice)"));
  EXPECT_EQ(State(), BreakerState::kClosed);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_state", "state", "closed"), 1);
  EXPECT_EQ(Metric("botrelay_upstream_breaker_transitions_total", "to", "closed"), 1);
}

TEST_F(UpstreamProcessorTest, RequestsBeyondTheInFlightBoundFailAtOnce) {
  settings_.max_in_flight = 2;
  settings_.request_timeout = 1000ms;
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  ASSERT_TRUE(backend_->SetMode("hang").ok());
  Send("a", "room-a");
  Send("b", "room-b");
  Send("c", "room-c");
  // The third is answered before the event loop even ran.
  EXPECT_THAT(outlet_.delivered, ElementsAre("error:upstream_unavailable:too many requests "
                                             "pending at the upstream backend"));
  EXPECT_EQ(Requests("in_flight_limit"), 1);
  EXPECT_EQ(processor_->LocalShard()->in_flight(), 2);
  ASSERT_TRUE(RunUntilDone(3));
  EXPECT_EQ(Requests("timeout"), 2);
  ASSERT_TRUE(backend_->SetMode("ok").ok());
}

TEST_F(UpstreamProcessorTest, RepliesOfARoomKeepArrivalOrderWhateverTheBackendTakes) {
  settings_.request_timeout = 3000ms;
  ASSERT_NO_FATAL_FAILURE(StartProcessor());  // room-concurrency 3 (the default)
  Send("sleep:600 first");
  Send("sleep:300 second");
  Send("third");
  ASSERT_TRUE(RunUntilDone(3));
  EXPECT_THAT(outlet_.delivered, ElementsAre("text:upstream: first (bot/room/alice)",
                                             "text:upstream: second (bot/room/alice)",
                                             "text:upstream: third (bot/room/alice)"));
  auto stats = backend_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(stats->connections, 4) << "the three ran at once, each on its own connection";
}

TEST_F(UpstreamProcessorTest, StaleKeptAliveConnectionIsResentOnANewOne) {
  ASSERT_NO_FATAL_FAILURE(StartProcessor());
  EXPECT_THAT(RoundTrip("one"), ElementsAre("text:upstream: one (bot/room/alice)"));
  ASSERT_EQ(processor_->LocalShard()->idle_connections(), 1u);
  // A backend restart on the same port closes the pooled connection while
  // it is idle; the next message must not fail for it.
  const uint16_t port = backend_->port();
  backend_->Stop();
  auto restarted = testing::TestBackend::Start(port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  backend_ = *std::move(restarted);
  EXPECT_THAT(RoundTrip("two"), ElementsAre("text:upstream: two (bot/room/alice)"));
  EXPECT_EQ(Metric("botrelay_upstream_retries_total"), 1);
  EXPECT_EQ(Requests("ok"), 2);
}

}  // namespace
}  // namespace botrelay::upstream
