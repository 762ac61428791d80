#pragma once
// A temporary ban of one source address, as the ban table reports it.

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/admission/source_address.h"

namespace botrelay::admission {

enum class BanOrigin : uint8_t {
  kAutomatic,  // issued by the table: too many refusals or failures
  kManual,     // AddBan by an administrator
};
std::string_view BanOriginName(BanOrigin origin);  // "automatic" / "manual"

struct Ban {
  SourceAddress address;
  std::string reason;
  BanOrigin origin = BanOrigin::kAutomatic;
  int64_t banned_at_ms = 0;   // the table's clock (monotonic)
  int64_t expires_at_ms = 0;  // the table's clock (monotonic)
  uint64_t connections_refused = 0;  // attempts turned away by this ban so far
};

}  // namespace botrelay::admission
