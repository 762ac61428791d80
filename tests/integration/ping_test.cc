// Server pings: answered with `ping` or `pong` depending on the script,
// RTT and monitoring recorded, silent clients closed.
#include <thread>

#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

struct PingCase {
  const char* name;
  Generation generation;
  PingReplyStyle style;
};

class PingTest : public RelaydTest, public ::testing::WithParamInterface<PingCase> {};

// Polls ListConnections until the connection has `samples` RTT samples.
absl::StatusOr<adminpb::Connection> WaitForRttSamples(AdminClient& admin, const std::string& bot,
                                                      const std::string& device, uint32_t samples,
                                                      testbot::Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  adminpb::Connection last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = admin.ListConnections(bot, device);
    if (!list.ok()) return list.status();
    if (list->connections_size() == 1) {
      last = list->connections(0);
      if (last.rtt().samples() >= samples) return last;
    }
    std::this_thread::sleep_for(50ms);
  }
  return absl::DeadlineExceededError("RTT samples not recorded; last: " + last.ShortDebugString());
}

TEST_P(PingTest, RepliesAreAcceptedAndRttRecorded) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ping-interval=0.2", "--ping-timeout=2"}));
  TestBotConfig config = BotConfig(GetParam().generation, "ping.bot", "dev-ping");
  config.ping_reply = GetParam().style;
  auto bot = ConnectApproved(config);
  ASSERT_OK(bot);

  // Pings are answered while the bot reads; 1.5 s is several intervals.
  ASSERT_OK((*bot)->ExpectSilence(1500ms));
  const auto& pings = (*bot)->pings();
  ASSERT_GE(pings.size(), 2u);
  for (const auto& ping : pings) {
    auto frame = testbot::ParseServerLine(ping.line, GetParam().generation);
    ASSERT_OK(frame);
    EXPECT_EQ(frame->String("bot_name"), "ping.bot") << ping.line;
    EXPECT_TRUE(ping.server_timestamp_json.has_value()) << ping.line;
    EXPECT_TRUE(ping.answered) << ping.reply_status;
  }

  auto connection = WaitForRttSamples(admin(), "ping.bot", "dev-ping", 2, 3000ms);
  ASSERT_OK(connection);
  EXPECT_GE(connection->rtt().last_ms(), 0.0);
  EXPECT_LT(connection->rtt().max_ms(), 1000.0);  // loopback
  EXPECT_LE(connection->rtt().min_ms(), connection->rtt().avg_ms());
  EXPECT_EQ(connection->monitoring().total_memory_mb(), 256.0);
  EXPECT_EQ(connection->monitoring().memory_usage_mb(), 30.5);
  EXPECT_EQ(connection->monitoring().active_rooms(), 3);

  // Ping results also reach the device's history in the store (written in
  // batches, so poll briefly).
  const auto deadline = std::chrono::steady_clock::now() + 3000ms;
  int recorded = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto device = admin().GetDevice("ping.bot", "dev-ping", 50);
    ASSERT_OK(device);
    recorded = device->pings_size();
    if (recorded > 0) {
      EXPECT_GE(device->pings(0).rtt_ms(), 0.0);
      EXPECT_EQ(device->pings(0).client_total_memory_mb(), 256.0);
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(recorded, 0) << "no ping record in GetDevice";

  // Answering keeps the connection alive.
  EXPECT_TRUE(EchoRoundTrip(**bot, "alive-after-pings"));
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, PingTest,
    ::testing::Values(PingCase{"V333Pong", Generation::kV33, PingReplyStyle::kPong},
                      PingCase{"V332Ping", Generation::kV33, PingReplyStyle::kPing},
                      PingCase{"V32Ping", Generation::kV32, PingReplyStyle::kPing}),
    [](const auto& info) { return std::string(info.param.name); });

class PingTimeoutTest : public RelaydTest {};

TEST_F(PingTimeoutTest, SilentClientIsClosedAndAnsweringOneStays) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ping-interval=0.3", "--ping-timeout=0.5"}));
  TestBotConfig silent_config = BotConfig(Generation::kV33, "ping.bot", "dev-silent");
  silent_config.auto_answer_pings = false;
  auto silent = ConnectApproved(silent_config);
  ASSERT_OK(silent);
  auto answering = ConnectApproved(Generation::kV33, "ping.bot", "dev-answering");
  ASSERT_OK(answering);

  // The answering phone reads (and so answers pings) meanwhile.
  absl::Status answering_status;
  std::thread answering_reader(
      [&] { answering_status = (*answering)->ExpectSilence(2000ms); });
  auto frames = (*silent)->WaitForClose(5000ms);
  answering_reader.join();
  ASSERT_OK(frames);
  ASSERT_FALSE(frames->empty());
  EXPECT_EQ(frames->back().error_code(), "ping_timeout") << frames->back().line();
  EXPECT_FALSE((*silent)->pings().empty()) << "closed without ever pinging";

  EXPECT_OK(answering_status);
  EXPECT_TRUE((*answering)->connected());
  EXPECT_TRUE(EchoRoundTrip(**answering, "answering-stays"));
}

class PingRecordTest : public RelaydTest {
 protected:
  // Lets one phone answer pings every 0.1 s for 2.5 s, then returns how many
  // pings it answered and how many records its device has in the store.
  std::pair<size_t, int> AnswerPingsFor2500ms(const std::string& record_interval) {
    StartRelayd({"--ping-interval=0.1", "--ping-timeout=5", "--store-flush-interval=0.05",
                 "--ping-record-interval=" + record_interval});
    if (HasFatalFailure()) return {0, 0};
    auto bot = ConnectApproved(Generation::kV33, "record.bot", "dev-record");
    EXPECT_OK(bot);
    if (!bot.ok()) return {0, 0};
    EXPECT_OK((*bot)->ExpectSilence(2500ms));
    size_t answered = 0;
    for (const auto& ping : (*bot)->pings()) answered += ping.answered ? 1 : 0;
    std::this_thread::sleep_for(300ms);  // the store writes in batches
    auto device = admin().GetDevice("record.bot", "dev-record", 1000);
    EXPECT_OK(device);
    return {answered, device.ok() ? device->pings_size() : 0};
  }
};

TEST_F(PingRecordTest, StoreKeepsOneRecordPerIntervalWhileEveryPingIsAnswered) {
  auto [answered, recorded] = AnswerPingsFor2500ms("1");
  ASSERT_GE(answered, 10u) << "too few pings to tell thinning from silence";
  // The first answered ping, then one per full second: at 0 s, 1 s, 2 s.
  EXPECT_GE(recorded, 2);
  EXPECT_LE(recorded, 3);
}

TEST_F(PingRecordTest, IntervalZeroRecordsEveryAnsweredPing) {
  auto [answered, recorded] = AnswerPingsFor2500ms("0");
  ASSERT_GE(answered, 10u);
  // Pings answered after the last batch may still be queued; GetDevice
  // includes queued samples, so only a ping in flight at the end is missing.
  EXPECT_GE(static_cast<size_t>(recorded) + 1, answered);
}

}  // namespace
}  // namespace botrelay::integration
