#include "dataplane/store/device_record.h"

namespace botrelay::store {

std::string_view DeviceStatusName(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::kPending: return "pending";
    case DeviceStatus::kApproved: return "approved";
    case DeviceStatus::kDenied: return "denied";
    case DeviceStatus::kRevoked: return "revoked";
    case DeviceStatus::kBlocked: return "blocked";
  }
  return "unknown";
}

std::optional<DeviceStatus> ParseDeviceStatus(std::string_view name) {
  for (DeviceStatus status : {DeviceStatus::kPending, DeviceStatus::kApproved,
                              DeviceStatus::kDenied, DeviceStatus::kRevoked,
                              DeviceStatus::kBlocked}) {
    if (DeviceStatusName(status) == name) return status;
  }
  return std::nullopt;
}

}  // namespace botrelay::store
