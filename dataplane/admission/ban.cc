#include "dataplane/admission/ban.h"

namespace botrelay::admission {

std::string_view BanOriginName(BanOrigin origin) {
  switch (origin) {
    case BanOrigin::kAutomatic: return "automatic";
    case BanOrigin::kManual: return "manual";
  }
  return "unknown";
}

}  // namespace botrelay::admission
