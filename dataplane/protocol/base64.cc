#include "dataplane/protocol/base64.h"

#include <array>
#include <cstdint>

namespace botrelay::protocol {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Sextet value of each byte; kInvalid for bytes outside the alphabet
// (including '=', which is only legal as trailing padding).
constexpr uint8_t kInvalid = 0xFF;
constexpr std::array<uint8_t, 256> kDecodeTable = [] {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = i;
  return table;
}();

inline uint32_t Sextet(char c) { return kDecodeTable[static_cast<uint8_t>(c)]; }

}  // namespace

void Base64Encode(std::string_view in, std::string& out) {
  const size_t old_size = out.size();
  out.resize(old_size + (in.size() + 2) / 3 * 4);
  char* dst = out.data() + old_size;
  const auto* src = reinterpret_cast<const uint8_t*>(in.data());
  size_t remaining = in.size();
  for (; remaining >= 3; remaining -= 3, src += 3) {
    const uint32_t v = (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) | src[2];
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 0x3F];
    *dst++ = kAlphabet[(v >> 6) & 0x3F];
    *dst++ = kAlphabet[v & 0x3F];
  }
  if (remaining == 1) {
    const uint32_t v = uint32_t{src[0]} << 16;
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 0x3F];
    *dst++ = '=';
    *dst++ = '=';
  } else if (remaining == 2) {
    const uint32_t v = (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8);
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 0x3F];
    *dst++ = kAlphabet[(v >> 6) & 0x3F];
    *dst++ = '=';
  }
}

bool Base64Decode(std::string_view in, std::string& out) {
  size_t padding = 0;
  while (padding < 2 && padding < in.size() && in[in.size() - 1 - padding] == '=') ++padding;
  const size_t data_len = in.size() - padding;
  const size_t tail_len = data_len % 4;
  // Padding, when present, must complete the last quad exactly; one leftover
  // character can never encode a whole byte.
  if (tail_len == 1) return false;
  if (padding > 0 && (in.size() % 4 != 0 || tail_len != 4 - padding)) return false;

  const size_t old_size = out.size();
  const size_t out_len = data_len / 4 * 3 + (tail_len == 0 ? 0 : tail_len - 1);
  out.resize(old_size + out_len);
  auto* dst = reinterpret_cast<uint8_t*>(out.data() + old_size);
  const char* src = in.data();

  uint32_t invalid = 0;
  for (size_t quads = data_len / 4; quads > 0; --quads, src += 4) {
    const uint32_t a = Sextet(src[0]), b = Sextet(src[1]), c = Sextet(src[2]), d = Sextet(src[3]);
    invalid |= a | b | c | d;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *dst++ = static_cast<uint8_t>(v >> 16);
    *dst++ = static_cast<uint8_t>(v >> 8);
    *dst++ = static_cast<uint8_t>(v);
  }
  if (tail_len >= 2) {
    const uint32_t a = Sextet(src[0]), b = Sextet(src[1]);
    const uint32_t c = tail_len == 3 ? Sextet(src[2]) : 0;
    invalid |= a | b | c;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6);
    *dst++ = static_cast<uint8_t>(v >> 16);
    if (tail_len == 3) *dst++ = static_cast<uint8_t>(v >> 8);
    // Strict: the unused low bits of the last character must be zero, so
    // every byte string has exactly one accepted encoding.
    const uint32_t unused_bits = tail_len == 3 ? (v & 0xFF) : (v & 0xFFFF);
    if (unused_bits != 0) return false;
  }
  return (invalid & 0x80) == 0;
}

bool LooksLikeBase64(std::string_view in) {
  for (char c : in) {
    if (Sextet(c) == kInvalid && c != '=') return false;
  }
  return true;
}

}  // namespace botrelay::protocol
