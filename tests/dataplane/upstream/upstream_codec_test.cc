#include "dataplane/upstream/upstream_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataplane/upstream/upstream_settings.h"

namespace botrelay::upstream {
namespace {

using ::testing::HasSubstr;

TEST(UpstreamRequestTest, CarriesEveryMessageFieldEscaped) {
  processing::ChatMessage message;
  message.connection_id = 42;
  message.bot_name = "LOA.i";
  message.device_id = "dev";
  message.room = "테스트방";
  message.channel_id = "1844";
  message.sender = "홍\"길동";
  message.text = "line1\nline2\\";
  message.log_id = "315";
  message.user_hash = "abc";
  message.is_group_chat = true;
  std::string body = "stale content";
  EncodeUpstreamRequest(message, body);
  EXPECT_EQ(body,
            R"({"bot":"LOA.i","device":"dev","room":"테스트방","channelId":"1844",)"
            R"("sender":"홍\"길동","text":"line1\u000aline2\\","logId":"315","userHash":"abc",)"
            R"("isGroupChat":true,"isMention":false,"connectionId":42})");
}

class UpstreamReplyDecoderTest : public ::testing::Test {
 protected:
  absl::Status Decode(std::string body) { return decoder_.Decode(body, reply_); }
  UpstreamReplyDecoder decoder_;
  UpstreamReply reply_;
};

TEST_F(UpstreamReplyDecoderTest, TextAndMediaReplies) {
  ASSERT_TRUE(Decode(R"({"replies":[{"text":"hi"},{"mediaType":"video","sources":["https://x/a.mp4","QUJD"],"waitMs":3000}],"extra":1})").ok());
  ASSERT_EQ(reply_.count, 2u);
  EXPECT_FALSE(reply_.failed);
  EXPECT_FALSE(reply_.items[0].media);
  EXPECT_EQ(reply_.items[0].text, "hi");
  EXPECT_TRUE(reply_.items[1].media);
  EXPECT_EQ(reply_.items[1].media_type, "video");
  EXPECT_EQ(reply_.items[1].sources, (std::vector<std::string>{"https://x/a.mp4", "QUJD"}));
  EXPECT_EQ(reply_.items[1].media_wait_ms, 3000);
  // A smaller answer reuses the items and reports its own count.
  ASSERT_TRUE(Decode(R"({"replies":[{"mediaType":"image","sources":["QQ=="]}]})").ok());
  ASSERT_EQ(reply_.count, 1u);
  EXPECT_EQ(reply_.items[0].sources, (std::vector<std::string>{"QQ=="}));
  EXPECT_EQ(reply_.items[0].media_wait_ms, 0);
}

TEST_F(UpstreamReplyDecoderTest, EmptyBodyAndEmptyListMeanNoReply) {
  ASSERT_TRUE(Decode("").ok());
  EXPECT_EQ(reply_.count, 0u);
  ASSERT_TRUE(Decode(" \r\n").ok());
  EXPECT_EQ(reply_.count, 0u);
  ASSERT_TRUE(Decode("{}").ok());
  EXPECT_EQ(reply_.count, 0u);
  ASSERT_TRUE(Decode(R"({"replies":[]})").ok());
  EXPECT_EQ(reply_.count, 0u);
}

TEST_F(UpstreamReplyDecoderTest, ErrorAnswerWins) {
  ASSERT_TRUE(Decode(R"({"error":"quota exceeded","replies":[{"text":"ignored"}]})").ok());
  EXPECT_TRUE(reply_.failed);
  EXPECT_EQ(reply_.error, "quota exceeded");
}

TEST_F(UpstreamReplyDecoderTest, MalformedAnswersNameTheProblem) {
  struct Case {
    const char* body;
    const char* message;
  } cases[] = {
      {"<html>", "not JSON"},
      {R"(["a"])", "not a JSON object"},
      {R"({"replies":{"text":"a"}})", "\"replies\" must be an array"},
      {R"({"replies":["a"]})", "replies[0]: not an object"},
      {R"({"replies":[{"text":"a"},{}]})", "replies[1]: needs exactly one of text and mediaType"},
      {R"({"replies":[{"text":"a","mediaType":"image"}]})", "needs exactly one"},
      {R"({"replies":[{"text":""}]})", "text must be a non-empty string"},
      {R"({"replies":[{"text":5}]})", "text must be a non-empty string"},
      {R"({"replies":[{"mediaType":"gif","sources":["a"]}]})", "mediaType must be"},
      {R"({"replies":[{"mediaType":"image","sources":[]}]})", "sources must be a non-empty array"},
      {R"({"replies":[{"mediaType":"image","sources":["a}b"]}]})", "without }, CR or LF"},
      {R"({"replies":[{"mediaType":"image","sources":["a"],"waitMs":-1}]})", "waitMs"},
      {R"({"error":""})", "\"error\" must be a non-empty string"},
  };
  for (const Case& c : cases) {
    absl::Status status = Decode(c.body);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.body;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.body;
  }
}

TEST(UpstreamUrlTest, ParsesHostPortAndTarget) {
  auto url = ParseUpstreamUrl("http://backend.local:8080/bot/v1?x=1");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "backend.local");
  EXPECT_EQ(url->port, "8080");
  EXPECT_EQ(url->target, "/bot/v1?x=1");
  EXPECT_EQ(url->host_header, "backend.local:8080");

  url = ParseUpstreamUrl("http://10.0.0.5");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");

  url = ParseUpstreamUrl("http://[::1]:9000/hook");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->host_header, "[::1]:9000");
}

TEST(UpstreamUrlTest, RefusesWhatRelaydCannotUse) {
  EXPECT_THAT(std::string(ParseUpstreamUrl("https://x/").status().message()),
              HasSubstr("https is not supported"));
  for (const char* bad : {"", "backend:80", "http://", "http://:80/", "http://h:0/",
                          "http://h:99999/", "http://h:8x/", "http://u@h/", "http://[::1/"}) {
    EXPECT_FALSE(ParseUpstreamUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace botrelay::upstream
