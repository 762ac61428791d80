#include "dataplane/protocol/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace botrelay::protocol {
namespace {

// Parses `json` (a JSON string literal) back with simdjson.
std::string ParseString(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  const auto error = parser.parse(json).get_string().get(value);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  return std::string(value);
}

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(Quoted(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(JsonWriterTest, EscapesEveryControlCharacterAsUnicode) {
  EXPECT_EQ(Quoted(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Quoted("\n"), R"("\u000a")");
  EXPECT_EQ(Quoted("a\tb\rc"), R"("a\u0009b\u000dc")");
  EXPECT_EQ(Quoted("\x1f"), R"("\u001f")");
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  const std::string json = Quoted(all);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find('\r'), std::string::npos);
  EXPECT_EQ(ParseString(json), all);
}

TEST(JsonWriterTest, PassesNonAsciiThroughRaw) {
  const std::string text = "에코: 안녕 \xF0\x9F\x98\x80 é \x7F /";
  EXPECT_EQ(Quoted(text), "\"" + text + "\"");
}

TEST(JsonWriterTest, RoundTripsMixedText) {
  const std::string text = "line1\nline2\t\"quoted\"\\ 테스트 }{ \x01\x02 end";
  EXPECT_EQ(ParseString(Quoted(text)), text);
}

TEST(JsonWriterTest, EscapesAtEveryOffsetOfLongText) {
  // Clean text is skipped eight bytes at a time: an escape must be found at
  // any position inside or after such a word.
  for (const char special : {'"', '\\', '\n', '\x1f', '\0'}) {
    for (size_t at = 0; at < 40; ++at) {
      // Non-ASCII bytes around it are not escaped.
      const std::string text = std::string(at, 'a') + special + "에코" + std::string(24, 'b');
      const std::string json = Quoted(text);
      EXPECT_EQ(ParseString(json), text) << "escape at " << at;
      EXPECT_EQ(json.size(), text.size() + 2 + (special == '"' || special == '\\' ? 1 : 5))
          << "escape at " << at;
    }
  }
}

TEST(JsonWriterTest, BodyAppendsWithoutQuotes) {
  std::string out = "x";
  AppendJsonStringBody(out, "a\"b");
  EXPECT_EQ(out, R"(xa\"b)");
}

TEST(JsonWriterTest, Integers) {
  std::string out;
  AppendJsonInt(out, 0);
  out.push_back(' ');
  AppendJsonInt(out, -42);
  out.push_back(' ');
  AppendJsonInt(out, INT64_MAX);
  out.push_back(' ');
  AppendJsonInt(out, INT64_MIN);
  EXPECT_EQ(out, "0 -42 9223372036854775807 -9223372036854775808");
}

}  // namespace
}  // namespace botrelay::protocol
