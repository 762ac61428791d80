#pragma once
// Standard-alphabet base64 (RFC 4648 section 4), as Android's Base64.NO_WRAP
// writes it. Both functions append to `out`, reusing its capacity.

#include <string>
#include <string_view>

namespace botrelay::protocol {

// Length of the padded encoding of `byte_count` bytes (message_positions
// announce it before the tail).
constexpr size_t Base64EncodedSize(size_t byte_count) { return (byte_count + 2) / 3 * 4; }

void Base64Encode(std::string_view in, std::string& out);

// Strict: only the standard alphabet; padding optional but, if present,
// correct. Returns false (leaving `out` in an unspecified state) otherwise.
bool Base64Decode(std::string_view in, std::string& out);

// True when every byte is in the base64 alphabet or '='.
bool LooksLikeBase64(std::string_view in);

}  // namespace botrelay::protocol
