#include "dataplane/processing/command_line.h"

#include <gtest/gtest.h>

namespace botrelay::processing {
namespace {

TEST(CommandLineTest, PrefixMustMatchCaseSensitively) {
  EXPECT_FALSE(ParseCommand("# Echo hi", "# echo"));
  EXPECT_FALSE(ParseCommand("hello", "# echo"));
  EXPECT_TRUE(ParseCommand("# echo", "# echo"));
}

TEST(CommandLineTest, ParametersAreRemovedFromThePrompt) {
  auto c = ParseCommand("# echo  hello --repeat=3 world --x-y=z ", "# echo");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prompt, "hello  world");
  EXPECT_EQ(c->Param("repeat"), "3");
  EXPECT_EQ(c->Param("x-y"), "z");
  EXPECT_FALSE(c->Param("missing"));
}

TEST(CommandLineTest, IncompleteParameterTokensStayInThePrompt) {
  auto c = ParseCommand("# echo a --repeat= b --=x --flag", "# echo");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prompt, "a --repeat= b --=x --flag");
  EXPECT_TRUE(c->params.empty());
}

}  // namespace
}  // namespace botrelay::processing
