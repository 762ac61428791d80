#pragma once
// CidrSet: a list of address ranges ("10.0.0.0/8,127.0.0.1,2001:db8::/32"),
// read once from configuration and asked at every accept. IPv4 ranges match
// IPv4 peers of a dual-stack listener too (addresses are IPv4-mapped).

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/admission/source_address.h"

namespace botrelay::admission {

class CidrSet {
 public:
  // Comma- or space-separated; a bare address is a single-host range.
  // INVALID_ARGUMENT naming the bad entry.
  static absl::StatusOr<CidrSet> Parse(std::string_view text);

  bool Contains(const SourceAddress& address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    SourceAddress network;  // host bits cleared
    int prefix_bits = 128;  // of the 128-bit (mapped) form
  };
  std::vector<Range> ranges_;
};

}  // namespace botrelay::admission
