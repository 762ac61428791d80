#pragma once
// List pagination tokens: an opaque encoding of the last key a page returned.

#include <string>

#include "absl/status/statusor.h"
#include "dataplane/store/device_record.h"

namespace botrelay::store {

std::string EncodePageToken(const DeviceKey& last_key);
// INVALID_ARGUMENT unless `token` came from EncodePageToken.
absl::StatusOr<DeviceKey> DecodePageToken(const std::string& token);

}  // namespace botrelay::store
