#include "dataplane/admission/cidr_set.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace botrelay::admission {

namespace {

bool PrefixMatches(const SourceAddress& a, const SourceAddress& b, int bits) {
  const auto& x = a.bytes();
  const auto& y = b.bytes();
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (x[i] != y[i]) return false;
  }
  if (bits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
  return (x[i] & mask) == (y[i] & mask);
}

}  // namespace

absl::StatusOr<CidrSet> CidrSet::Parse(std::string_view text) {
  CidrSet set;
  for (absl::string_view piece : absl::StrSplit(absl::string_view(text.data(), text.size()),
                                                absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    std::string_view entry(piece.data(), piece.size());
    size_t slash = entry.find('/');
    absl::StatusOr<SourceAddress> address = SourceAddress::Parse(entry.substr(0, slash));
    if (!address.ok()) {
      return absl::InvalidArgumentError("bad CIDR range '" + std::string(entry) + "'");
    }
    const int family_bits = address->is_v4() ? 32 : 128;
    int bits = family_bits;
    if (slash != std::string_view::npos) {
      std::string_view length = entry.substr(slash + 1);
      if (!absl::SimpleAtoi(absl::string_view(length.data(), length.size()), &bits) || bits < 0 ||
          bits > family_bits) {
        return absl::InvalidArgumentError("bad prefix length in '" + std::string(entry) + "'");
      }
    }
    // IPv4 addresses are stored behind the 96-bit mapped prefix.
    set.ranges_.push_back({*address, bits + (128 - family_bits)});
  }
  return set;
}

bool CidrSet::Contains(const SourceAddress& address) const {
  for (const Range& range : ranges_) {
    if (PrefixMatches(address, range.network, range.prefix_bits)) return true;
  }
  return false;
}

}  // namespace botrelay::admission
