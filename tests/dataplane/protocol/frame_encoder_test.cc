#include "dataplane/protocol/frame_encoder.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "dataplane/protocol/base64.h"

namespace botrelay::protocol {
namespace {

constexpr int64_t kNow = 1753234365248;  // 2025-07-23T01:32:45.248Z
const ReplyTarget kTarget{"테스트방", "18445682959392711", "LOA.i"};

// Splits one encoded frame the way the v3.3 client does (last '}') and
// parses its JSON header with simdjson.
class ParsedFrame {
 public:
  explicit ParsedFrame(std::string_view frame) {
    EXPECT_FALSE(frame.empty());
    EXPECT_EQ(frame.back(), '\n') << frame;
    frame.remove_suffix(1);
    EXPECT_EQ(frame.find('\n'), std::string_view::npos) << "LF inside frame: " << frame;
    EXPECT_EQ(frame.find('\r'), std::string_view::npos) << "CR inside frame: " << frame;
    const size_t end = frame.rfind('}');
    header_ = std::string(frame.substr(0, end + 1));
    tail_ = std::string(frame.substr(end + 1));
    const auto error = parser_.parse(header_).get(root_);
    EXPECT_EQ(error, simdjson::SUCCESS) << header_;
    EXPECT_EQ(root_["data"].get_object().error(), simdjson::SUCCESS) << "data must be an object";
  }

  std::string_view Event() { return String(root_["event"]); }
  std::string_view Data(std::string_view key) { return String(root_["data"][key]); }
  bool Has(std::string_view key) { return root_["data"][key].error() == simdjson::SUCCESS; }
  int64_t DataInt(std::string_view key) {
    int64_t value = -1;
    EXPECT_EQ(root_["data"][key].get_int64().get(value), simdjson::SUCCESS) << key;
    return value;
  }
  bool DataBool(std::string_view key) {
    bool value = false;
    EXPECT_EQ(root_["data"][key].get_bool().get(value), simdjson::SUCCESS) << key;
    return value;
  }
  std::vector<int64_t> Positions() {
    std::vector<int64_t> positions;
    simdjson::dom::array array;
    if (root_["data"]["message_positions"].get_array().get(array) != simdjson::SUCCESS) {
      return positions;
    }
    for (simdjson::dom::element item : array) positions.push_back(item.get_int64().value_unsafe());
    return positions;
  }
  const std::string& header() const { return header_; }
  const std::string& tail() const { return tail_; }

 private:
  static std::string_view String(simdjson::simdjson_result<simdjson::dom::element> element) {
    std::string_view value;
    EXPECT_EQ(element.get_string().get(value), simdjson::SUCCESS);
    return value;
  }

  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  std::string header_;
  std::string tail_;
};

// The legacy client JSON.parses the whole line: it must be one JSON object.
void ExpectWholeLineIsJson(std::string_view frame) {
  ASSERT_EQ(frame.back(), '\n');
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  EXPECT_EQ(parser.parse(std::string(frame.substr(0, frame.size() - 1))).get_object().get(object),
            simdjson::SUCCESS)
      << frame;
}

// ---- text replies -------------------------------------------------------

TEST(FrameEncoderTest, V33TextReplyMatchesTheWireShape) {
  std::string out;
  AppendTextReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, {"R", "42", "OLD"},
                  "에코: legacy", kNow);
  EXPECT_EQ(
      out,
      R"({"event":"messageResponse","data":{"room":"R","channel_id":"42","bot_name":"OLD","message_type":"text","timestamp":"2025-07-23T01:32:45.248Z","timezone":"Asia/Seoul","content_encoding":"base64","message_positions":[0,20]}}7JeQ7L2UOiBsZWdhY3k=)"
      "\n");
}

TEST(FrameEncoderTest, V33TextReplyRoundTrips) {
  const std::string text = "여러 줄\n\"인용\" \\ }{ \x01 \xF0\x9F\x98\x80 끝";
  std::string out;
  AppendTextReply(out, ClientGeneration::kV33, OutboundEvent::kScheduleMessage, kTarget, text,
                  kNow);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Event(), "scheduleMessage");
  EXPECT_EQ(frame.Data("room"), "테스트방");
  EXPECT_EQ(frame.Data("channel_id"), "18445682959392711");
  EXPECT_EQ(frame.Data("bot_name"), "LOA.i");
  EXPECT_EQ(frame.Data("message_type"), "text");
  EXPECT_EQ(frame.Data("content_encoding"), "base64");
  EXPECT_EQ(frame.Data("timestamp"), "2025-07-23T01:32:45.248Z");
  EXPECT_EQ(frame.Data("timezone"), "Asia/Seoul");
  EXPECT_EQ(frame.Positions(),
            (std::vector<int64_t>{0, static_cast<int64_t>(frame.tail().size())}));
  std::string decoded;
  ASSERT_TRUE(Base64Decode(frame.tail(), decoded));
  EXPECT_EQ(decoded, text);
}

TEST(FrameEncoderTest, V33EmptyTextHasZeroPositions) {
  std::string out;
  AppendTextReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, kTarget, "", kNow);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Positions(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(frame.tail(), "");
}

TEST(FrameEncoderTest, V32TextReplyIsPlainJson) {
  const std::string text = "에코: \"hi\"\n둘째 줄\t}";
  std::string out;
  AppendTextReply(out, ClientGeneration::kV32, OutboundEvent::kMessageResponse, kTarget, text,
                  kNow);
  ExpectWholeLineIsJson(out);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.tail(), "");
  EXPECT_EQ(frame.Event(), "messageResponse");
  EXPECT_EQ(frame.Data("text"), text);
  EXPECT_EQ(frame.Data("room"), "테스트방");
  EXPECT_EQ(frame.Data("channel_id"), "18445682959392711");
  EXPECT_EQ(frame.Data("bot_name"), "LOA.i");
  EXPECT_EQ(frame.Data("timestamp"), "2025-07-23T01:32:45.248Z");
  EXPECT_EQ(frame.Data("timezone"), "Asia/Seoul");
  EXPECT_FALSE(frame.Has("message_positions"));
  EXPECT_FALSE(frame.Has("content_encoding"));
}

TEST(FrameEncoderTest, V32ScheduledTextIsSentAsMessageResponse) {
  std::string out;
  AppendTextReply(out, ClientGeneration::kV32, OutboundEvent::kScheduleMessage, kTarget, "x", kNow);
  EXPECT_EQ(ParsedFrame(out).Event(), "messageResponse");
}

TEST(FrameEncoderTest, EmptyChannelIdIsAnEmptyString) {
  std::string out;
  AppendTextReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, {"R", "", "B"}, "x",
                  kNow);
  EXPECT_EQ(ParsedFrame(out).Data("channel_id"), "");
}

TEST(FrameEncoderTest, AppendsWithoutDisturbingEarlierFrames) {
  std::string out;
  AppendTextReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, kTarget, "one",
                  kNow);
  const std::string first = out;
  AppendError(out, ErrorCode::kOverloaded, "busy");
  ASSERT_EQ(out.compare(0, first.size(), first), 0);
  EXPECT_EQ(ParsedFrame(std::string_view(out).substr(first.size())).Event(), "error");
}

// ---- media replies ------------------------------------------------------

TEST(FrameEncoderTest, V33SingleMediaUsesLengthPosition) {
  const std::string_view sources[] = {"iVBORw0KGgoAAAANSUhEUg=="};
  std::string out;
  AppendMediaReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, kTarget, "image",
                   sources, 0, kNow);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Data("message_type"), "image");
  EXPECT_FALSE(frame.Has("message_format"));
  EXPECT_FALSE(frame.Has("media_wait_time"));
  EXPECT_FALSE(frame.Has("content_encoding"));
  EXPECT_EQ(frame.Data("timestamp"), "2025-07-23T01:32:45.248Z");
  EXPECT_EQ(frame.Positions(), (std::vector<int64_t>{0, 24}));
  EXPECT_EQ(frame.tail(), sources[0]);
}

TEST(FrameEncoderTest, V33MultiMediaUsesCumulativePositions) {
  const std::string_view sources[] = {"https://a.example/1.png", "QUJD", "https://b.example/x?y=1"};
  std::string out;
  AppendMediaReply(out, ClientGeneration::kV33, OutboundEvent::kScheduleMessage, kTarget, "video",
                   sources, 5000, kNow);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Event(), "scheduleMessage");
  EXPECT_EQ(frame.Data("message_type"), "video");
  EXPECT_EQ(frame.DataInt("media_wait_time"), 5000);
  const std::vector<int64_t> positions = frame.Positions();
  ASSERT_EQ(positions, (std::vector<int64_t>{0, 23, 27, 50}));
  // Slice as the client does.
  for (size_t i = 0; i < std::size(sources); ++i) {
    EXPECT_EQ(frame.tail().substr(positions[i], positions[i + 1] - positions[i]), sources[i]);
  }
}

TEST(FrameEncoderTest, V33MediaFieldOrderFollowsTheOldServer) {
  const std::string_view sources[] = {"QUJD"};
  std::string out;
  AppendMediaReply(out, ClientGeneration::kV33, OutboundEvent::kMessageResponse, {"R", "5", "B"},
                   "audio", sources, 1500, kNow);
  EXPECT_EQ(
      out,
      R"({"event":"messageResponse","data":{"room":"R","channel_id":"5","bot_name":"B","message_type":"audio","media_wait_time":1500,"timestamp":"2025-07-23T01:32:45.248Z","timezone":"Asia/Seoul","message_positions":[0,4]}}QUJD)"
      "\n");
}

TEST(FrameEncoderTest, V32MediaBase64UsesImagePrefix) {
  const std::string_view sources[] = {"QUJD", "REVG"};
  std::string out;
  AppendMediaReply(out, ClientGeneration::kV32, OutboundEvent::kScheduleMessage, kTarget, "image",
                   sources, 3000, kNow);
  ExpectWholeLineIsJson(out);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Event(), "messageResponse");
  EXPECT_EQ(frame.Data("text"), "IMAGE_BASE64:QUJD|||REVG");
  EXPECT_FALSE(frame.Has("message_positions"));
}

TEST(FrameEncoderTest, V32MediaUrlsUseUrlPrefix) {
  const std::string_view one[] = {"https://example.com/a.png"};
  std::string out;
  AppendMediaReply(out, ClientGeneration::kV32, OutboundEvent::kMessageResponse, kTarget, "image",
                   one, 0, kNow);
  ExpectWholeLineIsJson(out);
  EXPECT_EQ(ParsedFrame(out).Data("text"), "MEDIA_URL:https://example.com/a.png");

  // One non-base64 source makes the whole list URLs; quotes are escaped.
  const std::string_view mixed[] = {"QUJD", "https://x/\"q\""};
  out.clear();
  AppendMediaReply(out, ClientGeneration::kV32, OutboundEvent::kMessageResponse, kTarget, "image",
                   mixed, 0, kNow);
  ExpectWholeLineIsJson(out);
  EXPECT_EQ(ParsedFrame(out).Data("text"), "MEDIA_URL:QUJD|||https://x/\"q\"");
}

// ---- control frames -----------------------------------------------------

TEST(FrameEncoderTest, HandshakeComplete) {
  std::string out;
  AppendHandshakeComplete(out, false, "디바이스가 승인 대기 상태로 등록되었습니다", "1.0.0", kNow);
  EXPECT_EQ(
      out,
      R"({"event":"handshakeComplete","data":{"success":true,"approved":false,"message":"디바이스가 승인 대기 상태로 등록되었습니다","server_version":"1.0.0","timestamp":"2025-07-23T01:32:45.248Z","timezone":"Asia/Seoul","message_positions":[0,0]}})"
      "\n");
  out.clear();
  AppendHandshakeComplete(out, true, "승인된 디바이스입니다", "2.0.0", kNow);
  ParsedFrame frame(out);
  EXPECT_TRUE(frame.DataBool("success"));
  EXPECT_TRUE(frame.DataBool("approved"));
  EXPECT_EQ(frame.Data("server_version"), "2.0.0");
}

TEST(FrameEncoderTest, ErrorFrameWithReconnectHint) {
  std::string out;
  AppendError(out, ErrorCode::kDeviceFlapping, "cool down", 287);
  EXPECT_EQ(out,
            "{\"event\":\"error\",\"data\":{\"code\":\"device_flapping\",\"message\":"
            "\"cool down\",\"reconnect_after\":287,\"message_positions\":[0,0]}}\n");
  ParsedFrame frame(out);
  EXPECT_EQ(frame.DataInt("reconnect_after"), 287);
}

TEST(FrameEncoderTest, ErrorFrameForEveryCode) {
  for (int i = 0; i < kErrorCodeCount; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    std::string out;
    AppendError(out, code, "detail with \"quotes\"\nand a newline");
    ParsedFrame frame(out);
    EXPECT_EQ(frame.Event(), "error");
    EXPECT_EQ(frame.Data("code"), ErrorCodeName(code));
    EXPECT_EQ(frame.Data("message"), "detail with \"quotes\"\nand a newline");
    EXPECT_EQ(frame.Positions(), (std::vector<int64_t>{0, 0}));
    EXPECT_EQ(frame.tail(), "");
  }
}

TEST(FrameEncoderTest, PingMatchesTheOldServer) {
  std::string out;
  AppendPing(out, "LOA.i", "2025-07-23 10:32:45.450");
  EXPECT_EQ(
      out,
      R"({"event":"ping","data":{"bot_name":"LOA.i","channel_id":"ping","room":"PING","user_hash":"system","server_timestamp":"2025-07-23 10:32:45.450","text":""}})"
      "\n");
  EXPECT_FALSE(ParsedFrame(out).Has("message_positions"));
}

TEST(FrameEncoderTest, ServerShutdown) {
  std::string out;
  AppendServerShutdown(out, "maintenance", 30);
  ExpectWholeLineIsJson(out);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Event(), "serverShutdown");
  EXPECT_EQ(frame.Data("reason"), "maintenance");
  EXPECT_EQ(frame.DataInt("reconnect_after"), 30);
  EXPECT_EQ(frame.Positions(), (std::vector<int64_t>{0, 0}));
}

TEST(FrameEncoderTest, ServerMigration) {
  std::string out;
  AppendServerMigration(out, "relay2.example", 1492, 10);
  ExpectWholeLineIsJson(out);
  ParsedFrame frame(out);
  EXPECT_EQ(frame.Event(), "serverMigration");
  EXPECT_EQ(frame.Data("new_host"), "relay2.example");
  EXPECT_EQ(frame.DataInt("new_port"), 1492);
  EXPECT_EQ(frame.DataInt("migrate_after"), 10);
  EXPECT_EQ(frame.Positions(), (std::vector<int64_t>{0, 0}));
}

}  // namespace
}  // namespace botrelay::protocol
