#include "dataplane/auth/auth_verifier.h"

#include <openssl/crypto.h>

#include <charconv>

namespace botrelay::auth {
namespace {

constexpr size_t kSignatureHexChars = 64;

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsHexSignature(std::string_view signature) {
  if (signature.size() != kSignatureHexChars) return false;
  for (char c : signature) {
    if (!IsHexDigit(c)) return false;
  }
  return true;
}

// |a - b| > limit without overflow for any int64 pair (timestamps are
// attacker-controlled).
bool DifferenceExceeds(int64_t a, int64_t b, int64_t limit) {
  const uint64_t distance = a >= b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
                                   : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
  return distance > static_cast<uint64_t>(limit);
}

// Rebuilds the bridge script's signed string into `out` (reusing its storage).
void BuildSignedString(std::string& out, std::string_view client_type, std::string_view bot_name,
                       std::string_view device_uuid, std::string_view mac_address,
                       std::string_view ip_address, int64_t timestamp_ms, std::string_view salt) {
  char timestamp[24];
  const auto [end, ec] = std::to_chars(timestamp, timestamp + sizeof(timestamp), timestamp_ms);
  out.clear();
  for (std::string_view part : {client_type, bot_name, device_uuid, mac_address, ip_address}) {
    out.append(part);
    out.push_back('|');
  }
  out.append(timestamp, end);
  out.push_back('|');
  out.append(salt);
}

}  // namespace

std::string_view AuthOutcomeName(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kOk: return "ok";
    case AuthOutcome::kMissing: return "missing";
    case AuthOutcome::kMalformed: return "malformed";
    case AuthOutcome::kStale: return "stale";
    case AuthOutcome::kBadSignature: return "bad_signature";
    case AuthOutcome::kIdentityMismatch: return "identity_mismatch";
  }
  return "unknown";
}

AuthVerifier::AuthVerifier(const AuthSettings& settings)
    : settings_(settings), hmac_(settings_.secret_key) {}

AuthOutcome AuthVerifier::Verify(const protocol::AuthBlock& auth,
                                 std::string_view handshake_bot_name, int64_t now_unix_ms) {
  if (!auth.present) return AuthOutcome::kMissing;
  if (auth.client_type.empty() || auth.bot_name.empty() || !auth.has_timestamp ||
      !IsHexSignature(auth.signature)) {
    return AuthOutcome::kMalformed;
  }
  // Cheap checks before the HMAC, so junk costs no hashing.
  if (DifferenceExceeds(now_unix_ms, auth.timestamp_ms, settings_.max_clock_skew_ms)) {
    return AuthOutcome::kStale;
  }
  if (auth.bot_name != handshake_bot_name) return AuthOutcome::kIdentityMismatch;

  const std::array<char, 64> expected =
      Sign(auth.client_type, auth.bot_name, auth.device_uuid, auth.mac_address, auth.ip_address,
           auth.timestamp_ms);
  // The phone sends lowercase hex; an uppercase signature does not match,
  // as with the old server's compare_digest on hexdigest().
  if (CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0) {
    return AuthOutcome::kBadSignature;
  }
  return AuthOutcome::kOk;
}

std::array<char, 64> AuthVerifier::Sign(std::string_view client_type, std::string_view bot_name,
                                        std::string_view device_uuid,
                                        std::string_view mac_address, std::string_view ip_address,
                                        int64_t timestamp_ms) {
  BuildSignedString(scratch_, client_type, bot_name, device_uuid, mac_address, ip_address,
                    timestamp_ms, settings_.salt);
  return ToHex(hmac_.Compute(scratch_));
}

}  // namespace botrelay::auth
