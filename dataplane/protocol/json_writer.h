#pragma once
// Minimal JSON output primitives for the frame encoder: appending to a
// caller-owned buffer, never allocating except by growing it.

#include <cstdint>
#include <string>
#include <string_view>

namespace botrelay::protocol {

// Appends `utf8` escaped for use inside a JSON string, without the quotes:
// '"' and '\' are backslash-escaped, control characters become \u00XX, and
// everything else (non-ASCII UTF-8 included) is copied as is.
void AppendJsonStringBody(std::string& out, std::string_view utf8);

// Appends `utf8` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view utf8);

void AppendJsonInt(std::string& out, int64_t value);

}  // namespace botrelay::protocol
