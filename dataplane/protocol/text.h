#pragma once
// UTF-8 helpers for the KakaoTalk text limits.

#include <cstddef>
#include <string_view>
#include <vector>

namespace botrelay::protocol {

bool IsValidUtf8(std::string_view text);

// Length in UTF-16 code units (a code point above U+FFFF counts 2), which is
// what the phone's JavaScript String.length measures. Input must be UTF-8.
size_t Utf16Length(std::string_view utf8);

// Splits valid UTF-8 into pieces of at most `max_units` UTF-16 units each,
// never inside a code point; prefers to cut after a '\n' in the last tenth of
// a piece. Returns the input itself as the only piece when it fits.
std::vector<std::string_view> SplitByUtf16Units(std::string_view utf8, size_t max_units);

}  // namespace botrelay::protocol
