// relaybench's building blocks: its signer adapter and signature cache and
// its own frame builders must agree with relayd's verifier and decoder byte
// for byte, and its bookkeeping (histogram, request window) must count
// exactly. (It encodes base64 with relayd's codec, tested with relayd's.)

#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "bench/auth_signer.h"
#include "bench/latency_histogram.h"
#include "bench/metrics_scrape.h"
#include "bench/request_window.h"
#include "bench/soak_reconciliation.h"
#include "bench/time_wait.h"
#include "bench/wire.h"
#include "dataplane/auth/auth_verifier.h"
#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/frame_decoder.h"
#include "gtest/gtest.h"

namespace botrelay::bench {
namespace {

constexpr char kKey[] = "a-secret-key-of-some-length-0123456789-abcdefghijklmnopqrstuvwxyz";
constexpr char kSalt[] = "0123456789abcdef";

std::string AsString(const Signature& s) { return std::string(s.data(), s.size()); }

// relayd's decoder reads kDecodePadding bytes past the line.
protocol::DecodeResult DecodeWithRelayd(protocol::FrameDecoder& decoder, std::string& line,
                                        protocol::DecodedFrame& out) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  const size_t size = line.size();
  line.append(protocol::kDecodePadding, '\0');
  return decoder.Decode(std::string_view(line.data(), size), out);
}

TEST(AuthSignerTest, MatchesRelaydSignature) {
  AuthSigner signer(kKey, kSalt);
  auth::AuthVerifier verifier(auth::AuthSettings{kKey, kSalt});
  const SignedFields fields{"MessengerBotR", "bench-bot-3", "bench-dev-000042", "02:00:00:00:00:00",
                            "127.0.0.9"};
  for (int64_t ts : {int64_t{0}, int64_t{1721700000000}, int64_t{1795316558293}}) {
    const auto expected = verifier.Sign(fields.client_type, fields.bot_name, fields.device_uuid,
                                        fields.mac_address, fields.ip_address, ts);
    EXPECT_EQ(AsString(signer.Sign(fields, ts)), std::string(expected.data(), expected.size())) << ts;
  }
}

TEST(AuthSignerTest, KeyLongerThanABlockIsHashedFirst) {
  const std::string long_key(100, 'k');
  AuthSigner signer(long_key, kSalt);
  auth::AuthVerifier verifier(auth::AuthSettings{long_key, kSalt});
  const SignedFields fields{"MessengerBotR", "b", "d", "m", "i"};
  const auto expected = verifier.Sign("MessengerBotR", "b", "d", "m", "i", 5);
  EXPECT_EQ(AsString(signer.Sign(fields, 5)), std::string(expected.data(), expected.size()));
}

TEST(AuthSignerTest, CacheChangesOnlyWithTheMillisecond) {
  AuthSigner signer(kKey, kSalt);
  CachedSignature cache;
  const SignedFields fields{"MessengerBotR", "b", "d", "m", "i"};
  EXPECT_EQ(cache.Get(signer, fields, 10), signer.Sign(fields, 10));
  EXPECT_EQ(cache.Get(signer, fields, 10), signer.Sign(fields, 10));
  EXPECT_EQ(cache.Get(signer, fields, 11), signer.Sign(fields, 11));
  EXPECT_NE(signer.Sign(fields, 10), signer.Sign(fields, 11));
}

TEST(WireTest, HandshakeDecodesWithRelaydDecoder) {
  std::string line;
  AppendHandshake(line, Speaker{"bench-bot-1", "bench-dev-000007", "127.0.0.5"},
                  "2025-07-23T01:00:00.000Z");
  protocol::FrameDecoder decoder;
  protocol::DecodedFrame frame;
  ASSERT_TRUE(DecodeWithRelayd(decoder, line, frame).ok);
  ASSERT_EQ(frame.kind, protocol::FrameKind::kHandshake);
  EXPECT_EQ(frame.handshake.generation, protocol::ClientGeneration::kV33);
  EXPECT_EQ(frame.handshake.bot_name, "bench-bot-1");
  EXPECT_EQ(frame.handshake.device_id, "bench-dev-000007");
  EXPECT_EQ(frame.handshake.device_ip, "127.0.0.5");
}

TEST(WireTest, ChatMessageDecodesAndVerifiesWithRelayd) {
  AuthSigner signer(kKey, kSalt);
  const Speaker speaker{"bench-bot-1", "bench-dev-000007", "127.0.0.5"};
  const int64_t ts = 1721700000123;
  const Signature signature = signer.Sign(SignedFieldsOf(speaker), ts);
  std::string line;
  AppendChatMessage(line, speaker, "bench-room-2", "31", 99, "# echo c7s99 안녕",
                    "2025-07-23T01:00:00.000Z", AuthStamp{ts, &signature});
  ASSERT_EQ(line.back(), '\n');
  protocol::FrameDecoder decoder;
  protocol::DecodedFrame frame;
  ASSERT_TRUE(DecodeWithRelayd(decoder, line, frame).ok);
  ASSERT_EQ(frame.kind, protocol::FrameKind::kChat);
  EXPECT_EQ(frame.chat.text, "# echo c7s99 안녕");
  EXPECT_EQ(frame.chat.room, "bench-room-2");
  EXPECT_EQ(frame.chat.channel_id, "31");
  EXPECT_EQ(frame.chat.log_id, "99");
  auth::AuthVerifier verifier(auth::AuthSettings{kKey, kSalt});
  EXPECT_EQ(verifier.Verify(frame.chat.auth, "bench-bot-1", ts + 1000), auth::AuthOutcome::kOk);
}

TEST(WireTest, PongDecodesAndVerifiesWithRelayd) {
  AuthSigner signer(kKey, kSalt);
  const Speaker speaker{"bench-bot-2", "bench-dev-000001", "127.0.0.9"};
  const int64_t ts = 1721700000456;
  const Signature signature = signer.Sign(SignedFieldsOf(speaker), ts);
  std::string line;
  AppendPong(line, speaker, "2024-07-23 11:00:00.248", "2025-07-23T01:00:00.000Z",
             AuthStamp{ts, &signature});
  protocol::FrameDecoder decoder;
  protocol::DecodedFrame frame;
  ASSERT_TRUE(DecodeWithRelayd(decoder, line, frame).ok);
  ASSERT_EQ(frame.kind, protocol::FrameKind::kPingReply);
  EXPECT_EQ(frame.ping.server_timestamp, "2024-07-23 11:00:00.248");
  EXPECT_TRUE(frame.ping.has_monitoring);
  auth::AuthVerifier verifier(auth::AuthSettings{kKey, kSalt});
  EXPECT_EQ(verifier.Verify(frame.ping.auth, "bench-bot-2", ts), auth::AuthOutcome::kOk);
}

TEST(WireTest, SplitsRelaydReplyFrames) {
  const std::string line =
      R"({"event":"messageResponse","data":{"room":"테스트방","channel_id":"1","bot_name":"LOA.i",)"
      R"("message_type":"text","timestamp":"2024-07-23T02:00:00.248Z","timezone":"Asia/Seoul",)"
      R"("content_encoding":"base64","message_positions":[0,20]}}7JeQ7L2UOiDslYjrhZU=)";
  const InboundFrame frame = SplitFrame(line);
  EXPECT_EQ(frame.event, "messageResponse");
  EXPECT_EQ(frame.tail, "7JeQ7L2UOiDslYjrhZU=");
  EXPECT_EQ(FindString(frame.json, "room"), "테스트방");
  std::string text;
  ASSERT_TRUE(protocol::Base64Decode(frame.tail, text));
  EXPECT_EQ(text, "에코: 안녕");

  const InboundFrame hello = SplitFrame(
      R"({"event":"handshakeComplete","data":{"success":true,"approved":false,"message":"x"}})");
  EXPECT_EQ(FindBool(hello.json, "approved"), false);
  EXPECT_EQ(FindBool(hello.json, "success"), true);
  EXPECT_EQ(SplitFrame("not json").event, "");
  // Escaped quotes stay inside the value; the old server's spacing is accepted.
  EXPECT_EQ(FindString(R"({"event": "ping", "a":"x\"y"})", "a"), R"(x\"y)");
  EXPECT_EQ(FindString(R"({"event": "ping"})", "event"), "ping");
}

TEST(IsoClockTest, FormatsLikeJavaScript) {
  IsoClock clock;
  EXPECT_EQ(clock.Format(1721700000123), "2024-07-23T02:00:00.123Z");
  EXPECT_EQ(clock.Format(0), "1970-01-01T00:00:00.000Z");
}

TEST(LatencyHistogramTest, PercentilesWithinOnePercent) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);  // 1 us .. 100 ms
  EXPECT_EQ(h.count(), 100000);
  EXPECT_EQ(h.max(), 100000 * 1000);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 100000 * 1000;
    EXPECT_NEAR(static_cast<double>(h.Percentile(q)), exact, exact * 0.01) << q;
  }
  LatencyHistogram small;
  small.Record(3);
  small.Record(5);
  EXPECT_EQ(small.Percentile(0.5), 3);
  EXPECT_EQ(small.Percentile(1.0), 5);
  h.Merge(small);
  EXPECT_EQ(h.count(), 100002);
  EXPECT_EQ(h.min(), 3);
  EXPECT_EQ(LatencyHistogram().Percentile(0.99), 0);
}

TEST(RequestWindowTest, ClassifiesEveryReply) {
  RequestWindow window;
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 100; ++i) seqs.push_back(window.Add(1000 + i));  // grows 8 -> 128
  EXPECT_EQ(window.outstanding(), 100);
  int64_t sent = 0;
  // Out of order: odd ones first.
  for (uint64_t seq : seqs) {
    if (seq % 2 == 1) {
      ASSERT_EQ(window.Resolve(seq, &sent), RequestWindow::Match::kAnswered);
      EXPECT_EQ(sent, 1000 + static_cast<int64_t>(seq));
    }
  }
  EXPECT_EQ(window.Resolve(1, &sent), RequestWindow::Match::kDuplicate);
  EXPECT_EQ(window.Resolve(100, &sent), RequestWindow::Match::kNeverSent);
  // More requests while the even ones are still outstanding.
  for (int i = 0; i < 300; ++i) window.Add(5000);
  for (uint64_t seq : seqs) {
    if (seq % 2 == 0) {
      ASSERT_EQ(window.Resolve(seq, &sent), RequestWindow::Match::kAnswered);
    }
  }
  EXPECT_EQ(window.Resolve(0, &sent), RequestWindow::Match::kDuplicate);
  EXPECT_EQ(window.outstanding(), 300);
  EXPECT_EQ(window.Abandon(), 300);
  EXPECT_EQ(window.outstanding(), 0);
  EXPECT_EQ(window.Resolve(150, &sent), RequestWindow::Match::kDuplicate);
  EXPECT_EQ(window.Add(7), 400u);
}

TEST(MetricsScrapeTest, ParsesPrometheusText) {
  const MetricSamples samples = ParsePrometheusText(
      "# HELP botrelay_replays_total chat frames refused as repeats\n"
      "# TYPE botrelay_replays_total counter\n"
      "botrelay_replays_total 7\n"
      "\n"
      "botrelay_errors_sent_total{code=\"invalid_json\"} 3\n"
      "botrelay_ping_rtt_seconds_bucket{le=\"0.005\"} 12\n"
      "process_resident_memory_bytes 1.5e+07\n");
  EXPECT_EQ(samples.size(), 4u);
  EXPECT_EQ(SampleOf(samples, "botrelay_replays_total"), 7);
  EXPECT_EQ(SampleOf(samples, "botrelay_errors_sent_total{code=\"invalid_json\"}"), 3);
  EXPECT_EQ(SampleOf(samples, "botrelay_ping_rtt_seconds_bucket{le=\"0.005\"}"), 12);
  EXPECT_EQ(SampleOf(samples, "process_resident_memory_bytes"), 1.5e7);
  EXPECT_EQ(SampleOf(samples, "absent_total"), 0);
}

const ReconciliationCheck* FindCheck(const std::vector<ReconciliationCheck>& checks,
                                     const std::string& series) {
  for (const ReconciliationCheck& c : checks) {
    if (c.series == series) return &c;
  }
  return nullptr;
}

TEST(SoakReconciliationTest, ComparesTheChangeOfRelaydCountersWithTheSoakCounts) {
  SoakTally tally;
  SoakTally::Add(tally.bad_sent[static_cast<int>(BadInput::kMalformedJson)], 3);
  SoakTally::Add(tally.bad_sent[static_cast<int>(BadInput::kGarbage)], 2);
  SoakTally::Add(tally.echo_answered, 10);
  SoakTally::Add(tally.echo_abandoned, 2);
  tally.AddRefusal("rate_limited");
  const MetricSamples before = {{"botrelay_errors_sent_total{code=\"invalid_json\"}", 5},
                                {"botrelay_messages_accepted_total", 100}};
  MetricSamples after = {{"botrelay_errors_sent_total{code=\"invalid_json\"}", 8},
                         {"botrelay_errors_sent_total{code=\"rate_limited\"}", 1},
                         {"botrelay_messages_in_total{event=\"invalid\"}", 5},
                         {"botrelay_messages_accepted_total", 111},
                         {"botrelay_messages_answered_total", 11}};
  std::vector<ReconciliationCheck> checks = Reconcile({tally, 0}, before, after);
  ASSERT_NE(FindCheck(checks, "botrelay_errors_sent_total{code=\"invalid_json\"}"), nullptr);
  EXPECT_TRUE(FindCheck(checks, "botrelay_errors_sent_total{code=\"invalid_json\"}")->ok());
  EXPECT_TRUE(FindCheck(checks, "botrelay_messages_in_total{event=\"invalid\"}")->ok());
  // 11 accepted, 10 answered to the soak: one more than it answered, within the 2 abandoned.
  EXPECT_TRUE(FindCheck(checks, "botrelay_messages_accepted_total")->ok());
  EXPECT_TRUE(FindCheck(checks, "botrelay_messages_answered_total")->ok());
  // An error code the soak does not provoke matches the refusals it saw.
  EXPECT_TRUE(FindCheck(checks, "botrelay_errors_sent_total{code=<any other>}")->ok());

  after["botrelay_errors_sent_total{code=\"invalid_json\"}"] = 9;  // one more than was sent
  after["botrelay_messages_accepted_total"] = 113;                 // 3 unanswered, 2 abandoned
  checks = Reconcile({tally, 0}, before, after);
  EXPECT_FALSE(FindCheck(checks, "botrelay_errors_sent_total{code=\"invalid_json\"}")->ok());
  EXPECT_FALSE(FindCheck(checks, "botrelay_messages_accepted_total")->ok());
  EXPECT_FALSE(FindCheck(checks, "botrelay_messages_answered_total")->ok());
}

// --settle-time-wait reads the kernel's count from /proc/net/sockstat, and
// does not wait once the count is within the limit.
TEST(TimeWaitTest, ReadsTheKernelsCountAndReturnsAtOnceWhenSettled) {
  const std::optional<int64_t> count = TimeWaitSockets();
  ASSERT_TRUE(count.has_value()) << "no \"tw\" figure in /proc/net/sockstat";
  EXPECT_GE(*count, 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(SettleTimeWait(std::numeric_limits<int64_t>::max(), 60).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace botrelay::bench
