#include "dataplane/auth/hmac_sha256.h"

// OpenSSL 3.0's EVP digest contexts free and re-allocate their provider state
// on every EVP_MD_CTX_copy_ex and EVP_DigestInit_ex (one malloc per call,
// measured on this machine's 3.0.x), so a precomputed EVP context cannot be
// reused without allocating. SHA256_CTX is a plain value: copying the padded
// key states is a memcpy and runs the same assembly block function. The
// low-level API is deprecated in 3.0 but present in every 3.x release.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace botrelay::auth {
namespace {

constexpr size_t kBlockSize = 64;  // SHA-256 block size (RFC 2104's B)
constexpr uint8_t kInnerPad = 0x36;
constexpr uint8_t kOuterPad = 0x5c;

// Absorbs one block of key ^ pad, so Compute starts from the padded state.
SHA256_CTX PaddedKeyState(const uint8_t (&block_key)[kBlockSize], uint8_t pad) {
  uint8_t padded[kBlockSize];
  for (size_t i = 0; i < kBlockSize; ++i) padded[i] = block_key[i] ^ pad;
  SHA256_CTX state;
  SHA256_Init(&state);
  SHA256_Update(&state, padded, kBlockSize);
  OPENSSL_cleanse(padded, sizeof(padded));
  return state;
}

}  // namespace

struct HmacSha256::Impl {
  SHA256_CTX inner;  // state after H(key ^ ipad)
  SHA256_CTX outer;  // state after H(key ^ opad)
};

HmacSha256::HmacSha256(std::string_view key) : impl_(std::make_unique<Impl>()) {
  // RFC 2104: keys longer than the block are replaced by their digest; the
  // block key is then zero-padded to the block size.
  uint8_t block_key[kBlockSize] = {};
  if (key.size() > kBlockSize) {
    SHA256(reinterpret_cast<const uint8_t*>(key.data()), key.size(), block_key);
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  impl_->inner = PaddedKeyState(block_key, kInnerPad);
  impl_->outer = PaddedKeyState(block_key, kOuterPad);
  OPENSSL_cleanse(block_key, sizeof(block_key));
}

HmacSha256::~HmacSha256() { OPENSSL_cleanse(impl_.get(), sizeof(Impl)); }

Sha256Digest HmacSha256::Compute(std::string_view message) {
  Sha256Digest inner_digest;
  SHA256_CTX state = impl_->inner;
  SHA256_Update(&state, message.data(), message.size());
  SHA256_Final(inner_digest.data(), &state);

  Sha256Digest digest;
  state = impl_->outer;
  SHA256_Update(&state, inner_digest.data(), inner_digest.size());
  SHA256_Final(digest.data(), &state);
  return digest;
}

std::array<char, 64> ToHex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 64> hex;
  for (size_t i = 0; i < digest.size(); ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 0x0f];
  }
  return hex;
}

}  // namespace botrelay::auth
