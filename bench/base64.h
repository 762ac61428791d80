#pragma once
// Standard padded base64 (RFC 4648 alphabet), as Android's Base64.NO_WRAP
// writes it. The benchmark carries its own codec so that it checks relayd's
// wire output independently of relayd's code.

#include <string>
#include <string_view>

namespace botrelay::bench {

// Appends the encoding of `bytes` to `out`.
void Base64Append(std::string_view bytes, std::string& out);
size_t Base64EncodedSize(size_t byte_count);
// Replaces `out` with the decoding of `text`; false if it is not valid
// padded base64.
bool Base64Decode(std::string_view text, std::string& out);

}  // namespace botrelay::bench
