// Fuzz target: the HMAC `auth` block of a chat message or ping reply, from the
// received line through the decoder to the verifier, with a fixed key, salt,
// clock and handshake identity.
//
// Properties:
//  * the verdict agrees with an independent recomputation: a block is
//    accepted exactly when it is complete, names the handshake's bot, is
//    inside the skew window and carries the lowercase hex HMAC the phone
//    would send;
//  * whatever field values arrive (any bytes, any length), signing them as
//    the phone does is accepted, and changing one signature digit, the
//    timestamp beyond the window or the bot name is refused with the
//    matching outcome.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/auth/auth_verifier.h"
#include "dataplane/protocol/frame_decoder.h"
#include "tests/dataplane/protocol/padded_line.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using botrelay::auth::AuthOutcome;
using botrelay::auth::AuthSettings;
using botrelay::auth::AuthVerifier;
using botrelay::protocol::AuthBlock;
using botrelay::protocol::DecodedFrame;
using botrelay::protocol::FrameDecoder;
using botrelay::protocol::FrameKind;
using botrelay::protocol::testing::PaddedLine;

// The seed corpus is signed with these (tests/fuzz/README.md).
constexpr std::string_view kSecretKey = "fuzz-secret-key";
constexpr std::string_view kSalt = "fuzz-salt";
constexpr std::string_view kHandshakeBot = "LOA.i";
constexpr int64_t kNowMs = 1'721'700'000'000;
constexpr int64_t kSkewMs = 300'000;

AuthVerifier& Verifier() {
  static AuthVerifier verifier(AuthSettings{std::string(kSecretKey), std::string(kSalt),
                                            botrelay::auth::AuthMode::kEnforce, kSkewMs});
  return verifier;
}

std::string ExpectedSignature(const AuthBlock& auth) {
  const auto hex = Verifier().Sign(auth.client_type, auth.bot_name, auth.device_uuid,
                                   auth.mac_address, auth.ip_address, auth.timestamp_ms);
  return std::string(hex.data(), hex.size());
}

bool InsideWindow(int64_t timestamp_ms) {
  // Written differently from the verifier (which works in unsigned
  // arithmetic), in a range where this form cannot overflow.
  return timestamp_ms >= kNowMs - kSkewMs && timestamp_ms <= kNowMs + kSkewMs;
}

void CheckVerdictOfReceivedBlock(const AuthBlock& auth) {
  const AuthOutcome outcome = Verifier().Verify(auth, kHandshakeBot, kNowMs);
  const bool acceptable = auth.present && !auth.client_type.empty() && !auth.bot_name.empty() &&
                          auth.has_timestamp && InsideWindow(auth.timestamp_ms) &&
                          auth.bot_name == kHandshakeBot &&
                          auth.signature == ExpectedSignature(auth);
  FUZZ_CHECK((outcome == AuthOutcome::kOk) == acceptable);
}

void CheckSignedVariants(AuthBlock auth) {
  if (auth.client_type.empty()) return;  // a required field: malformed, not signable
  auth.present = true;
  auth.has_timestamp = true;
  auth.bot_name = kHandshakeBot;
  if (!InsideWindow(auth.timestamp_ms)) auth.timestamp_ms = kNowMs;

  std::string signature = ExpectedSignature(auth);
  auth.signature = signature;
  FUZZ_CHECK(Verifier().Verify(auth, kHandshakeBot, kNowMs) == AuthOutcome::kOk);

  const size_t digit = static_cast<uint64_t>(auth.timestamp_ms) % signature.size();
  std::string altered = signature;
  altered[digit] = altered[digit] == '0' ? '1' : '0';
  auth.signature = altered;
  FUZZ_CHECK(Verifier().Verify(auth, kHandshakeBot, kNowMs) == AuthOutcome::kBadSignature);
  auth.signature = signature;

  AuthBlock stale = auth;
  stale.timestamp_ms = kNowMs - kSkewMs - 1;
  FUZZ_CHECK(Verifier().Verify(stale, kHandshakeBot, kNowMs) == AuthOutcome::kStale);

  FUZZ_CHECK(Verifier().Verify(auth, "another-bot", kNowMs) == AuthOutcome::kIdentityMismatch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FrameDecoder decoder;
  const PaddedLine line(std::string_view(reinterpret_cast<const char*>(data), size));
  DecodedFrame frame;
  if (!decoder.Decode(line.view(), frame).ok) return 0;

  const AuthBlock* auth = nullptr;
  if (frame.kind == FrameKind::kChat) auth = &frame.chat.auth;
  if (frame.kind == FrameKind::kPingReply) auth = &frame.ping.auth;
  if (auth == nullptr) return 0;

  CheckVerdictOfReceivedBlock(*auth);
  CheckSignedVariants(*auth);
  return 0;
}
