#pragma once
// Standard padded base64 (RFC 4648 alphabet), as Android's Base64.NO_WRAP
// writes it on the phone. Written independently of relayd's codec so the
// tests cross-check it.

#include <optional>
#include <string>
#include <string_view>

namespace botrelay::testbot {

std::string Base64Encode(std::string_view bytes);

// Strict decode: padded standard alphabet only, no whitespace. nullopt on
// any deviation, so a server sending a malformed tail is noticed.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace botrelay::testbot
