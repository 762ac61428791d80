#include "tests/testbot/phone_text.h"

#include <cstdint>

namespace botrelay::testbot {
namespace {

// Length of the UTF-8 sequence starting at text[i] and its code point, or
// {1, -1} for a byte that does not start a valid sequence.
struct CodePoint {
  size_t bytes;
  int32_t value;
};

CodePoint NextCodePoint(std::string_view text, size_t i) {
  const auto b0 = static_cast<uint8_t>(text[i]);
  size_t len = 0;
  int32_t cp = 0;
  if (b0 < 0x80) return {1, b0};
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
  else return {1, -1};
  if (i + len > text.size()) return {1, -1};
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(text[i + k]);
    if ((b & 0xC0) != 0x80) return {1, -1};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {len, cp};
}

bool RemovedBySanitize(int32_t cp) {
  if (cp < 0) return false;
  if (cp <= 0x1F) return cp != '\n' && cp != '\r';
  if (cp == 0x7F) return true;
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

size_t Utf16Length(std::string_view utf8) {
  size_t units = 0;
  for (size_t i = 0; i < utf8.size();) {
    const CodePoint cp = NextCodePoint(utf8, i);
    units += cp.value > 0xFFFF ? 2 : 1;
    i += cp.bytes;
  }
  return units;
}

std::string SanitizeLikePhone(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t units = 0;
  for (size_t i = 0; i < utf8.size();) {
    const CodePoint cp = NextCodePoint(utf8, i);
    const size_t width = cp.value > 0xFFFF ? 2 : 1;
    if (units + width > kPhoneMaxTextUnits) {
      // substring(0, 65000) split a surrogate pair: the high half survives
      // and Java encodes the unpaired surrogate as '?'.
      if (units < kPhoneMaxTextUnits) out.push_back('?');
      break;
    }
    units += width;
    if (!RemovedBySanitize(cp.value)) out.append(utf8.substr(i, cp.bytes));
    i += cp.bytes;
  }
  return out;
}

}  // namespace botrelay::testbot
