// relayctl stats (GetStats) and GET /metrics expose the same numbers: after
// known traffic both report the same series with the same values, and the
// counters this traffic moves have exactly the expected values.

#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/integration/http_get.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

class StatsMetricsTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }
};

std::map<std::string, double> ByKey(const adminpb::GetStatsResponse& stats) {
  std::map<std::string, double> samples;
  for (const adminpb::MetricSample& sample : stats.samples()) {
    std::map<std::string, std::string> labels(sample.labels().begin(), sample.labels().end());
    samples[SeriesKey(sample.name(), labels)] = sample.value();
  }
  return samples;
}

TEST_F(StatsMetricsTest, StatsAndMetricsEndpointAgreeAfterTraffic) {
  // No server pings: nothing but this test's traffic moves the counters.
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ping-interval=3600"}));

  auto a = ConnectApproved(Generation::kV33, "stats.bot", "dev-a");  // handshake: pending
  auto b = ConnectApproved(Generation::kV32, "stats.bot", "dev-b");  // handshake: pending
  ASSERT_OK(a);
  ASSERT_OK(b);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(EchoRoundTrip(**a, "a" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(EchoRoundTrip(**b, "b" + std::to_string(i)));
  auto c = NewBot(Generation::kV33, "stats.bot", "dev-c");  // stays pending
  ASSERT_OK(ConnectAndHandshake(*c));
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(c->SendText("# echo refused"));
    ASSERT_OK(c->WaitForError("device_not_approved", 3000ms));
  }
  // dev-a comes back on a new connection (approved handshake, takeover).
  auto a2 = NewBot(Generation::kV33, "stats.bot", "dev-a");
  auto hello = ConnectAndHandshake(*a2);
  ASSERT_OK(hello);
  EXPECT_EQ(hello->Bool("approved"), true) << hello->line();
  ASSERT_OK((*a)->WaitForError("session_replaced", 3000ms));
  ASSERT_OK((*a)->WaitForClose(3000ms));
  ASSERT_OK(a2->SendRaw("this is not json\n"));
  ASSERT_OK(a2->WaitForError("invalid_json", 3000ms));
  ASSERT_OK(WaitForConnections("stats.bot", "dev-a", 1));

  // Traffic is over once the store writer has written what it queued (it
  // flushes every 0.2 s); until then its queue gauge moves between two reads.
  absl::StatusOr<adminpb::GetStatsResponse> stats;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    stats = relayctl().Json<adminpb::GetStatsResponse>({"stats"});
    ASSERT_OK(stats);
    if (ByKey(*stats)["botrelay_store_queued_writes"] == 0) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  // Read both views.
  auto scrape = HttpGet(relayd().metrics_address(), "/metrics");
  ASSERT_OK(scrape);
  ASSERT_EQ(scrape->status, 200) << scrape->body;
  EXPECT_TRUE(absl::StartsWith(scrape->headers["content-type"], "text/plain"))
      << scrape->headers["content-type"];
  auto metrics = ParsePrometheusText(scrape->body);
  ASSERT_OK(metrics);
  const std::map<std::string, double> from_stats = ByKey(*stats);

  // The same series...
  for (const auto& [key, value] : from_stats) {
    EXPECT_TRUE(metrics->count(key)) << key << " is in GetStats but not in /metrics";
  }
  for (const auto& [key, value] : *metrics) {
    EXPECT_TRUE(from_stats.count(key)) << key << " is in /metrics but not in GetStats";
  }
  // ...with the same values, except the process gauges (CPU, memory) that
  // move on their own between the two reads. Counts are exact; /metrics
  // prints other numbers (histogram sums) to 10 significant digits.
  int compared = 0;
  for (const auto& [key, value] : from_stats) {
    if (absl::StartsWith(key, "process_") || !metrics->count(key)) continue;
    if (value == std::floor(value)) {
      EXPECT_EQ(value, metrics->at(key)) << key;
    } else {
      EXPECT_NEAR(value, metrics->at(key), std::fabs(value) * 1e-9) << key;
    }
    ++compared;
  }
  EXPECT_GT(compared, 100);

  // And the values are the traffic's.
  const std::map<std::string, double> expected = {
      {"botrelay_messages_accepted_total", 7},
      {"botrelay_messages_answered_total", 7},
      {R"(botrelay_handshakes_total{result="pending"})", 3},
      {R"(botrelay_handshakes_total{result="approved"})", 1},
      {R"(botrelay_handshakes_total{result="refused"})", 0},
      {R"(botrelay_errors_sent_total{code="device_not_approved"})", 2},
      {R"(botrelay_errors_sent_total{code="session_replaced"})", 1},
      {R"(botrelay_errors_sent_total{code="invalid_json"})", 1},
      {R"(botrelay_errors_sent_total{code="shutting_down"})", 0},
      {R"(botrelay_messages_in_total{event="invalid"})", 1},
      {R"(botrelay_messages_in_total{event="handshake"})", 4},
      {R"(botrelay_messages_out_total{event="messageResponse"})", 7},
      {R"(botrelay_messages_out_total{event="handshakeComplete"})", 4},
      {"botrelay_connections_accepted_total", 4},
      {"botrelay_connections_closed_total", 1},
      {R"(botrelay_connections{state="approved"})", 2},
      {R"(botrelay_connections{state="pending"})", 1},
      {"botrelay_serving", 1},
      {"botrelay_store_healthy", 1},
      {"botrelay_draining", 0},
  };
  for (const auto& [key, value] : expected) {
    ASSERT_TRUE(from_stats.count(key)) << key << " missing from GetStats";
    EXPECT_EQ(from_stats.at(key), value) << key << " in GetStats";
    ASSERT_TRUE(metrics->count(key)) << key << " missing from /metrics";
    EXPECT_EQ(metrics->at(key), value) << key << " in /metrics";
  }

  // The table form, filtered, shows the same number.
  ProcessResult table = relayctl().Run({"stats", "--filter", "handshakes"});
  ASSERT_TRUE(ExitedOk(table));
  bool approved_row = false;
  for (absl::string_view line : absl::StrSplit(table.out, '\n')) {
    if (line.empty() || absl::StartsWith(line, "NAME")) continue;
    EXPECT_TRUE(absl::StartsWith(line, "botrelay_handshakes_total")) << line;
    if (absl::StrContains(line, R"({result="approved"})")) {
      approved_row = true;
      EXPECT_TRUE(absl::EndsWith(line, " 1")) << line;
    }
  }
  EXPECT_TRUE(approved_row) << table.out;
}

}  // namespace
}  // namespace botrelay::integration
