#include "cli/arg_parser.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace botrelay::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
      {.name = "bot", .value_name = "BOT"},
      {.name = "output", .short_name = 'o', .value_name = "FORMAT"},
      {.name = "watch", .type = ValueType::kSwitch},
      {.name = "limit", .type = ValueType::kInt32, .value_name = "N"},
      {.name = "fraction", .type = ValueType::kDouble, .value_name = "F"},
      {.name = "label", .value_name = "L", .repeatable = true},
      {.name = "media", .value_name = "SRC", .multi_value = true},
  };
  return specs;
}

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) {
  ParsedArgs parsed;
  absl::Status status = ParseOptions(Specs(), args, &parsed);
  if (!status.ok()) return status;
  return parsed;
}

std::string ErrorOf(std::vector<std::string> args) {
  absl::StatusOr<ParsedArgs> parsed = Parse(std::move(args));
  return parsed.ok() ? "ok" : std::string(parsed.status().message());
}

TEST(ArgParserTest, LongOptionsTakeTheNextWordOrAnInlineValue) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"--bot", "b1", "--limit=5"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("bot"), "b1");
  EXPECT_EQ(parsed->GetInt32("limit"), 5);
  EXPECT_FALSE(parsed->Has("watch"));
  EXPECT_EQ(parsed->Get("watch"), std::nullopt);
  EXPECT_EQ(parsed->GetOr("output", "table"), "table");
}

TEST(ArgParserTest, ShortAliasesAcceptSeparateAndAttachedValues) {
  absl::StatusOr<ParsedArgs> separate = Parse({"-o", "json"});
  ASSERT_TRUE(separate.ok());
  EXPECT_EQ(separate->Get("output"), "json");
  absl::StatusOr<ParsedArgs> attached = Parse({"-ojson"});
  ASSERT_TRUE(attached.ok());
  EXPECT_EQ(attached->Get("output"), "json");
}

TEST(ArgParserTest, SwitchesTakeNoValue) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"--watch", "word"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->Has("watch"));
  EXPECT_THAT(parsed->positionals(), ElementsAre("word"));
  EXPECT_THAT(ErrorOf({"--watch=yes"}), HasSubstr("--watch takes no value"));
}

TEST(ArgParserTest, PositionalsMayBeInterleavedWithOptions) {
  absl::StatusOr<ParsedArgs> parsed =
      Parse({"bot", "--limit", "3", "device", "--watch"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->positionals(), ElementsAre("bot", "device"));
}

TEST(ArgParserTest, DoubleDashEndsOptions) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"--watch", "--", "--bot", "-x"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->positionals(), ElementsAre("--bot", "-x"));
  EXPECT_FALSE(parsed->Has("bot"));
}

TEST(ArgParserTest, AValueMayStartWithADash) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"--limit", "-1", "--bot", "-"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->GetInt32("limit"), -1);
  EXPECT_EQ(parsed->Get("bot"), "-");
}

TEST(ArgParserTest, NumbersAreCheckedAtParseTime) {
  EXPECT_THAT(ErrorOf({"--limit", "ten"}),
              HasSubstr("invalid value 'ten' for --limit: expected an integer"));
  EXPECT_THAT(ErrorOf({"--limit", "3000000000"}), HasSubstr("expected an integer"));
  EXPECT_THAT(ErrorOf({"--fraction", "half"}),
              HasSubstr("invalid value 'half' for --fraction: expected a number"));
  absl::StatusOr<ParsedArgs> parsed = Parse({"--fraction", "0.25"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->GetDouble("fraction"), 0.25);
}

TEST(ArgParserTest, UnknownAndIncompleteOptionsAreErrors) {
  EXPECT_EQ(ErrorOf({"--nope"}), "unknown flag --nope");
  EXPECT_EQ(ErrorOf({"-x"}), "unknown flag -x");
  EXPECT_THAT(ErrorOf({"--bot"}), HasSubstr("--bot needs a value (BOT)"));
}

TEST(ArgParserTest, OnlyRepeatableOptionsMayRepeat) {
  absl::StatusOr<ParsedArgs> parsed = Parse({"--label", "a", "--label", "b"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->GetAll("label"), ElementsAre("a", "b"));
  EXPECT_EQ(parsed->Get("label"), "b");
  EXPECT_THAT(ErrorOf({"--bot", "a", "--bot", "b"}),
              HasSubstr("--bot given more than once"));
}

TEST(ArgParserTest, MultiValueOptionsTakeWordsUpToTheNextOption) {
  absl::StatusOr<ParsedArgs> parsed =
      Parse({"--media", "a", "b", "--watch", "c", "--media", "d"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->GetAll("media"), ElementsAre("a", "b", "d"));
  EXPECT_THAT(parsed->positionals(), ElementsAre("c"));
  EXPECT_THAT(Parse({})->GetAll("media"), IsEmpty());
}

TEST(ArgParserTest, FindOptionRecognisesEverySpelling) {
  EXPECT_EQ(FindOption(Specs(), "--bot")->name, "bot");
  EXPECT_EQ(FindOption(Specs(), "--bot=x")->name, "bot");
  EXPECT_EQ(FindOption(Specs(), "-o")->name, "output");
  EXPECT_EQ(FindOption(Specs(), "-ojson")->name, "output");
  EXPECT_EQ(FindOption(Specs(), "--nope"), nullptr);
  EXPECT_EQ(FindOption(Specs(), "bot"), nullptr);
  EXPECT_EQ(FindOption(Specs(), "--"), nullptr);
  EXPECT_EQ(FindOption(Specs(), "-"), nullptr);
}

}  // namespace
}  // namespace botrelay::cli
