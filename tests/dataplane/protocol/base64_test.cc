#include "dataplane/protocol/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace botrelay::protocol {
namespace {

std::string Encode(std::string_view in) {
  std::string out;
  Base64Encode(in, out);
  return out;
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Encode(plain), encoded);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64Test, KoreanTextFromTheReference) {
  EXPECT_EQ(Encode("# echo 안녕"), "IyBlY2hvIOyViOuFlQ==");
  EXPECT_EQ(Encode("에코: legacy"), "7JeQ7L2UOiBsZWdhY3k=");
}

TEST(Base64Test, AppendsToExistingContent) {
  std::string out = "prefix:";
  Base64Encode("foo", out);
  EXPECT_EQ(out, "prefix:Zm9v");
  std::string decoded = "x";
  ASSERT_TRUE(Base64Decode("Zm9v", decoded));
  EXPECT_EQ(decoded, "xfoo");
}

TEST(Base64Test, RandomRoundTrips) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 300);
  std::string encoded;
  std::string decoded;
  for (int round = 0; round < 2000; ++round) {
    std::string plain(length(rng), '\0');
    for (char& c : plain) c = static_cast<char>(byte(rng));
    encoded.clear();
    Base64Encode(plain, encoded);
    ASSERT_EQ(encoded.size(), (plain.size() + 2) / 3 * 4);
    ASSERT_TRUE(LooksLikeBase64(encoded));
    decoded.clear();
    ASSERT_TRUE(Base64Decode(encoded, decoded));
    ASSERT_EQ(decoded, plain);
    // Padding is optional on input.
    const std::string unpadded = encoded.substr(0, encoded.find('='));
    decoded.clear();
    ASSERT_TRUE(Base64Decode(unpadded, decoded)) << unpadded;
    ASSERT_EQ(decoded, plain);
  }
}

// relaybench announces message_positions from Base64EncodedSize before it
// encodes the tail.
TEST(Base64Test, RoundTripsEveryLength) {
  std::string bytes, encoded, decoded;
  for (int n = 0; n < 40; ++n) {
    bytes.push_back(static_cast<char>(n * 37 + 200));
    encoded.clear();
    Base64Encode(bytes, encoded);
    EXPECT_EQ(encoded.size(), Base64EncodedSize(bytes.size()));
    decoded.clear();
    ASSERT_TRUE(Base64Decode(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, bytes);
  }
}

TEST(Base64Test, RejectsCharactersOutsideTheStandardAlphabet) {
  std::string out;
  // Each has a valid length, so only the odd character can be at fault.
  for (std::string_view bad : {"Zm9!", "Zm-v", "Zm_v", "Zm9\n", "Zm 9", "Zm9\r", "Zm9v.AAA"}) {
    out.clear();
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
  }
  out.clear();
  EXPECT_FALSE(Base64Decode(std::string_view("Zm\0v", 4), out));
  out.clear();
  EXPECT_FALSE(Base64Decode("7JeQ7L2\xEC\x95\x88", out));
  out.clear();
  EXPECT_FALSE(Base64Decode("a}cd", out));
}

TEST(Base64Test, RejectsBadPadding) {
  std::string out;
  for (std::string_view bad : {"Z", "Zm9vY", "Zg=", "Zg===", "Zm8==", "Zm9v=", "=", "==",
                               "Zg==Zg==", "Z=g=", "Zm=v", "ab=c", "Zm9vYg=", "Zm9vYmE=="}) {
    out.clear();
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
  }
}

TEST(Base64Test, RejectsNonCanonicalTrailingBits) {
  std::string out;
  EXPECT_TRUE(Base64Decode("Zg==", out));
  out.clear();
  EXPECT_FALSE(Base64Decode("Zh==", out));  // 'h' sets bits beyond the one byte
  out.clear();
  EXPECT_TRUE(Base64Decode("Zm8=", out));
  out.clear();
  EXPECT_FALSE(Base64Decode("Zm9=", out));
  out.clear();
  EXPECT_FALSE(Base64Decode("Zm9", out));
}

TEST(Base64Test, LooksLikeBase64) {
  EXPECT_TRUE(LooksLikeBase64("iVBORw0KGgo+/="));
  EXPECT_TRUE(LooksLikeBase64(""));
  EXPECT_FALSE(LooksLikeBase64("https://example.com/a.png"));
  EXPECT_FALSE(LooksLikeBase64("abc def"));
  EXPECT_FALSE(LooksLikeBase64("abc-_"));
}

}  // namespace
}  // namespace botrelay::protocol
