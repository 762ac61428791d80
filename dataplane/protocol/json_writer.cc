#include "dataplane/protocol/json_writer.h"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace botrelay::protocol {
namespace {

inline bool NeedsEscape(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
}

// Whether any of the 8 bytes at `p` needs an escape, tested on all of them at
// once (the classic "has a zero byte" bit trick, exact as a yes/no answer).
// Almost no byte of a reply needs one, so whole words are skipped.
inline bool WordNeedsEscape(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t found = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                         ((word - kOnes * 0x20) & ~word);
  return (found & kHighBits) != 0;
}

}  // namespace

void AppendJsonStringBody(std::string& out, std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run_start = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
    if (utf8.size() - i >= 8 && !WordNeedsEscape(utf8.data() + i)) {
      i += 7;
      continue;
    }
    const char c = utf8[i];
    if (!NeedsEscape(c)) continue;
    // Copy the clean run in one append, then the escape for this byte.
    out.append(utf8.data() + run_start, i - run_start);
    run_start = i + 1;
    if (c == '"' || c == '\\') {
      const char escaped[2] = {'\\', c};
      out.append(escaped, 2);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
      out.append(escaped, 6);
    }
  }
  out.append(utf8.data() + run_start, utf8.size() - run_start);
}

void AppendJsonString(std::string& out, std::string_view utf8) {
  out.push_back('"');
  AppendJsonStringBody(out, utf8);
  out.push_back('"');
}

void AppendJsonInt(std::string& out, int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace botrelay::protocol
