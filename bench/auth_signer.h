#pragma once
// Signs `auth` blocks exactly as the bridge script does, with relayd's own
// signer (auth::AuthVerifier::Sign: the key schedule is computed once and a
// signature allocates nothing). The test bot (tests/testbot) is the
// implementation that shares no code with relayd and cross-checks its
// verifier.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "dataplane/auth/auth_verifier.h"

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
  AuthSigner(std::string_view secret_key, std::string salt)
      : signer_(auth::AuthSettings{std::string(secret_key), std::move(salt)}) {}

  Signature Sign(const SignedFields& fields, int64_t timestamp_ms) {
    return signer_.Sign(fields.client_type, fields.bot_name, fields.device_uuid,
                        fields.mac_address, fields.ip_address, timestamp_ms);
  }

 private:
  auth::AuthVerifier signer_;
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
