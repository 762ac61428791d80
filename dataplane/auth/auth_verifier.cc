#include "dataplane/auth/auth_verifier.h"

#include <openssl/crypto.h>

#include <array>
#include <charconv>

namespace botrelay::auth {
namespace {

constexpr size_t kSignatureHexChars = 64;

// Hex digit values, with flags: the phone sends lowercase hex, and an
// uppercase signature is well-formed but never matches (as with the old
// server's compare_digest on hexdigest()).
constexpr uint8_t kNotHex = 0x80;
constexpr uint8_t kUppercaseHex = 0x40;
constexpr std::array<uint8_t, 256> kHexDigits = [] {
  std::array<uint8_t, 256> table{};
  table.fill(kNotHex);
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<uint8_t>(10 + i);
    table['A' + i] = static_cast<uint8_t>(kUppercaseHex | (10 + i));
  }
  return table;
}();

enum class SignatureForm : uint8_t { kMalformed, kUppercase, kLowercase };

// Decodes the 64 hex digits of a signature, so that it is compared with the
// computed digest as 32 bytes instead of formatting that digest as hex.
SignatureForm ParseSignature(std::string_view text, Sha256Digest& digest) {
  if (text.size() != kSignatureHexChars) return SignatureForm::kMalformed;
  uint8_t flags = 0;
  for (size_t i = 0; i < digest.size(); ++i) {
    const uint8_t high = kHexDigits[static_cast<uint8_t>(text[2 * i])];
    const uint8_t low = kHexDigits[static_cast<uint8_t>(text[2 * i + 1])];
    flags |= high | low;
    digest[i] = static_cast<uint8_t>((high & 0x0f) << 4 | (low & 0x0f));
  }
  if (flags & kNotHex) return SignatureForm::kMalformed;
  return flags & kUppercaseHex ? SignatureForm::kUppercase : SignatureForm::kLowercase;
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
  Sha256Digest received;
  const SignatureForm form = ParseSignature(auth.signature, received);
  if (auth.client_type.empty() || auth.bot_name.empty() || !auth.has_timestamp ||
      form == SignatureForm::kMalformed) {
    return AuthOutcome::kMalformed;
  }
  // Cheap checks before the HMAC, so junk costs no hashing.
  if (DifferenceExceeds(now_unix_ms, auth.timestamp_ms, settings_.max_clock_skew_ms)) {
    return AuthOutcome::kStale;
  }
  if (auth.bot_name != handshake_bot_name) return AuthOutcome::kIdentityMismatch;
  if (form == SignatureForm::kUppercase) return AuthOutcome::kBadSignature;

  const Sha256Digest expected = Digest(auth.client_type, auth.bot_name, auth.device_uuid,
                                       auth.mac_address, auth.ip_address, auth.timestamp_ms);
  if (CRYPTO_memcmp(expected.data(), received.data(), expected.size()) != 0) {
    return AuthOutcome::kBadSignature;
  }
  return AuthOutcome::kOk;
}

std::array<char, 64> AuthVerifier::Sign(std::string_view client_type, std::string_view bot_name,
                                        std::string_view device_uuid,
                                        std::string_view mac_address, std::string_view ip_address,
                                        int64_t timestamp_ms) {
  return ToHex(Digest(client_type, bot_name, device_uuid, mac_address, ip_address, timestamp_ms));
}

Sha256Digest AuthVerifier::Digest(std::string_view client_type, std::string_view bot_name,
                                  std::string_view device_uuid, std::string_view mac_address,
                                  std::string_view ip_address, int64_t timestamp_ms) {
  BuildSignedString(scratch_, client_type, bot_name, device_uuid, mac_address, ip_address,
                    timestamp_ms, settings_.salt);
  return hmac_.Compute(scratch_);
}

}  // namespace botrelay::auth
