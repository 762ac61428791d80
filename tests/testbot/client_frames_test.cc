#include "tests/testbot/client_frames.h"

#include <gtest/gtest.h>

#include "simdjson.h"

namespace botrelay::testbot {
namespace {

constexpr int64_t kT0 = 1753232400000;  // 2025-07-23T01:00:00.000Z

PhoneIdentity ReferencePhone(Generation generation) {
  PhoneIdentity p;
  p.generation = generation;
  p.bot_name = "LOA.i";
  p.device_id = "ccbd8eee1012327e";
  p.version = generation == Generation::kV32 ? "3.2.1" : "3.3.2";
  p.device_ip = "100.64.0.7";
  p.secret_key = "test-secret-key-0123456789";
  p.salt = "test-salt-16char";
  return p;
}

// bot-protocol.md 2.2, the v3.2.x handshake.
TEST(ClientFramesTest, V32HandshakeMatchesReference) {
  EXPECT_EQ(BuildHandshakeLine(ReferencePhone(Generation::kV32), kT0),
            R"J({"clientType":"MessengerBotR","botName":"LOA.i","version":"3.2.1","deviceID":"ccbd8eee1012327e","deviceIP":"100.64.0.7","deviceInfo":"samsung SM-G991N (Android 13, API 33)"})J"
            "\n");
}

// bot-protocol.md 2.2, the v3.3.x envelope handshake.
TEST(ClientFramesTest, V33HandshakeMatchesReference) {
  EXPECT_EQ(BuildHandshakeLine(ReferencePhone(Generation::kV33), kT0),
            R"J({"event":"handshake","data":{"clientType":"MessengerBotR","botName":"LOA.i","version":"3.3.2","deviceID":"ccbd8eee1012327e","deviceIP":"100.64.0.7","deviceInfo":"samsung SM-G991N (Android 13, API 33)","timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","message_positions":[0,0]}})J"
            "\n");
}

ChatMessage ReferenceChat() {
  ChatMessage m;
  m.room = "테스트방";
  m.text = "# echo 안녕";
  m.channel_id = "18445682959392711";
  m.sender = "홍길동";
  m.is_group_chat = true;
  m.log_id = "3155889281717409792";
  m.user_hash = "abc";
  return m;
}

// bot-protocol.md 3.2; the auth block is checked separately below.
TEST(ClientFramesTest, V33MessageMatchesReference) {
  ChatMessage m = ReferenceChat();
  m.auth.mode = AuthOptions::Mode::kOmitted;
  EXPECT_EQ(BuildChatLine(ReferencePhone(Generation::kV33), m, kT0),
            R"J({"event":"message","data":{"room":"테스트방","channel_id":"18445682959392711","message_type":"text","content_encoding":"base64","message_positions":[0,20],"timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","sender":"홍길동","is_group_chat":true,"log_id":"3155889281717409792","user_hash":"abc","is_mention":false,"bot_name":"LOA.i","client_type":"MessengerBotR"}})J"
            "IyBlY2hvIOyViOuFlQ==\n");
}

TEST(ClientFramesTest, V33MessageWithNullsAndSignedAuth) {
  ChatMessage m = ReferenceChat();
  m.channel_id.reset();
  m.log_id.reset();
  m.user_hash.reset();
  m.auth.timestamp_ms = kT0;
  EXPECT_EQ(
      BuildChatLine(ReferencePhone(Generation::kV33), m, kT0),
      R"J({"event":"message","data":{"room":"테스트방","channel_id":null,"message_type":"text","content_encoding":"base64","message_positions":[0,20],"timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","sender":"홍길동","is_group_chat":true,"log_id":null,"user_hash":null,"is_mention":false,"bot_name":"LOA.i","client_type":"MessengerBotR",)J"
      R"J("auth":{"clientType":"MessengerBotR","botName":"LOA.i","deviceUUID":"unknown","deviceID":"ccbd8eee1012327e","macAddress":"02:00:00:00:00:00","ipAddress":"100.64.0.7","timestamp":1753232400000,"version":"3.3.2","signature":"2c779864e457eb36679a09b8893f3d9388c2317834424710ecb5db2d9db9e02a"}}})J"
      "IyBlY2hvIOyViOuFlQ==\n");
}

// bot-protocol.md 3.3, the v3.2 `analyze` (local time; userHash dropped
// when the author has none, as JSON.stringify drops undefined).
TEST(ClientFramesTest, V32AnalyzeMatchesReference) {
  ChatMessage m;
  m.room = "R";
  m.text = "# echo hi";
  m.sender = "s";
  m.is_group_chat = false;
  m.channel_id = "42";
  m.log_id = "1";
  m.user_hash = "u";
  m.auth.mode = AuthOptions::Mode::kOmitted;
  EXPECT_EQ(BuildChatLine(ReferencePhone(Generation::kV32), m, kT0),
            R"J({"event":"analyze","data":{"room":"R","text":"# echo hi","sender":"s","isGroupChat":false,"channelId":"42","logId":"1","userHash":"u","isMention":false,"timestamp":"2025-07-23 10:00:00","botName":"LOA.i","clientType":"MessengerBotR"}})J"
            "\n");
  m.user_hash.reset();
  m.text = "line1\nline2";
  EXPECT_EQ(BuildChatLine(ReferencePhone(Generation::kV32), m, kT0),
            R"J({"event":"analyze","data":{"room":"R","text":"line1\nline2","sender":"s","isGroupChat":false,"channelId":"42","logId":"1","isMention":false,"timestamp":"2025-07-23 10:00:00","botName":"LOA.i","clientType":"MessengerBotR"}})J"
            "\n");
}

std::string AuthJson(const std::string& line) {
  const size_t start = line.find(R"J("auth":)J");
  const size_t end = line.find('}', start);
  return line.substr(start, end - start + 1);
}

TEST(ClientFramesTest, AuthOptions) {
  const PhoneIdentity phone = ReferencePhone(Generation::kV33);
  ChatMessage m = ReferenceChat();
  m.auth.timestamp_ms = kT0;
  const std::string good = AuthJson(BuildChatLine(phone, m, kT0 + 5000));
  EXPECT_NE(good.find(R"J("timestamp":1753232400000)J"), std::string::npos) << good;
  EXPECT_NE(good.find("2c779864e457eb36679a09b8893f3d9388c2317834424710ecb5db2d9db9e02a"),
            std::string::npos);

  m.auth.mode = AuthOptions::Mode::kCorruptSignature;
  const std::string bad = AuthJson(BuildChatLine(phone, m, kT0));
  EXPECT_NE(bad.find("2c779864e457eb36679a09b8893f3d9388c2317834424710ecb5db2d9db9e020"),
            std::string::npos)
      << bad;

  m.auth.mode = AuthOptions::Mode::kSigned;
  m.auth.bot_name = "OTHER";
  const std::string other = AuthJson(BuildChatLine(phone, m, kT0));
  EXPECT_NE(other.find(R"J("botName":"OTHER")J"), std::string::npos);
  EXPECT_EQ(other.find("2c779864e457eb36679a09b8893f3d9388c2317834424710ecb5db2d9db9e02a"),
            std::string::npos);

  m.auth.timestamp_ms.reset();
  const std::string now = AuthJson(BuildChatLine(phone, m, kT0 + 1234));
  EXPECT_NE(now.find(R"J("timestamp":1753232401234)J"), std::string::npos) << now;
}

AuthOptions Unsigned() {
  AuthOptions options;
  options.mode = AuthOptions::Mode::kOmitted;
  return options;
}

TEST(ClientFramesTest, PongOfV333MatchesReferenceShape) {
  PingEcho echo{"LOA.i", R"J("2025-07-23 10:32:45.450")J"};
  const AuthOptions no_auth = Unsigned();
  EXPECT_EQ(
      BuildPingReplyLine(ReferencePhone(Generation::kV33), PingReplyStyle::kPong, echo, Monitoring{},
                         no_auth, kT0),
      R"J({"event":"pong","data":{"bot_name":"LOA.i","server_timestamp":"2025-07-23 10:32:45.450","monitoring":{"total_memory":256,"memory_usage":30.5,"memory_percent":11.9,"message_queue_size":0,"active_rooms":3},"timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","message_positions":[0,0]}})J"
      "\n");
}

TEST(ClientFramesTest, PingRepliesOfOlderScripts) {
  const AuthOptions no_auth = Unsigned();
  // v3.3.0-3.3.2: same data under `ping`; a missing bot_name falls back to
  // the configured one and an integer server_timestamp is echoed as is.
  EXPECT_EQ(BuildPingReplyLine(ReferencePhone(Generation::kV33), PingReplyStyle::kPing,
                               PingEcho{std::nullopt, "1721700000000"}, std::nullopt, no_auth, kT0),
            R"J({"event":"ping","data":{"bot_name":"LOA.i","server_timestamp":1721700000000,"timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","message_positions":[0,0]}})J"
            "\n");
  // v3.2: no envelope fields; bot_name only if the ping had one; a missing
  // server_timestamp is dropped by JSON.stringify.
  EXPECT_EQ(BuildPingReplyLine(ReferencePhone(Generation::kV32), PingReplyStyle::kPing,
                               PingEcho{}, Monitoring{}, no_auth, kT0),
            R"J({"event":"ping","data":{"monitoring":{"total_memory":256,"memory_usage":30.5,"memory_percent":11.9,"message_queue_size":0,"active_rooms":3}}})J"
            "\n");
}

TEST(ClientFramesTest, EveryFrameIsOneValidJsonLine) {
  simdjson::dom::parser parser;
  for (Generation g : {Generation::kV32, Generation::kV33}) {
    const PhoneIdentity phone = ReferencePhone(g);
    ChatMessage m = ReferenceChat();
    m.text = "multi\nline \"quoted\" 😀";
    for (const std::string& line :
         {BuildHandshakeLine(phone, kT0), BuildChatLine(phone, m, kT0),
          BuildPingReplyLine(phone, PingReplyStyle::kPong, PingEcho{"LOA.i", "\"x\""}, Monitoring{},
                             AuthOptions{}, kT0)}) {
      ASSERT_EQ(line.back(), '\n');
      EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
      const std::string json = line.substr(0, line.rfind('}') + 1);
      EXPECT_EQ(parser.parse(json).error(), simdjson::SUCCESS) << line;
    }
  }
}

}  // namespace
}  // namespace botrelay::testbot
