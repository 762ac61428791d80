#pragma once
// Signs `auth` blocks exactly as the bridge script does:
//   signature = lowercase hex HMAC-SHA256(secret key,
//     clientType|botName|deviceUUID|macAddress|ipAddress|<timestamp ms>|<salt>)
// The key's inner and outer SHA-256 states are computed once, so a
// signature costs two short SHA-256 runs and no allocation. Written against
// OpenSSL directly, not relayd's auth library, so the benchmark checks
// relayd's verifier with an independent implementation.

#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace botrelay::bench {

using Signature = std::array<char, 64>;

struct SignedFields {
  std::string_view client_type;
  std::string_view bot_name;
  std::string_view device_uuid;
  std::string_view mac_address;
  std::string_view ip_address;
};

class AuthSigner {
 public:
  AuthSigner(std::string_view secret_key, std::string salt);

  Signature Sign(const SignedFields& fields, int64_t timestamp_ms);

 private:
  SHA256_CTX inner_;  // after absorbing key ^ ipad
  SHA256_CTX outer_;  // after absorbing key ^ opad
  std::string salt_;
  std::string scratch_;  // the signed string, reused
};

// A device signs only its identity and a millisecond timestamp, so its
// signature changes once per millisecond: this remembers the last one.
// Identical output to signing every frame.
class CachedSignature {
 public:
  const Signature& Get(AuthSigner& signer, const SignedFields& fields, int64_t timestamp_ms) {
    if (timestamp_ms != timestamp_ms_) {
      signature_ = signer.Sign(fields, timestamp_ms);
      timestamp_ms_ = timestamp_ms;
    }
    return signature_;
  }

 private:
  int64_t timestamp_ms_ = -1;
  Signature signature_{};
};

}  // namespace botrelay::bench
