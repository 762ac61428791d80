#pragma once
// Standard-alphabet base64 (RFC 4648 section 4), as Android's Base64.NO_WRAP
// writes it. Both functions append to `out`, reusing its capacity.

#include <string>
#include <string_view>

namespace botrelay::protocol {

void Base64Encode(std::string_view in, std::string& out);

// Strict: only the standard alphabet; padding optional but, if present,
// correct. Returns false (leaving `out` in an unspecified state) otherwise.
bool Base64Decode(std::string_view in, std::string& out);

// True when every byte is in the base64 alphabet or '='.
bool LooksLikeBase64(std::string_view in);

}  // namespace botrelay::protocol
