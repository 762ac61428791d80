#include "dataplane/auth/auth_verifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace botrelay::auth {
namespace {

constexpr char kSecret[] = "test-secret-key";
constexpr char kSalt[] = "test-salt-16byte";
constexpr int64_t kNow = 1721700000000;

// The signature computed independently of the code under test: the bridge
// script's joined string through OpenSSL's one-shot HMAC.
std::string IndependentSignature(const std::string& signed_string) {
  unsigned char digest[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret, sizeof(kSecret) - 1,
       reinterpret_cast<const unsigned char*>(signed_string.data()), signed_string.size(),
       digest, &length);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

// Owns the strings an AuthBlock points into, as the decoder's buffer would.
struct PhoneAuth {
  std::string client_type = "MessengerBotR";
  std::string bot_name = "LOA.i";
  std::string device_uuid = "unknown";
  std::string mac_address = "02:00:00:00:00:00";
  std::string ip_address = "100.64.0.7";
  int64_t timestamp_ms = kNow;
  std::string signature;

  void SignAsPhone() {
    signature = IndependentSignature(client_type + "|" + bot_name + "|" + device_uuid + "|" +
                                     mac_address + "|" + ip_address + "|" +
                                     std::to_string(timestamp_ms) + "|" + kSalt);
  }

  protocol::AuthBlock Block() const {
    protocol::AuthBlock block;
    block.present = true;
    block.client_type = client_type;
    block.bot_name = bot_name;
    block.device_uuid = device_uuid;
    block.device_id = "ccbd8eee1012327e";
    block.mac_address = mac_address;
    block.ip_address = ip_address;
    block.version = "3.3.2";
    block.signature = signature;
    block.has_timestamp = true;
    block.timestamp_ms = timestamp_ms;
    return block;
  }
};

AuthSettings TestSettings() {
  AuthSettings settings;
  settings.secret_key = kSecret;
  settings.salt = kSalt;
  settings.max_clock_skew_ms = 300'000;
  return settings;
}

class AuthVerifierTest : public ::testing::Test {
 protected:
  AuthVerifierTest() : verifier_(TestSettings()) { phone_.SignAsPhone(); }

  AuthOutcome Verify(const protocol::AuthBlock& block, int64_t now = kNow) {
    return verifier_.Verify(block, "LOA.i", now);
  }

  AuthVerifier verifier_;
  PhoneAuth phone_;
};

TEST_F(AuthVerifierTest, SignMatchesIndependentHmacOfJoinedString) {
  const std::array<char, 64> signature =
      verifier_.Sign("MessengerBotR", "LOA.i", "unknown", "02:00:00:00:00:00", "100.64.0.7", kNow);
  EXPECT_EQ(std::string(signature.data(), signature.size()), phone_.signature);
}

TEST_F(AuthVerifierTest, AcceptsBlockSignedLikeThePhone) {
  EXPECT_EQ(Verify(phone_.Block()), AuthOutcome::kOk);
  // Repeated use of the scratch buffer changes nothing.
  EXPECT_EQ(Verify(phone_.Block()), AuthOutcome::kOk);
}

TEST_F(AuthVerifierTest, AbsentOptionalFieldsSignAsEmptyStrings) {
  phone_.device_uuid.clear();
  phone_.mac_address.clear();
  phone_.ip_address.clear();
  phone_.SignAsPhone();
  EXPECT_EQ(Verify(phone_.Block()), AuthOutcome::kOk);
}

TEST_F(AuthVerifierTest, NegativeTimestampSignsWithItsSign) {
  phone_.timestamp_ms = -5;
  phone_.SignAsPhone();
  EXPECT_EQ(Verify(phone_.Block(), -5), AuthOutcome::kOk);
}

TEST_F(AuthVerifierTest, MissingBlock) {
  protocol::AuthBlock block;
  EXPECT_EQ(Verify(block), AuthOutcome::kMissing);
}

TEST_F(AuthVerifierTest, MalformedBlocks) {
  {
    protocol::AuthBlock block = phone_.Block();
    block.bot_name = "";
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
  {
    protocol::AuthBlock block = phone_.Block();
    block.client_type = "";
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
  {
    protocol::AuthBlock block = phone_.Block();
    block.has_timestamp = false;
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
  {
    protocol::AuthBlock block = phone_.Block();
    block.signature = std::string_view(phone_.signature).substr(0, 63);
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
  {
    std::string not_hex = phone_.signature;
    not_hex[10] = 'g';
    protocol::AuthBlock block = phone_.Block();
    block.signature = not_hex;
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
  {
    protocol::AuthBlock block = phone_.Block();
    block.signature = "";
    EXPECT_EQ(Verify(block), AuthOutcome::kMalformed);
  }
}

TEST_F(AuthVerifierTest, ClockSkewWindowIsInclusive) {
  EXPECT_EQ(Verify(phone_.Block(), kNow + 300'000), AuthOutcome::kOk);
  EXPECT_EQ(Verify(phone_.Block(), kNow - 300'000), AuthOutcome::kOk);
  EXPECT_EQ(Verify(phone_.Block(), kNow + 300'001), AuthOutcome::kStale);
  EXPECT_EQ(Verify(phone_.Block(), kNow - 300'001), AuthOutcome::kStale);
}

TEST_F(AuthVerifierTest, ExtremeTimestampsAreStaleNotOverflow) {
  protocol::AuthBlock block = phone_.Block();
  block.timestamp_ms = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(Verify(block, std::numeric_limits<int64_t>::max()), AuthOutcome::kStale);
  block.timestamp_ms = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Verify(block, std::numeric_limits<int64_t>::min()), AuthOutcome::kStale);
}

TEST_F(AuthVerifierTest, BotNameMustMatchHandshake) {
  EXPECT_EQ(verifier_.Verify(phone_.Block(), "OTHER.bot", kNow), AuthOutcome::kIdentityMismatch);
}

TEST_F(AuthVerifierTest, BadSignatures) {
  {
    std::string flipped = phone_.signature;
    flipped[63] = flipped[63] == '0' ? '1' : '0';
    protocol::AuthBlock block = phone_.Block();
    block.signature = flipped;
    EXPECT_EQ(Verify(block), AuthOutcome::kBadSignature);
  }
  {
    // A signed field changed after signing.
    protocol::AuthBlock block = phone_.Block();
    block.ip_address = "100.64.0.8";
    EXPECT_EQ(Verify(block), AuthOutcome::kBadSignature);
  }
  {
    // Uppercase hex is well-formed but is not what the phone sends.
    std::string upper = phone_.signature;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_NE(upper, phone_.signature);
    protocol::AuthBlock block = phone_.Block();
    block.signature = upper;
    EXPECT_EQ(Verify(block), AuthOutcome::kBadSignature);
  }
  {
    // Another salt or key does not verify.
    AuthSettings other = TestSettings();
    other.salt = "another-salt-16b";
    AuthVerifier other_salt(other);
    EXPECT_EQ(other_salt.Verify(phone_.Block(), "LOA.i", kNow), AuthOutcome::kBadSignature);
    other = TestSettings();
    other.secret_key = "another-secret";
    AuthVerifier other_key(other);
    EXPECT_EQ(other_key.Verify(phone_.Block(), "LOA.i", kNow), AuthOutcome::kBadSignature);
  }
}

TEST(AuthOutcomeNameTest, NamesEveryOutcome) {
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kOk), "ok");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kMissing), "missing");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kMalformed), "malformed");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kStale), "stale");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kBadSignature), "bad_signature");
  EXPECT_EQ(AuthOutcomeName(AuthOutcome::kIdentityMismatch), "identity_mismatch");
  static_assert(kAuthOutcomeCount == 6);
}

}  // namespace
}  // namespace botrelay::auth
