#pragma once
// The bridge scripts' `auth` signature (Auth.createAuthData), computed with
// OpenSSL directly so the tests do not share code with relayd's verifier:
//   signed    = clientType|botName|deviceUUID|macAddress|ipAddress|<ms>|<salt>
//   signature = lowercase hex HMAC-SHA256(UTF-8 secret key, UTF-8 signed)

#include <cstdint>
#include <string>
#include <string_view>

namespace botrelay::testbot {

std::string HmacSha256Hex(std::string_view key, std::string_view message);

struct SignedFields {
  std::string_view client_type;
  std::string_view bot_name;
  std::string_view device_uuid;
  std::string_view mac_address;
  std::string_view ip_address;
  int64_t timestamp_ms = 0;
};

// The `|`-joined string the phone signs (JS Array.join).
std::string AuthSigningString(const SignedFields& fields, std::string_view salt);

std::string AuthSignature(const SignedFields& fields, std::string_view secret_key,
                          std::string_view salt);

}  // namespace botrelay::testbot
