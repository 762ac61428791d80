#include "dataplane/protocol/text.h"

#include <simdjson.h>

#include <cstdint>

namespace botrelay::protocol {
namespace {

// UTF-16 units of the code point that `byte` starts; 0 for a continuation
// byte, so summing over all bytes of valid UTF-8 gives its UTF-16 length.
inline size_t Utf16UnitsOfByte(uint8_t byte) {
  if ((byte & 0xC0) == 0x80) return 0;
  return byte >= 0xF0 ? 2 : 1;
}

// Byte length of the code point starting with lead byte `lead` (valid UTF-8).
inline size_t Utf8SequenceLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

size_t Utf16Length(std::string_view utf8) {
  size_t units = 0;
  for (char c : utf8) units += Utf16UnitsOfByte(static_cast<uint8_t>(c));
  return units;
}

std::vector<std::string_view> SplitByUtf16Units(std::string_view utf8, size_t max_units) {
  std::vector<std::string_view> pieces;
  // A newline only counts as a preferred cut when it lies in the last tenth
  // of the piece; earlier newlines would make pieces needlessly short.
  const size_t newline_threshold = max_units - max_units / 10;
  do {
    size_t pos = 0;
    size_t units = 0;
    size_t newline_cut = 0;  // byte offset just after a late '\n'; 0 if none
    while (pos < utf8.size()) {
      const auto lead = static_cast<uint8_t>(utf8[pos]);
      const size_t cp_units = Utf16UnitsOfByte(lead);
      // Every piece takes at least one code point so the loop always makes
      // progress, even when max_units cannot hold a surrogate pair.
      if (units + cp_units > max_units && pos > 0) break;
      units += cp_units;
      pos += Utf8SequenceLength(lead);
      if (lead == '\n' && units >= newline_threshold) newline_cut = pos;
    }
    if (pos > utf8.size()) pos = utf8.size();  // truncated final sequence
    const size_t cut = (pos < utf8.size() && newline_cut != 0) ? newline_cut : pos;
    pieces.push_back(utf8.substr(0, cut));
    utf8.remove_prefix(cut);
  } while (!utf8.empty());
  return pieces;
}

}  // namespace botrelay::protocol
