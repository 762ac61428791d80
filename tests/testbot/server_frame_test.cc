#include "tests/testbot/server_frame.h"

#include <gtest/gtest.h>

#include "tests/testbot/base64.h"

namespace botrelay::testbot {
namespace {

// Wire bytes from bot-protocol.md 2.5 (Python's json.dumps spacing).
constexpr char kHandshakeComplete[] =
    R"J({"event": "handshakeComplete", "data": {"success": true, "approved": false, "message": "디바이스가 승인 대기 상태로 등록되었습니다", "server_version": "1.0.0", "timestamp": "2025-07-23T01:32:45.248415+00:00", "timezone": "Asia/Seoul", "message_positions": [0, 0]}})J";

// bot-protocol.md 3.4.
constexpr char kTextReply[] =
    R"J({"event": "messageResponse", "data": {"room": "R", "channel_id": "42", "bot_name": "OLD", "message_type": "text", "timestamp": "2025-07-23T01:32:47.757786+00:00", "timezone": "Asia/Seoul", "content_encoding": "base64", "message_positions": [0, 20]}}7JeQ7L2UOiBsZWdhY3k=)J";

// bot-protocol.md 3.6.
constexpr char kPing[] =
    R"J({"event": "ping", "data": {"bot_name": "LOA.i", "channel_id": "ping", "room": "PING", "user_hash": "system", "server_timestamp": "2025-07-23 10:32:45.450", "text": ""}})J";

TEST(ServerFrameTest, HandshakeCompleteBothGenerations) {
  for (Generation g : {Generation::kV32, Generation::kV33}) {
    auto frame = ParseServerLine(kHandshakeComplete, g);
    ASSERT_TRUE(frame.ok()) << frame.status();
    EXPECT_EQ(frame->event(), "handshakeComplete");
    EXPECT_EQ(frame->Bool("success"), true);
    EXPECT_EQ(frame->Bool("approved"), false);
    EXPECT_EQ(frame->String("message"), "디바이스가 승인 대기 상태로 등록되었습니다");
    EXPECT_FALSE(frame->text().has_value());
    EXPECT_TRUE(frame->tail().empty());
  }
}

TEST(ServerFrameTest, V33TextReplyDecodesTail) {
  auto frame = ParseServerLine(kTextReply, Generation::kV33);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->event(), "messageResponse");
  EXPECT_EQ(frame->tail(), "7JeQ7L2UOiBsZWdhY3k=");
  EXPECT_EQ(frame->text(), "에코: legacy");
  EXPECT_EQ(frame->String("room"), "R");
  EXPECT_EQ(frame->String("channel_id"), "42");
}

TEST(ServerFrameTest, RawTailIsUnusableForV32) {
  auto frame = ParseServerLine(kTextReply, Generation::kV32);
  EXPECT_TRUE(absl::IsDataLoss(frame.status())) << frame.status();
}

TEST(ServerFrameTest, V32TextReplyUsesDataText) {
  auto frame = ParseServerLine(
      R"J({"event":"messageResponse","data":{"room":"R","channel_id":"42","text":"에코: hi"}})J",
      Generation::kV32);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->text(), "에코: hi");
  // v3.2 scripts ignore scheduleMessage.
  auto scheduled = ParseServerLine(
      R"J({"event":"scheduleMessage","data":{"room":"R","text":"x"}})J", Generation::kV32);
  ASSERT_TRUE(scheduled.ok());
  EXPECT_FALSE(scheduled->text().has_value());
}

TEST(ServerFrameTest, V32MediaPrefixesSplitAtTripleBar) {
  auto frame = ParseServerLine(
      R"J({"event":"messageResponse","data":{"room":"R","text":"MEDIA_URL:http://a/1.png|||http://a/2.png"}})J",
      Generation::kV32);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_FALSE(frame->text().has_value());
  EXPECT_EQ(frame->media(), (std::vector<std::string>{"http://a/1.png", "http://a/2.png"}));
}

TEST(ServerFrameTest, V33MediaSplitByPositions) {
  const std::string a = Base64Encode("first"), b = Base64Encode("second image");
  const std::string line =
      R"J({"event":"scheduleMessage","data":{"room":"R","channel_id":"1","message_type":"image","message_positions":[0,)J" +
      std::to_string(a.size()) + "," + std::to_string(a.size() + b.size()) + "]}}" + a + b;
  auto frame = ParseServerLine(line, Generation::kV33);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->media(), (std::vector<std::string>{a, b}));
  // A single payload ignores N and takes the whole tail.
  auto single = ParseServerLine(
      R"J({"event":"messageResponse","data":{"room":"R","message_type":"image","message_positions":[0,3]}})J" + a,
      Generation::kV33);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->media(), (std::vector<std::string>{a}));
}

TEST(ServerFrameTest, V33IgnoresEmptyPositions) {
  auto frame = ParseServerLine(
      R"J({"event":"messageResponse","data":{"room":"R","message_type":"text","content_encoding":"base64","message_positions":[0,0]}})J",
      Generation::kV33);
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->text().has_value());
}

TEST(ServerFrameTest, PingEchoFields) {
  auto frame = ParseServerLine(kPing, Generation::kV33);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->event(), "ping");
  EXPECT_EQ(frame->RawJson("server_timestamp"), R"J("2025-07-23 10:32:45.450")J");
  EXPECT_EQ(frame->String("bot_name"), "LOA.i");
  EXPECT_FALSE(frame->RawJson("absent").has_value());
}

TEST(ServerFrameTest, ErrorEventCode) {
  auto frame = ParseServerLine(
      R"J({"event":"error","data":{"code":"invalid_json","message":"x","message_positions":[0,0]}})J",
      Generation::kV32);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->error_code(), "invalid_json");
}

TEST(ServerFrameTest, RejectsWhatThePhoneCannotRead) {
  for (Generation g : {Generation::kV32, Generation::kV33}) {
    EXPECT_TRUE(absl::IsDataLoss(ParseServerLine("no json here", g).status()));
    EXPECT_TRUE(absl::IsDataLoss(ParseServerLine(R"J({"event":"ping"})J", g).status()));
    EXPECT_TRUE(absl::IsDataLoss(ParseServerLine(R"J({"event":"ping","data":null})J", g).status()));
    EXPECT_TRUE(absl::IsDataLoss(ParseServerLine(R"J({"data":{}})J", g).status()));
    EXPECT_TRUE(absl::IsDataLoss(
        ParseServerLine("{\"event\":\"ping\",\"data\":{\"text\":\"a\rb\"}}", g).status()));
  }
  // A tail that is not base64 cannot be a text for the phone.
  EXPECT_TRUE(absl::IsDataLoss(
      ParseServerLine(
          R"J({"event":"messageResponse","data":{"room":"R","message_type":"text","content_encoding":"base64","message_positions":[0,4]}})J"
          "@@@@",
          Generation::kV33)
          .status()));
}

TEST(ServerFrameTest, CopiesShareTheParsedDocument) {
  std::optional<ServerFrame> kept;
  {
    auto frame = ParseServerLine(kHandshakeComplete, Generation::kV33);
    ASSERT_TRUE(frame.ok());
    kept = *frame;
  }
  EXPECT_EQ(kept->String("server_version"), "1.0.0");
}

}  // namespace
}  // namespace botrelay::testbot
