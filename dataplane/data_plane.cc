#include "dataplane/data_plane.h"

namespace botrelay::dataplane {

std::string_view ConnectionStateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kPending: return "pending";
    case ConnectionState::kApproved: return "approved";
    case ConnectionState::kClosing: return "closing";
  }
  return "unknown";
}

}  // namespace botrelay::dataplane
