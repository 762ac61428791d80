// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but
// EVP cannot copy a precomputed digest state without allocating, and the
// plain SHA256_CTX can: it is a struct.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "bench/auth_signer.h"

#include <charconv>
#include <cstring>

namespace botrelay::bench {

AuthSigner::AuthSigner(std::string_view secret_key, std::string salt) : salt_(std::move(salt)) {
  unsigned char key_block[SHA256_CBLOCK] = {};
  if (secret_key.size() > SHA256_CBLOCK) {
    SHA256(reinterpret_cast<const unsigned char*>(secret_key.data()), secret_key.size(), key_block);
  } else {
    std::memcpy(key_block, secret_key.data(), secret_key.size());
  }
  unsigned char pad[SHA256_CBLOCK];
  for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key_block[i] ^ 0x36;
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad, sizeof pad);
  for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key_block[i] ^ 0x5c;
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad, sizeof pad);
}

Signature AuthSigner::Sign(const SignedFields& fields, int64_t timestamp_ms) {
  scratch_.clear();
  for (std::string_view part : {fields.client_type, fields.bot_name, fields.device_uuid,
                                fields.mac_address, fields.ip_address}) {
    scratch_ += part;
    scratch_ += '|';
  }
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, timestamp_ms);
  scratch_.append(digits, end);
  scratch_ += '|';
  scratch_ += salt_;

  unsigned char inner_digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, scratch_.data(), scratch_.size());
  SHA256_Final(inner_digest, &ctx);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ctx = outer_;
  SHA256_Update(&ctx, inner_digest, sizeof inner_digest);
  SHA256_Final(digest, &ctx);

  static constexpr char kHex[] = "0123456789abcdef";
  Signature hex;
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace botrelay::bench
