#include "tests/testbot/auth_signer.h"

#include <gtest/gtest.h>

namespace botrelay::testbot {
namespace {

TEST(AuthSignerTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AuthSignerTest, SigningStringIsPipeJoinedWithSaltLast) {
  SignedFields f{"MessengerBotR", "LOA.i", "unknown", "02:00:00:00:00:00", "100.64.0.7",
                 1721700000000};
  EXPECT_EQ(AuthSigningString(f, "test-salt-16char"),
            "MessengerBotR|LOA.i|unknown|02:00:00:00:00:00|100.64.0.7|1721700000000|test-salt-16char");
}

// Expected values computed independently with Python's hmac module:
//   hmac.new(key.encode(), "|".join([...]).encode(), hashlib.sha256).hexdigest()
TEST(AuthSignerTest, MatchesIndependentlyComputedSignatures) {
  const std::string key = "test-secret-key-0123456789";
  const std::string salt = "test-salt-16char";
  EXPECT_EQ(AuthSignature({"MessengerBotR", "LOA.i", "unknown", "02:00:00:00:00:00", "100.64.0.7",
                           1721700000000},
                          key, salt),
            "d8c021c0cbb118de3eeebad500a0608898e9a1b4c0f5b9b2936eabfab01b6429");
  // Non-ASCII bot name: signed as UTF-8 bytes.
  EXPECT_EQ(AuthSignature({"MessengerBotR", "도매까봇", "unknown", "02:00:00:00:00:00", "127.0.0.1",
                           1721700000001},
                          key, salt),
            "1cd30de705eea0c8afc8e402301a6e326498c2d7abc36e8c9dbef09fe1f3d36e");
}

}  // namespace
}  // namespace botrelay::testbot
