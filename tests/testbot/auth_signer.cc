#include "tests/testbot/auth_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace botrelay::testbot {

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

std::string AuthSigningString(const SignedFields& fields, std::string_view salt) {
  std::string s;
  for (std::string_view part : {fields.client_type, fields.bot_name, fields.device_uuid,
                                fields.mac_address, fields.ip_address}) {
    s.append(part);
    s.push_back('|');
  }
  s += std::to_string(fields.timestamp_ms);
  s.push_back('|');
  s.append(salt);
  return s;
}

std::string AuthSignature(const SignedFields& fields, std::string_view secret_key,
                          std::string_view salt) {
  return HmacSha256Hex(secret_key, AuthSigningString(fields, salt));
}

}  // namespace botrelay::testbot
