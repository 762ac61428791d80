#include "tests/testbot/base64.h"

#include <gtest/gtest.h>

namespace botrelay::testbot {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), std::optional<std::string>(s));
  }
}

TEST(Base64Test, ReferenceTails) {
  // bot-protocol.md 3.2 (C->S message) and 3.4 (S->C messageResponse).
  EXPECT_EQ(Base64Encode("# echo 안녕"), "IyBlY2hvIOyViOuFlQ==");
  EXPECT_EQ(Base64Decode("7JeQ7L2UOiBsZWdhY3k="), std::optional<std::string>("에코: legacy"));
}

TEST(Base64Test, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(Base64Decode(Base64Encode(all)), std::optional<std::string>(all));
}

TEST(Base64Test, StrictDecodeRejectsDeviations) {
  EXPECT_FALSE(Base64Decode("Zg="));       // length not a multiple of 4
  EXPECT_FALSE(Base64Decode("Zg==Zg=="));  // padding before the end
  EXPECT_FALSE(Base64Decode("Z==="));      // too much padding
  EXPECT_FALSE(Base64Decode("Zm9v\n"));    // whitespace
  EXPECT_FALSE(Base64Decode("Zm9-"));      // URL-safe alphabet
  EXPECT_FALSE(Base64Decode("Z=g="));      // data after padding
}

}  // namespace
}  // namespace botrelay::testbot
