#pragma once
// Checks the `auth` block of a chat message or ping reply, as the deployed
// bridge scripts sign it:
//   signed  = clientType|botName|deviceUUID|macAddress|ipAddress|<timestamp>|<salt>
//   signature = lowercase hex HMAC-SHA256(secret key, signed)
// plus what the old server never checked: the clock-skew window and that the
// block names the bot the connection handshook as.
//
// One verifier per event-loop thread (it reuses a scratch buffer).

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/auth/hmac_sha256.h"
#include "dataplane/protocol/frame_decoder.h"

namespace botrelay::auth {

enum class AuthMode : uint8_t {
  kEnforce,  // failures are not processed and get an auth_failed error
  kLog,      // failures are counted and logged, then processed anyway
};

struct AuthSettings {
  std::string secret_key;          // shared with the phone scripts; required
  std::string salt;                // BOT_SPECIFIC_SALT; required
  AuthMode mode = AuthMode::kEnforce;
  int64_t max_clock_skew_ms = 300'000;
};

enum class AuthOutcome : uint8_t {
  kOk,
  kMissing,           // no auth block
  kMalformed,         // required field absent or timestamp not an integer
  kStale,             // timestamp outside the skew window
  kBadSignature,      // signature does not match
  kIdentityMismatch,  // auth.botName differs from the handshake's bot name
};
inline constexpr int kAuthOutcomeCount = static_cast<int>(AuthOutcome::kIdentityMismatch) + 1;
std::string_view AuthOutcomeName(AuthOutcome outcome);  // "ok", "missing", ...

class AuthVerifier {
 public:
  explicit AuthVerifier(const AuthSettings& settings);

  AuthOutcome Verify(const protocol::AuthBlock& auth, std::string_view handshake_bot_name,
                     int64_t now_unix_ms);

  // Computes the signature the phone would send; used by test clients and
  // the benchmark, which sign exactly like the bridge script.
  std::array<char, 64> Sign(std::string_view client_type, std::string_view bot_name,
                            std::string_view device_uuid, std::string_view mac_address,
                            std::string_view ip_address, int64_t timestamp_ms);

  const AuthSettings& settings() const { return settings_; }

 private:
  // The raw HMAC of the signed string that Sign formats as hex.
  Sha256Digest Digest(std::string_view client_type, std::string_view bot_name,
                      std::string_view device_uuid, std::string_view mac_address,
                      std::string_view ip_address, int64_t timestamp_ms);

  AuthSettings settings_;
  HmacSha256 hmac_;
  std::string scratch_;
};

}  // namespace botrelay::auth
