#include "dataplane/auth/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace botrelay::auth {
namespace {

// Counts every allocation OpenSSL makes in this binary. Installed during
// static initialisation, before OpenSSL's first allocation (after that
// CRYPTO_set_mem_functions refuses).
std::atomic<long> openssl_allocations{0};
void* CountingMalloc(size_t n, const char*, int) {
  ++openssl_allocations;
  return std::malloc(n);
}
void* CountingRealloc(void* p, size_t n, const char*, int) {
  ++openssl_allocations;
  return std::realloc(p, n);
}
void CountingFree(void* p, const char*, int) { std::free(p); }
const bool counting_installed =
    CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, CountingFree) == 1;

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

std::string HexOf(const Sha256Digest& digest) {
  const std::array<char, 64> hex = ToHex(digest);
  return std::string(hex.data(), hex.size());
}

// OpenSSL's one-shot HMAC, the independent reference.
std::string ReferenceHex(const std::string& key, const std::string& message) {
  Sha256Digest digest;
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  EXPECT_EQ(length, 32u);
  return HexOf(digest);
}

struct Rfc4231Case {
  std::string key;
  std::string data;
  std::string expected_hex;  // test case 5 lists only the first 128 bits
};

TEST(HmacSha256Test, MatchesRfc4231TestVectors) {
  const std::string long_key(131, '\xaa');
  const std::vector<Rfc4231Case> cases = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {FromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {long_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    HmacSha256 hmac(cases[i].key);
    const std::string hex = HexOf(hmac.Compute(cases[i].data));
    EXPECT_EQ(hex.substr(0, cases[i].expected_hex.size()), cases[i].expected_hex)
        << "RFC 4231 test case " << i + 1;
  }
}

TEST(HmacSha256Test, MatchesOpenSslOneShotOnRandomInputs) {
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    return s;
  };
  // Key lengths around the 64-byte block (RFC 2104 hashes longer keys) and
  // message lengths around block and padding boundaries.
  std::uniform_int_distribution<size_t> key_length(0, 200);
  std::uniform_int_distribution<size_t> message_length(0, 300);
  for (int round = 0; round < 400; ++round) {
    const std::string key = random_bytes(round < 130 ? static_cast<size_t>(round) : key_length(rng));
    HmacSha256 hmac(key);
    for (int m = 0; m < 5; ++m) {
      const std::string message = random_bytes(message_length(rng));
      ASSERT_EQ(HexOf(hmac.Compute(message)), ReferenceHex(key, message))
          << "key length " << key.size() << ", message length " << message.size();
    }
  }
}

TEST(HmacSha256Test, ReusedInstanceGivesSameResultEveryTime) {
  HmacSha256 hmac("test-secret-key");
  const Sha256Digest first = hmac.Compute("payload");
  hmac.Compute("something else in between");
  EXPECT_EQ(hmac.Compute("payload"), first);
}

TEST(HmacSha256Test, ToHexIsLowercase) {
  Sha256Digest digest{};
  digest[0] = 0xAB;
  digest[31] = 0x0F;
  const std::string hex = HexOf(digest);
  EXPECT_EQ(hex.substr(0, 2), "ab");
  EXPECT_EQ(hex.substr(62, 2), "0f");
  EXPECT_EQ(hex.substr(2, 60), std::string(60, '0'));
}

TEST(HmacSha256Test, ComputeDoesNotAllocate) {
  ASSERT_TRUE(counting_installed) << "OpenSSL allocated before the counter was installed";
  HmacSha256 hmac("test-secret-key");
  const std::string message(300, 'm');
  hmac.Compute(message);

  const long before = openssl_allocations.load();
  for (int i = 0; i < 100; ++i) hmac.Compute(message);
  EXPECT_EQ(openssl_allocations.load(), before);

  // The counter does see OpenSSL's allocations: the EVP one-shot allocates.
  ReferenceHex("test-secret-key", message);
  EXPECT_GT(openssl_allocations.load(), before);
}

}  // namespace
}  // namespace botrelay::auth
