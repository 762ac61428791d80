#pragma once
// HMAC-SHA256 with the key schedule computed once. Compute() does not
// allocate; one instance per thread (it keeps a scratch digest context).

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace botrelay::auth {

using Sha256Digest = std::array<uint8_t, 32>;

class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Sha256Digest Compute(std::string_view message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex, 64 characters.
std::array<char, 64> ToHex(const Sha256Digest& digest);

}  // namespace botrelay::auth
