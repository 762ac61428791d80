#pragma once
// What the bridge script does to chat text before sending it
// (Utils.sanitizeText): cut to 65,000 JS chars (UTF-16 code units), drop C0
// controls except LF and CR, drop DEL and the bidi controls U+202A-202E and
// U+2066-2069.

#include <cstddef>
#include <string>
#include <string_view>

namespace botrelay::testbot {

inline constexpr size_t kPhoneMaxTextUnits = 65000;

// JS String.length of UTF-8 text: code points above U+FFFF count twice.
// Bytes that are not valid UTF-8 count one each.
size_t Utf16Length(std::string_view utf8);

// Utils.sanitizeText. If the cut falls inside a surrogate pair, the lone
// high surrogate is what Java's getBytes("UTF-8") turns into '?'.
std::string SanitizeLikePhone(std::string_view utf8);

}  // namespace botrelay::testbot
