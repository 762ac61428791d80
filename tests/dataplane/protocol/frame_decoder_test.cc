#include "dataplane/protocol/frame_decoder.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dataplane/protocol/base64.h"
#include "tests/dataplane/protocol/padded_line.h"

namespace botrelay::protocol {
namespace {

using testing::PaddedLine;

// Fixtures taken from the reference (bot-protocol.md §2.2, §2.7, §3.2, §3.3, §3.6).
constexpr std::string_view kV32Handshake =
    R"json({"clientType":"MessengerBotR","botName":"LOA.i","version":"3.2.1","deviceID":"ccbd8eee1012327e","deviceIP":"100.64.0.7","deviceInfo":"samsung SM-G991N (Android 13, API 33)"})json";
constexpr std::string_view kV33Handshake =
    R"json({"event":"handshake","data":{"clientType":"MessengerBotR","botName":"LOA.i","version":"3.3.2","deviceID":"ccbd8eee1012327e","deviceIP":"100.64.0.7","deviceInfo":"samsung SM-G991N (Android 13, API 33)","timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","message_positions":[0,0]}})json";
constexpr std::string_view kAuth =
    R"("auth":{"clientType":"MessengerBotR","botName":"LOA.i","deviceUUID":"unknown","deviceID":"ccbd8eee1012327e","macAddress":"02:00:00:00:00:00","ipAddress":"100.64.0.7","timestamp":1721700000000,"version":"3.3.2","signature":"c42527f00152309779e94cadedbec77d5999370f7a13da6abb48ca9f03790f08"})";
constexpr std::string_view kMonitoring =
    R"("monitoring":{"total_memory":256.0,"memory_usage":30.5,"memory_percent":11.9,"message_queue_size":0,"active_rooms":3})";

std::string V33Message() {
  return std::string(
             R"({"event":"message","data":{"room":"테스트방","channel_id":"18445682959392711","message_type":"text","content_encoding":"base64","message_positions":[0,20],"timestamp":"2025-07-23T01:00:00.000Z","timezone":"Asia/Seoul","sender":"홍길동","is_group_chat":true,"log_id":"3155889281717409792","user_hash":"abc123","is_mention":false,"bot_name":"LOA.i","client_type":"MessengerBotR",)") +
         std::string(kAuth) + "}}IyBlY2hvIOyViOuFlQ==";
}

std::string V32Analyze() {
  return std::string(
             R"({"event":"analyze","data":{"room":"R","text":"# echo hi","sender":"s","isGroupChat":false,"channelId":"42","logId":"1","userHash":"u","isMention":true,"timestamp":"2025-07-23 10:00:00","botName":"LOA.i","clientType":"MessengerBotR",)") +
         std::string(kAuth) + "}}";
}

std::string Pong() {
  return R"({"event":"pong","data":{"bot_name":"LOA.i","server_timestamp":"2025-07-23 10:32:45.450",)" +
         std::string(kMonitoring) + "," + std::string(kAuth) +
         R"(,"timestamp":"2025-07-23T01:32:45.812Z","timezone":"Asia/Seoul","message_positions":[0,0]}})";
}

// A v3.3 `message` line: `fields` (JSON members, no braces) plus a base64
// tail carrying `text`.
std::string MessageLine(std::string_view fields, std::string_view text) {
  std::string tail;
  Base64Encode(text, tail);
  return R"({"event":"message","data":{)" + std::string(fields) +
         R"(,"content_encoding":"base64","message_positions":[0,)" + std::to_string(tail.size()) +
         "]}}" + tail;
}

std::string AnalyzeLine(std::string_view fields) {
  return R"({"event":"analyze","data":{)" + std::string(fields) + "}}";
}

std::string PingReplyLine(std::string_view fields) {
  return R"({"event":"ping","data":{)" + std::string(fields) + "}}";
}

std::string Repeat(std::string_view piece, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out.append(piece);
  return out;
}

class FrameDecoderTest : public ::testing::Test {
 protected:
  DecodeResult Decode(std::string_view line) {
    line_ = std::make_unique<PaddedLine>(line);  // outlives the views in frame_
    return decoder_.Decode(line_->view(), frame_);
  }

  void ExpectOk(std::string_view line, FrameKind kind) {
    const DecodeResult result = Decode(line);
    ASSERT_TRUE(result.ok) << ErrorCodeName(result.code) << ": " << result.detail << "\n" << line;
    ASSERT_EQ(frame_.kind, kind);
  }

  void ExpectError(std::string_view line, ErrorCode code) {
    const DecodeResult result = Decode(line);
    EXPECT_FALSE(result.ok) << line;
    EXPECT_EQ(result.code, code) << "got " << ErrorCodeName(result.code) << " (" << result.detail
                                 << ") for " << line;
    EXPECT_FALSE(result.detail.empty());
  }

  FrameDecoder decoder_;
  DecodedFrame frame_;
  std::unique_ptr<PaddedLine> line_;
};

// ---- handshake ----------------------------------------------------------

TEST_F(FrameDecoderTest, LegacyFlatHandshakeIsV32) {
  ExpectOk(kV32Handshake, FrameKind::kHandshake);
  const HandshakeFrame& h = frame_.handshake;
  EXPECT_EQ(h.generation, ClientGeneration::kV32);
  EXPECT_EQ(h.bot_name, "LOA.i");
  EXPECT_EQ(h.device_id, "ccbd8eee1012327e");
  EXPECT_EQ(h.version, "3.2.1");
  EXPECT_EQ(h.client_type, "MessengerBotR");
  EXPECT_EQ(h.device_ip, "100.64.0.7");
  EXPECT_EQ(h.device_info, "samsung SM-G991N (Android 13, API 33)");
}

TEST_F(FrameDecoderTest, EnvelopeHandshakeIsV33) {
  ExpectOk(kV33Handshake, FrameKind::kHandshake);
  const HandshakeFrame& h = frame_.handshake;
  EXPECT_EQ(h.generation, ClientGeneration::kV33);
  EXPECT_EQ(h.bot_name, "LOA.i");
  EXPECT_EQ(h.device_id, "ccbd8eee1012327e");
  EXPECT_EQ(h.version, "3.3.2");
  EXPECT_EQ(h.device_ip, "100.64.0.7");
}

TEST_F(FrameDecoderTest, FlatHandshakeWithEventButNoDataIsV32) {
  ExpectOk(R"({"event":"handshake","botName":"B","deviceID":"D","version":"3.2.1"})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.generation, ClientGeneration::kV32);
  EXPECT_EQ(frame_.handshake.bot_name, "B");
}

TEST_F(FrameDecoderTest, SideBranchFlatHandshakeWithProtocolVersionIsV33) {
  ExpectOk(
      R"({"clientType":"MessengerBotR","botName":"B","deviceID":"D","version":"3.3.0","protocolVersion":3,"supportedMessageTypes":["text","image"]})",
      FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.generation, ClientGeneration::kV33);

  ExpectOk(R"({"botName":"B","deviceID":"D","version":"3.3.0","protocolVersion":3.5})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.generation, ClientGeneration::kV33);

  ExpectOk(R"({"botName":"B","deviceID":"D","version":"3.2.0","protocolVersion":2})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.generation, ClientGeneration::kV32);

  ExpectOk(R"({"botName":"B","deviceID":"D","version":"3.3.0","protocolVersion":"3"})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.generation, ClientGeneration::kV32);
}

TEST_F(FrameDecoderTest, HandshakeOptionalFieldsDefault) {
  ExpectOk(R"({"event":"handshake","data":{"botName":"B","deviceID":"unknown","version":"3.3.2"}})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.client_type, "MessengerBotR");
  EXPECT_EQ(frame_.handshake.device_ip, "unknown");
  EXPECT_EQ(frame_.handshake.device_info, "");
  EXPECT_EQ(frame_.handshake.device_id, "unknown");

  ExpectOk(R"({"botName":"B","deviceID":"D","version":"3","clientType":null,"deviceIP":7})",
           FrameKind::kHandshake);
  EXPECT_EQ(frame_.handshake.client_type, "MessengerBotR");
  EXPECT_EQ(frame_.handshake.device_ip, "unknown");
}

TEST_F(FrameDecoderTest, HandshakeRequiresNonEmptyStrings) {
  for (std::string_view line : {
           R"({"deviceID":"D","version":"3.2.1"})",
           R"({"botName":"","deviceID":"D","version":"3.2.1"})",
           R"({"botName":"B","version":"3.2.1"})",
           R"({"botName":"B","deviceID":null,"version":"3.2.1"})",
           R"({"botName":"B","deviceID":"D"})",
           R"({"botName":"B","deviceID":"D","version":321})",
           R"({"event":"handshake","data":{"botName":"B","deviceID":"D"}})",
           R"({"event":"handshake","data":{"botName":"B","deviceID":"","version":"3.3.2"}})",
           R"({})",
       }) {
    ExpectError(line, ErrorCode::kMissingField);
  }
}

TEST_F(FrameDecoderTest, HandshakeEnvelopeWithNonObjectDataIsMissingField) {
  ExpectError(R"({"event":"handshake","data":"x"})", ErrorCode::kMissingField);
  ExpectError(R"({"event":"handshake","data":null})", ErrorCode::kMissingField);
}

// ---- message (v3.3) -----------------------------------------------------

TEST_F(FrameDecoderTest, ReferenceMessageDecodesTheBase64Tail) {
  ExpectOk(V33Message(), FrameKind::kChat);
  const ChatFrame& c = frame_.chat;
  EXPECT_EQ(c.room, "테스트방");
  EXPECT_EQ(c.text, "# echo 안녕");
  EXPECT_EQ(c.channel_id, "18445682959392711");
  EXPECT_EQ(c.sender, "홍길동");
  EXPECT_EQ(c.log_id, "3155889281717409792");
  EXPECT_EQ(c.user_hash, "abc123");
  EXPECT_EQ(c.timestamp, "2025-07-23T01:00:00.000Z");
  EXPECT_TRUE(c.is_group_chat);
  EXPECT_FALSE(c.is_mention);
  ASSERT_TRUE(c.auth.present);
  EXPECT_EQ(c.auth.client_type, "MessengerBotR");
  EXPECT_EQ(c.auth.bot_name, "LOA.i");
  EXPECT_EQ(c.auth.device_uuid, "unknown");
  EXPECT_EQ(c.auth.device_id, "ccbd8eee1012327e");
  EXPECT_EQ(c.auth.mac_address, "02:00:00:00:00:00");
  EXPECT_EQ(c.auth.ip_address, "100.64.0.7");
  EXPECT_EQ(c.auth.version, "3.3.2");
  EXPECT_EQ(c.auth.signature, "c42527f00152309779e94cadedbec77d5999370f7a13da6abb48ca9f03790f08");
  EXPECT_TRUE(c.auth.has_timestamp);
  EXPECT_EQ(c.auth.timestamp_ms, 1721700000000);
}

TEST_F(FrameDecoderTest, MessageWithoutContentEncodingTakesTheTailVerbatim) {
  ExpectOk(R"({"event":"message","data":{"room":"R","message_positions":[0,5]}}hello)",
           FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "hello");
  ExpectOk(R"({"event":"message","data":{"room":"R","content_encoding":"utf8"}}안녕 하세요)",
           FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "안녕 하세요");
}

TEST_F(FrameDecoderTest, MessageWithEmptyTailHasEmptyText) {
  ExpectOk(R"({"event":"message","data":{"room":"R","content_encoding":"base64"}})",
           FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "");
}

TEST_F(FrameDecoderTest, ChannelIdAsStringNumberOrNull) {
  ExpectOk(MessageLine(R"("room":"R","channel_id":"42")", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "42");
  ExpectOk(MessageLine(R"("room":"R","channel_id":18445682959392711)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "18445682959392711");
  ExpectOk(MessageLine(R"("room":"R","channel_id":18446744073709551615)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "18446744073709551615");
  ExpectOk(MessageLine(R"("room":"R","channel_id":-5)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "-5");
  ExpectOk(MessageLine(R"("room":"R","channel_id":1.8445682959392711e16)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "18445682959392712");  // nearest double, as JS would see it
  ExpectOk(MessageLine(R"("room":"R","channel_id":null)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "");
  ExpectOk(MessageLine(R"("room":"R")", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "");
  ExpectOk(MessageLine(R"("room":"R","channel_id":true)", "t"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "");
}

TEST_F(FrameDecoderTest, MessageAcceptsCamelCaseFieldsOfTheSideBranch) {
  ExpectOk(
      MessageLine(
          R"("room":"R","channelId":"77","sender":"S","isGroupChat":true,"logId":"L","userHash":"U","isMention":true,"botName":"B")",
          "camel"),
      FrameKind::kChat);
  const ChatFrame& c = frame_.chat;
  EXPECT_EQ(c.channel_id, "77");
  EXPECT_EQ(c.log_id, "L");
  EXPECT_EQ(c.user_hash, "U");
  EXPECT_TRUE(c.is_group_chat);
  EXPECT_TRUE(c.is_mention);
  EXPECT_EQ(c.text, "camel");
}

TEST_F(FrameDecoderTest, SnakeCaseWinsOverCamelCase) {
  ExpectOk(
      MessageLine(R"("room":"R","channel_id":"1","channelId":"2","log_id":null,"logId":"L")", "x"),
      FrameKind::kChat);
  EXPECT_EQ(frame_.chat.channel_id, "1");
  EXPECT_EQ(frame_.chat.log_id, "L");  // null counts as absent
}

TEST_F(FrameDecoderTest, FieldsInAnyOrderAndFirstOfDuplicatesWins) {
  // The decoder reads each object in one walk, expecting the phone's field
  // order; any other order must decode the same, and a repeated key keeps
  // its first value (as a lookup by key does).
  ExpectOk(MessageLine(R"("auth":{"signature":"S","timestamp":5,"botName":"B","botName":"X"},)"
                       R"("is_mention":true,"sender":"s1","sender":"s2","channel_id":null,)"
                       R"("channel_id":"9","room":"R","log_id":"L","room":"other")",
                       "t"),
           FrameKind::kChat);
  const ChatFrame& c = frame_.chat;
  EXPECT_EQ(c.room, "R");
  EXPECT_EQ(c.sender, "s1");
  EXPECT_EQ(c.channel_id, "");  // the first channel_id is null: absent
  EXPECT_EQ(c.log_id, "L");
  EXPECT_TRUE(c.is_mention);
  EXPECT_EQ(c.auth.bot_name, "B");
  EXPECT_EQ(c.auth.signature, "S");
  EXPECT_EQ(c.auth.timestamp_ms, 5);
}

TEST_F(FrameDecoderTest, OptionalChatFieldsOfTheWrongTypeReadAsEmpty) {
  ExpectOk(
      MessageLine(
          R"("room":"R","sender":5,"log_id":{},"user_hash":[],"is_mention":"yes","is_group_chat":1)",
          "x"),
      FrameKind::kChat);
  EXPECT_EQ(frame_.chat.sender, "");
  EXPECT_EQ(frame_.chat.log_id, "");
  EXPECT_EQ(frame_.chat.user_hash, "");
  EXPECT_FALSE(frame_.chat.is_mention);
  EXPECT_FALSE(frame_.chat.is_group_chat);
  EXPECT_FALSE(frame_.chat.auth.present);
}

TEST_F(FrameDecoderTest, MessageRequiresRoom) {
  ExpectError(MessageLine(R"("channel_id":"1")", "x"), ErrorCode::kMissingField);
  ExpectError(MessageLine(R"("room":"")", "x"), ErrorCode::kMissingField);
  ExpectError(MessageLine(R"("room":null)", "x"), ErrorCode::kMissingField);
  ExpectError(MessageLine(R"("room":12)", "x"), ErrorCode::kMissingField);
}

TEST_F(FrameDecoderTest, MessageRequiresDataObject) {
  ExpectError(R"({"event":"message"}aGk=)", ErrorCode::kMissingField);
  ExpectError(R"({"event":"message","data":[1]}aGk=)", ErrorCode::kMissingField);
  ExpectError(R"({"event":"message","data":null})", ErrorCode::kMissingField);
}

TEST_F(FrameDecoderTest, InvalidBase64TailIsInvalidPayload) {
  ExpectError(R"({"event":"message","data":{"room":"R","content_encoding":"base64"}}not base64!)",
              ErrorCode::kInvalidPayload);
  ExpectError(R"({"event":"message","data":{"room":"R","content_encoding":"base64"}}aGkx=)",
              ErrorCode::kInvalidPayload);
  ExpectError(R"({"event":"message","data":{"room":"R","content_encoding":"base64"}}aG=k)",
              ErrorCode::kInvalidPayload);
}

TEST_F(FrameDecoderTest, DecodedTextMustBeUtf8) {
  ExpectError(MessageLine(R"("room":"R")", "bad \xFF byte"), ErrorCode::kInvalidUtf8);
  ExpectError(MessageLine(R"("room":"R")", "\xED\xA0\x80"), ErrorCode::kInvalidUtf8);
  ExpectError(MessageLine(R"("room":"R")", "cut \xEC\x95"), ErrorCode::kInvalidUtf8);
}

TEST_F(FrameDecoderTest, VerbatimTailMustBeUtf8) {
  ExpectError("{\"event\":\"message\",\"data\":{\"room\":\"R\"}}raw \xC0\xAF",
              ErrorCode::kInvalidUtf8);
}

TEST_F(FrameDecoderTest, JsonHeaderMustBeUtf8) {
  ExpectError("{\"event\":\"message\",\"data\":{\"room\":\"R\xFF\"}}aGk=", ErrorCode::kInvalidUtf8);
  ExpectError("{\"botName\":\"\xED\xA0\x80\",\"deviceID\":\"D\",\"version\":\"1\"}",
              ErrorCode::kInvalidUtf8);
}

TEST_F(FrameDecoderTest, TextLimitIsCountedInUtf16Units) {
  // 65 000 Hangul syllables: 195 000 bytes but exactly at the limit.
  ExpectOk(MessageLine(R"("room":"R")", Repeat("가", kKakaoTalkMaxTextUnits)), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text.size(), 3 * kKakaoTalkMaxTextUnits);
  ExpectError(MessageLine(R"("room":"R")", Repeat("가", kKakaoTalkMaxTextUnits + 1)),
              ErrorCode::kTextTooLong);

  // Surrogate pairs count twice.
  const std::string_view emoji = "\xF0\x9F\x98\x80";
  ExpectOk(MessageLine(R"("room":"R")", Repeat(emoji, kKakaoTalkMaxTextUnits / 2)),
           FrameKind::kChat);
  ExpectError(MessageLine(R"("room":"R")", Repeat(emoji, kKakaoTalkMaxTextUnits / 2) + "a"),
              ErrorCode::kTextTooLong);

  ExpectOk(MessageLine(R"("room":"R")", std::string(kKakaoTalkMaxTextUnits, 'a')),
           FrameKind::kChat);
  ExpectError(MessageLine(R"("room":"R")", std::string(kKakaoTalkMaxTextUnits + 1, 'a')),
              ErrorCode::kTextTooLong);
}

// ---- framing ------------------------------------------------------------

TEST_F(FrameDecoderTest, BraceInsideJsonStringsDoesNotEndTheHeader) {
  ExpectOk(MessageLine(R"("room":"{방}","sender":"}}")", "}{ text with braces }"),
           FrameKind::kChat);
  EXPECT_EQ(frame_.chat.room, "{방}");
  EXPECT_EQ(frame_.chat.sender, "}}");
  EXPECT_EQ(frame_.chat.text, "}{ text with braces }");

  ExpectOk(AnalyzeLine(R"("room":"R","text":"a } b")"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "a } b");
}

TEST_F(FrameDecoderTest, BraceInTheTailBreaksFramingAsOnTheWire) {
  // The last '}' rule puts the tail's '}' inside the header, which then is
  // no longer valid JSON (reference §8 item 12).
  ExpectError(R"({"event":"message","data":{"room":"R"}}https://x/{a})", ErrorCode::kInvalidJson);
}

TEST_F(FrameDecoderTest, TailIsIgnoredForOtherEvents) {
  ExpectOk(std::string(kV33Handshake) + "junk", FrameKind::kHandshake);
  ExpectOk(PingReplyLine(R"("server_timestamp":"x")") + "\xFF", FrameKind::kPingReply);
}

TEST_F(FrameDecoderTest, SurroundingWhitespaceAndCarriageReturnAreTrimmed) {
  ExpectOk("  \t" + V33Message() + "\r", FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "# echo 안녕");
  ExpectOk(std::string(kV32Handshake) + "\r\n", FrameKind::kHandshake);
}

TEST_F(FrameDecoderTest, BlankLinesAreEmptyLine) {
  ExpectError("", ErrorCode::kEmptyLine);
  ExpectError("   ", ErrorCode::kEmptyLine);
  ExpectError("\r", ErrorCode::kEmptyLine);
  ExpectError(" \t\r\n", ErrorCode::kEmptyLine);
}

TEST_F(FrameDecoderTest, MalformedJsonIsInvalidJson) {
  for (std::string_view line : {
           "hello",
           "[1,2,3]",
           "{\"event\":\"message\"",
           "null",
           "\"}\"",
           "[{}]",
           "{\"event\":\"message\",}",
           "{event:\"ping\",\"data\":{}}",
           "{\"a\":1} {\"b\":2}",
           "{\"a\":\"\\ud800\"}",
           "{\"a\":123456789012345678901234567890}",
           R"({"event":"message","data":{"room":"R"}}})",
       }) {
    ExpectError(line, ErrorCode::kInvalidJson);
  }
}

// ---- analyze (v3.2) -----------------------------------------------------

TEST_F(FrameDecoderTest, ReferenceAnalyzeReadsCamelCaseFields) {
  ExpectOk(V32Analyze(), FrameKind::kChat);
  const ChatFrame& c = frame_.chat;
  EXPECT_EQ(c.room, "R");
  EXPECT_EQ(c.text, "# echo hi");
  EXPECT_EQ(c.sender, "s");
  EXPECT_EQ(c.channel_id, "42");
  EXPECT_EQ(c.log_id, "1");
  EXPECT_EQ(c.user_hash, "u");
  EXPECT_FALSE(c.is_group_chat);
  EXPECT_TRUE(c.is_mention);
  EXPECT_EQ(c.timestamp, "2025-07-23 10:00:00");
  EXPECT_TRUE(c.auth.present);
  EXPECT_EQ(c.auth.timestamp_ms, 1721700000000);
}

TEST_F(FrameDecoderTest, AnalyzeUnescapesJsonText) {
  ExpectOk(AnalyzeLine(R"("room":"방","text":"줄1\n줄2 \"인용\" \ud83d\ude00")"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "줄1\n줄2 \"인용\" \xF0\x9F\x98\x80");
  EXPECT_EQ(frame_.chat.room, "방");
}

TEST_F(FrameDecoderTest, AnalyzeRequiresStringText) {
  ExpectError(AnalyzeLine(R"("room":"R")"), ErrorCode::kMissingField);
  ExpectError(AnalyzeLine(R"("room":"R","text":null)"), ErrorCode::kMissingField);
  ExpectError(AnalyzeLine(R"("room":"R","text":5)"), ErrorCode::kMissingField);
  ExpectError(AnalyzeLine(R"("text":"hi")"), ErrorCode::kMissingField);
  ExpectOk(AnalyzeLine(R"("room":"R","text":"")"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "");
}

TEST_F(FrameDecoderTest, AnalyzeTextLimit) {
  ExpectOk(AnalyzeLine(R"("room":"R","text":")" + Repeat("가", kKakaoTalkMaxTextUnits) + "\""),
           FrameKind::kChat);
  ExpectError(
      AnalyzeLine(R"("room":"R","text":")" + Repeat("가", kKakaoTalkMaxTextUnits + 1) + "\""),
      ErrorCode::kTextTooLong);
}

// ---- ping replies -------------------------------------------------------

TEST_F(FrameDecoderTest, ReferencePongReply) {
  ExpectOk(Pong(), FrameKind::kPingReply);
  const PingReplyFrame& p = frame_.ping;
  EXPECT_EQ(p.server_timestamp, "2025-07-23 10:32:45.450");
  ASSERT_TRUE(p.has_monitoring);
  EXPECT_DOUBLE_EQ(p.total_memory_mb, 256.0);
  EXPECT_DOUBLE_EQ(p.memory_usage_mb, 30.5);
  EXPECT_DOUBLE_EQ(p.memory_percent, 11.9);
  EXPECT_EQ(p.message_queue_size, 0);
  EXPECT_EQ(p.active_rooms, 3);
  EXPECT_TRUE(p.auth.present);
  EXPECT_EQ(p.auth.signature, "c42527f00152309779e94cadedbec77d5999370f7a13da6abb48ca9f03790f08");
}

TEST_F(FrameDecoderTest, LegacyPingReply) {
  ExpectOk(PingReplyLine(R"("bot_name":"LOA.i","server_timestamp":"2025-07-23 10:32:45.450",)" +
                         std::string(kMonitoring) + "," + std::string(kAuth)),
           FrameKind::kPingReply);
  EXPECT_EQ(frame_.ping.server_timestamp, "2025-07-23 10:32:45.450");
  EXPECT_EQ(frame_.ping.active_rooms, 3);
  EXPECT_TRUE(frame_.ping.auth.present);
}

TEST_F(FrameDecoderTest, PingReplyServerTimestampAsNumber) {
  ExpectOk(PingReplyLine(R"("server_timestamp":1753234365450)"), FrameKind::kPingReply);
  EXPECT_EQ(frame_.ping.server_timestamp, "1753234365450");
  ExpectOk(PingReplyLine(R"("server_timestamp":1753234365450.0)"), FrameKind::kPingReply);
  EXPECT_EQ(frame_.ping.server_timestamp, "1753234365450");
  ExpectOk(PingReplyLine(R"("server_timestamp":1.5)"), FrameKind::kPingReply);
  EXPECT_EQ(frame_.ping.server_timestamp, "1.5");
  ExpectOk(PingReplyLine(R"("bot_name":"B")"), FrameKind::kPingReply);
  EXPECT_EQ(frame_.ping.server_timestamp, "");
  EXPECT_FALSE(frame_.ping.has_monitoring);
  EXPECT_FALSE(frame_.ping.auth.present);
}

TEST_F(FrameDecoderTest, PingReplyMonitoringVariants) {
  ExpectOk(PingReplyLine(R"("monitoring":{})"), FrameKind::kPingReply);
  EXPECT_TRUE(frame_.ping.has_monitoring);
  EXPECT_EQ(frame_.ping.total_memory_mb, 0);
  ExpectOk(PingReplyLine(
               R"("monitoring":{"total_memory":512,"message_queue_size":4.0,"active_rooms":"3"})"),
           FrameKind::kPingReply);
  EXPECT_DOUBLE_EQ(frame_.ping.total_memory_mb, 512);
  EXPECT_EQ(frame_.ping.message_queue_size, 4);
  EXPECT_EQ(frame_.ping.active_rooms, 0);
  ExpectOk(PingReplyLine(R"("monitoring":null)"), FrameKind::kPingReply);
  EXPECT_FALSE(frame_.ping.has_monitoring);
  ExpectOk(PingReplyLine(R"("monitoring":[1])"), FrameKind::kPingReply);
  EXPECT_FALSE(frame_.ping.has_monitoring);
}

TEST_F(FrameDecoderTest, PingReplyRequiresDataObject) {
  ExpectError(R"({"event":"pong"})", ErrorCode::kMissingField);
  ExpectError(R"({"event":"ping","data":"x"})", ErrorCode::kMissingField);
}

// ---- auth block ---------------------------------------------------------

TEST_F(FrameDecoderTest, AuthNullAndAbsentStringsReadAsEmpty) {
  ExpectOk(
      PingReplyLine(
          R"("auth":{"clientType":null,"botName":"B","deviceUUID":null,"timestamp":1721700000000,"signature":"s"})"),
      FrameKind::kPingReply);
  const AuthBlock& a = frame_.ping.auth;
  EXPECT_TRUE(a.present);
  EXPECT_EQ(a.client_type, "");
  EXPECT_EQ(a.bot_name, "B");
  EXPECT_EQ(a.device_uuid, "");
  EXPECT_EQ(a.mac_address, "");
  EXPECT_EQ(a.ip_address, "");
  EXPECT_EQ(a.device_id, "");
  EXPECT_EQ(a.version, "");
  EXPECT_EQ(a.signature, "s");
  EXPECT_TRUE(a.has_timestamp);
}

TEST_F(FrameDecoderTest, AuthTimestampForms) {
  ExpectOk(PingReplyLine(R"("auth":{"timestamp":1721700000000.0})"), FrameKind::kPingReply);
  EXPECT_TRUE(frame_.ping.auth.has_timestamp);
  EXPECT_EQ(frame_.ping.auth.timestamp_ms, 1721700000000);

  for (std::string_view bad :
       {R"("auth":{"timestamp":"1721700000000"})", R"("auth":{"timestamp":1721700000000.5})",
        R"("auth":{"timestamp":null})", R"("auth":{})", R"("auth":{"timestamp":1e300})",
        R"("auth":{"timestamp":18446744073709551615})"}) {
    ExpectOk(PingReplyLine(bad), FrameKind::kPingReply);
    EXPECT_TRUE(frame_.ping.auth.present) << bad;
    EXPECT_FALSE(frame_.ping.auth.has_timestamp) << bad;
  }
}

TEST_F(FrameDecoderTest, AuthThatIsNotAnObjectIsAbsent) {
  ExpectOk(MessageLine(R"("room":"R","auth":"token")", "x"), FrameKind::kChat);
  EXPECT_FALSE(frame_.chat.auth.present);
  ExpectOk(MessageLine(R"("room":"R","auth":null)", "x"), FrameKind::kChat);
  EXPECT_FALSE(frame_.chat.auth.present);
}

// ---- events -------------------------------------------------------------

TEST_F(FrameDecoderTest, UnknownEvents) {
  ExpectError(R"({"event":"broadcastMessage","data":{}})", ErrorCode::kUnknownEvent);
  ExpectError(R"({"event":"status"})", ErrorCode::kUnknownEvent);
  ExpectError(R"({"event":"","data":{}})", ErrorCode::kUnknownEvent);
  ExpectError(R"({"event":"Message","data":{"room":"R"}})", ErrorCode::kUnknownEvent);
}

TEST_F(FrameDecoderTest, NonStringEventIsMissingField) {
  ExpectError(R"({"event":7,"data":{}})", ErrorCode::kMissingField);
  ExpectError(R"({"event":{"name":"ping"},"data":{}})", ErrorCode::kMissingField);
}

// ---- reuse --------------------------------------------------------------

TEST_F(FrameDecoderTest, StateDoesNotLeakBetweenLines) {
  ExpectOk(V33Message(), FrameKind::kChat);
  ExpectOk(MessageLine(R"("room":"R2")", "second"), FrameKind::kChat);
  EXPECT_EQ(frame_.chat.text, "second");
  EXPECT_EQ(frame_.chat.channel_id, "");
  EXPECT_FALSE(frame_.chat.auth.present);
  EXPECT_FALSE(frame_.chat.is_group_chat);
  ExpectError(MessageLine(R"("room":"")", "x"), ErrorCode::kMissingField);
  ExpectOk(kV32Handshake, FrameKind::kHandshake);
  EXPECT_EQ(frame_.chat.room, "");
}

TEST_F(FrameDecoderTest, ManyLinesThroughOneDecoder) {
  for (int i = 0; i < 200; ++i) {
    const std::string text = "메시지 " + std::to_string(i) + Repeat("가나다", i);
    ExpectOk(MessageLine(R"("room":"R","channel_id":)" + std::to_string(i), text),
             FrameKind::kChat);
    ASSERT_EQ(frame_.chat.text, text);
    ASSERT_EQ(frame_.chat.channel_id, std::to_string(i));
  }
}

}  // namespace
}  // namespace botrelay::protocol
