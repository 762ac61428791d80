#include "bench/base64.h"

#include <array>
#include <cstdint>

namespace botrelay::bench {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

size_t Base64EncodedSize(size_t byte_count) { return (byte_count + 2) / 3 * 4; }

void Base64Append(std::string_view bytes, std::string& out) {
  // Written through a pointer into pre-sized storage: appending char by
  // char costs a capacity check per output byte.
  const size_t start = out.size();
  out.resize(start + Base64EncodedSize(bytes.size()));
  char* dst = out.data() + start;
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{in[i]} << 16;
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = '=';
    *dst++ = '=';
  } else if (n - i == 2) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = '=';
  }
}

bool Base64Decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  out.resize(text.size() / 4 * 3);
  char* dst = out.data();
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  const size_t body = text.empty() ? 0 : text.size() - 4;  // every quad but the last has no padding
  for (size_t i = 0; i < body; i += 4) {
    const int32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
                  d = kDecode[in[i + 3]];
    if ((a | b | c | d) < 0) return false;
    const uint32_t bits = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    *dst++ = static_cast<char>(bits >> 16);
    *dst++ = static_cast<char>((bits >> 8) & 0xff);
    *dst++ = static_cast<char>(bits & 0xff);
  }
  if (!text.empty()) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const uint8_t c = in[body + j];
      if (c == '=' && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return false;  // data after padding
      v[j] = kDecode[c];
      if (v[j] < 0) return false;
    }
    const uint32_t bits = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | v[3];
    *dst++ = static_cast<char>(bits >> 16);
    if (pad < 2) *dst++ = static_cast<char>((bits >> 8) & 0xff);
    if (pad < 1) *dst++ = static_cast<char>(bits & 0xff);
  }
  out.resize(static_cast<size_t>(dst - out.data()));
  return true;
}

}  // namespace botrelay::bench
