#include "dataplane/protocol/text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace botrelay::protocol {
namespace {

constexpr std::string_view kEmoji = "\xF0\x9F\x98\x80";  // U+1F600, a surrogate pair in UTF-16

std::string Repeat(std::string_view piece, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out.append(piece);
  return out;
}

std::string Join(const std::vector<std::string_view>& pieces) {
  std::string out;
  for (std::string_view piece : pieces) out.append(piece);
  return out;
}

TEST(TextTest, AcceptsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("테스트방 홍길동"));
  EXPECT_TRUE(IsValidUtf8(kEmoji));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));
}

TEST(TextTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xED\x95"));          // truncated sequence
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("테스트\xEB"));  // cut inside the last code point
}

TEST(TextTest, Utf16LengthCountsSurrogatePairsTwice) {
  EXPECT_EQ(Utf16Length(""), 0u);
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("한글"), 2u);
  EXPECT_EQ(Utf16Length("\xC3\xA9"), 1u);  // é
  EXPECT_EQ(Utf16Length(kEmoji), 2u);
  EXPECT_EQ(Utf16Length("a한" + std::string(kEmoji) + "\n"), 5u);
}

TEST(TextTest, SplitReturnsTheInputWhenItFits) {
  const std::string text = "짧은 메시지";
  const auto pieces = SplitByUtf16Units(text, 100);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].data(), text.data());
  EXPECT_EQ(pieces[0].size(), text.size());

  const auto empty = SplitByUtf16Units("", 10);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].empty());
}

TEST(TextTest, SplitAtTheExactBoundary) {
  const std::string ten = Repeat("가", 10);
  EXPECT_EQ(SplitByUtf16Units(ten, 10).size(), 1u);

  const std::string eleven = Repeat("가", 11);
  const auto pieces = SplitByUtf16Units(eleven, 10);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], Repeat("가", 10));
  EXPECT_EQ(pieces[1], "가");
}

TEST(TextTest, SplitCountsSurrogatePairsAsTwoUnitsAndKeepsThemWhole) {
  const std::string three = Repeat(kEmoji, 3);  // 6 units
  const auto pieces = SplitByUtf16Units(three, 5);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], Repeat(kEmoji, 2));
  EXPECT_EQ(pieces[1], kEmoji);

  // "a" + emoji = 3 units: with a limit of 2 the pair must not be split.
  const std::string mixed = "a" + std::string(kEmoji);
  const auto mixed_pieces = SplitByUtf16Units(mixed, 2);
  ASSERT_EQ(mixed_pieces.size(), 2u);
  EXPECT_EQ(mixed_pieces[0], "a");
  EXPECT_EQ(mixed_pieces[1], kEmoji);
}

TEST(TextTest, SplitAlwaysMakesProgress) {
  // A limit too small for a surrogate pair still yields one code point per piece.
  const std::string two = Repeat(kEmoji, 2);
  const auto pieces = SplitByUtf16Units(two, 1);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], kEmoji);
  EXPECT_EQ(pieces[1], kEmoji);
}

TEST(TextTest, SplitPrefersANewlineInTheLastTenth) {
  const std::string text = std::string(95, 'a') + "\n" + std::string(50, 'b');
  const auto pieces = SplitByUtf16Units(text, 100);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], std::string(95, 'a') + "\n");
  EXPECT_EQ(pieces[1], std::string(50, 'b'));
}

TEST(TextTest, SplitIgnoresANewlineBeforeTheLastTenth) {
  const std::string text = std::string(50, 'a') + "\n" + std::string(100, 'b');
  const auto pieces = SplitByUtf16Units(text, 100);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(Utf16Length(pieces[0]), 100u);
  EXPECT_EQ(Join(pieces), text);
}

TEST(TextTest, SplitUsesTheLastLateNewline) {
  const std::string text =
      std::string(91, 'a') + "\n" + std::string(4, 'b') + "\n" + std::string(20, 'c');
  const auto pieces = SplitByUtf16Units(text, 100);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], std::string(91, 'a') + "\n" + std::string(4, 'b') + "\n");
}

TEST(TextTest, SplitRandomTextKeepsEveryInvariant) {
  std::mt19937 rng(7);
  const std::string_view alphabet[] = {"a", "Z", " ", "\n", "가", "힣", "\xC3\xA9", kEmoji};
  std::uniform_int_distribution<int> pick(0, std::size(alphabet) - 1);
  std::uniform_int_distribution<int> length(0, 400);
  std::uniform_int_distribution<size_t> limit(2, 60);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text.append(alphabet[pick(rng)]);
    const size_t max_units = limit(rng);
    const auto pieces = SplitByUtf16Units(text, max_units);
    ASSERT_EQ(Join(pieces), text);
    for (std::string_view piece : pieces) {
      ASSERT_TRUE(IsValidUtf8(piece));
      ASSERT_LE(Utf16Length(piece), max_units);
      if (pieces.size() > 1) {
        ASSERT_FALSE(piece.empty());
      }
    }
  }
}

}  // namespace
}  // namespace botrelay::protocol
