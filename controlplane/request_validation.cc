#include "controlplane/request_validation.h"

#include <cmath>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controlplane/proto_mapping.h"

namespace botrelay::controlplane {
namespace {

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), " ", std::string(problem)));
}

absl::StatusOr<store::DeviceKey> ParseKey(const v1::DeviceKey& key, std::string_view field) {
  if (key.bot_name().empty()) return Invalid(absl::StrCat(std::string(field), ".bot_name"), "is required");
  if (key.device_id().empty()) return Invalid(absl::StrCat(std::string(field), ".device_id"), "is required");
  return store::DeviceKey{key.bot_name(), key.device_id()};
}

absl::Status CheckLength(const std::string& value, size_t max_bytes, std::string_view field) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return Invalid(field, absl::StrCat("is longer than ", max_bytes, " bytes"));
}

// 0 (proto3's "unset") selects the default; negatives are rejected; values
// above the maximum are clamped, as the API documents for page sizes.
absl::StatusOr<int> ParseLimit(int32_t value, int default_value, int max_value,
                               std::string_view field) {
  if (value < 0) return Invalid(field, "must not be negative");
  if (value == 0) return default_value;
  return value > max_value ? max_value : value;
}

bool IsDecimal(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsMediaType(const std::string& type) {
  return type == "image" || type == "audio" || type == "video" || type == "document";
}

// A host name or IP literal as the phones will receive it: no spaces, no
// control characters, at most a DNS name's length.
absl::Status CheckTargetHost(const std::string& host) {
  if (host.empty()) return Invalid("target_host", "is required");
  if (host.size() > 253) return Invalid("target_host", "is longer than 253 bytes");
  for (char c : host) {
    if (c <= ' ' || c == 0x7f) return Invalid("target_host", "contains spaces or control characters");
  }
  return absl::OkStatus();
}

absl::Status ParseSelection(const v1::MigrateRequest& request,
                            dataplane::MigrationSelector* selector) {
  const double fraction = request.fraction();
  if (fraction != 0 && !(fraction > 0 && fraction <= 1)) {
    return Invalid("fraction", "must be in (0, 1]");
  }
  // The API picks the first selection that is set, in this order.
  if (request.all()) {
    selector->all = true;
  } else if (!request.bot_name().empty()) {
    selector->bot_name = request.bot_name();
  } else if (request.devices_size() > 0) {
    for (int i = 0; i < request.devices_size(); ++i) {
      absl::StatusOr<store::DeviceKey> key =
          ParseKey(request.devices(i), absl::StrCat("devices[", i, "]"));
      if (!key.ok()) return key.status();
      selector->devices.push_back(*std::move(key));
    }
  } else if (fraction > 0) {
    selector->fraction = fraction;
  } else {
    return absl::InvalidArgumentError(
        "a selection is required: all, bot_name, devices or fraction");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeviceListQuery> ParseListDevices(const v1::ListDevicesRequest& request) {
  DeviceListQuery query;
  query.filter.bot_name = request.bot_name();
  if (request.status() != v1::DEVICE_STATUS_UNSPECIFIED) {
    query.filter.status = DeviceStatusFromProto(request.status());
    if (!query.filter.status) return Invalid("status", "is not a known device status");
  }
  absl::StatusOr<int> page_size =
      ParseLimit(request.page_size(), kDefaultDevicePageSize, kMaxDevicePageSize, "page_size");
  if (!page_size.ok()) return page_size.status();
  query.page_size = *page_size;
  query.page_token = request.page_token();
  return query;
}

absl::StatusOr<DeviceQuery> ParseGetDevice(const v1::GetDeviceRequest& request) {
  DeviceQuery query;
  absl::StatusOr<store::DeviceKey> key = ParseKey(request.key(), "key");
  if (!key.ok()) return key.status();
  query.key = *std::move(key);
  absl::StatusOr<int> history = ParseLimit(request.history_limit(), kDefaultHistoryLimit,
                                           kMaxHistoryLimit, "history_limit");
  if (!history.ok()) return history.status();
  absl::StatusOr<int> pings =
      ParseLimit(request.ping_limit(), kDefaultHistoryLimit, kMaxHistoryLimit, "ping_limit");
  if (!pings.ok()) return pings.status();
  query.history_limit = *history;
  query.ping_limit = *pings;
  return query;
}

absl::StatusOr<DeviceStatusChange> ParseSetDeviceStatus(
    const v1::SetDeviceStatusRequest& request) {
  DeviceStatusChange change;
  absl::StatusOr<store::DeviceKey> key = ParseKey(request.key(), "key");
  if (!key.ok()) return key.status();
  change.key = *std::move(key);
  if (request.status() == v1::DEVICE_STATUS_UNSPECIFIED) {
    return Invalid("status", "is required (pending, approved, denied, revoked or blocked)");
  }
  std::optional<store::DeviceStatus> status = DeviceStatusFromProto(request.status());
  if (!status) return Invalid("status", "is not a known device status");
  change.status = *status;
  if (absl::Status s = CheckLength(request.reason(), kMaxReasonBytes, "reason"); !s.ok()) return s;
  if (absl::Status s = CheckLength(request.actor(), kMaxActorBytes, "actor"); !s.ok()) return s;
  change.reason = request.reason();
  change.actor = request.actor();
  return change;
}

absl::StatusOr<DeviceDeletion> ParseDeleteDevice(const v1::DeleteDeviceRequest& request) {
  DeviceDeletion deletion;
  absl::StatusOr<store::DeviceKey> key = ParseKey(request.key(), "key");
  if (!key.ok()) return key.status();
  deletion.key = *std::move(key);
  if (absl::Status s = CheckLength(request.reason(), kMaxReasonBytes, "reason"); !s.ok()) return s;
  if (absl::Status s = CheckLength(request.actor(), kMaxActorBytes, "actor"); !s.ok()) return s;
  deletion.reason = request.reason();
  deletion.actor = request.actor();
  return deletion;
}

std::string ResolveActor(const std::string& requested, const std::string& peer) {
  return requested.empty() ? peer : requested;
}

absl::StatusOr<ConnectionQuery> ParseListConnections(const v1::ListConnectionsRequest& request) {
  ConnectionQuery query;
  query.filter.bot_name = request.bot_name();
  query.filter.device_id = request.device_id();
  if (request.state() != v1::CONNECTION_STATE_UNSPECIFIED) {
    query.filter.state = ConnectionStateFromProto(request.state());
    if (!query.filter.state) return Invalid("state", "is not a known connection state");
  }
  if (request.limit() < 0) return Invalid("limit", "must not be negative");
  query.limit = request.limit() == 0 ? kDefaultConnectionLimit : static_cast<size_t>(request.limit());
  return query;
}

absl::StatusOr<uint64_t> ParseGetConnection(const v1::GetConnectionRequest& request) {
  if (request.id() == 0) return Invalid("id", "is required");
  return request.id();
}

absl::StatusOr<DisconnectCommand> ParseDisconnect(const v1::DisconnectRequest& request) {
  if (request.id() == 0) return Invalid("id", "is required");
  if (absl::Status s = CheckLength(request.reason(), kMaxReasonBytes, "reason"); !s.ok()) return s;
  // The phone shows the reason; an empty one would tell its operator nothing.
  return DisconnectCommand{
      request.id(),
      request.reason().empty() ? std::string("disconnected by an administrator") : request.reason()};
}

absl::StatusOr<dataplane::PushRequest> ParseSendMessage(const v1::SendMessageRequest& request) {
  if (request.bot_name().empty()) return Invalid("bot_name", "is required");
  if (request.room().empty()) return Invalid("room", "is required");
  if (request.text().empty() && request.media_size() == 0) {
    return absl::InvalidArgumentError("text or media is required");
  }
  if (!request.channel_id().empty() && !IsDecimal(request.channel_id())) {
    return Invalid("channel_id", "must be a decimal KakaoTalk channel id");
  }
  if (request.media_size() > 0 && request.channel_id().empty()) {
    return Invalid("channel_id", "is required when media is sent");
  }
  for (int i = 0; i < request.media_size(); ++i) {
    if (request.media(i).empty()) return Invalid(absl::StrCat("media[", i, "]"), "is empty");
  }
  if (!request.media_type().empty() && !IsMediaType(request.media_type())) {
    return Invalid("media_type", "must be image, audio, video or document");
  }
  if (request.media_wait_time_ms() < 0) return Invalid("media_wait_time_ms", "must not be negative");

  dataplane::PushRequest push;
  push.bot_name = request.bot_name();
  push.device_id = request.device_id();
  push.room = request.room();
  push.channel_id = request.channel_id();
  push.text = request.text();
  push.media.assign(request.media().begin(), request.media().end());
  if (!request.media_type().empty()) push.media_type = request.media_type();
  push.media_wait_ms = request.media_wait_time_ms();
  return push;
}

absl::StatusOr<dataplane::DrainOptions> ParseDrain(const v1::DrainRequest& request) {
  if (request.deadline_seconds() < 0) return Invalid("deadline_seconds", "must not be negative");
  if (request.reconnect_spread_seconds() < 0) {
    return Invalid("reconnect_spread_seconds", "must not be negative");
  }
  if (absl::Status s = CheckLength(request.reason(), kMaxReasonBytes, "reason"); !s.ok()) return s;
  dataplane::DrainOptions options;
  if (!request.reason().empty()) options.reason = request.reason();
  options.deadline_seconds = request.deadline_seconds();
  options.reconnect_spread_seconds = request.reconnect_spread_seconds();
  return options;
}

absl::StatusOr<dataplane::MigrationRequest> ParseMigrate(const v1::MigrateRequest& request) {
  if (absl::Status s = CheckTargetHost(request.target_host()); !s.ok()) return s;
  if (request.target_port() == 0 || request.target_port() > 65535) {
    return Invalid("target_port", "must be in [1, 65535]");
  }
  const double rate = request.connections_per_second();
  if (rate != 0 && !(std::isfinite(rate) && rate > 0)) {
    return Invalid("connections_per_second", "must be a positive number");
  }
  if (request.migrate_after_seconds() < 0) {
    return Invalid("migrate_after_seconds", "must not be negative");
  }
  dataplane::MigrationRequest migration;
  if (absl::Status s = ParseSelection(request, &migration.selector); !s.ok()) return s;
  migration.target_host = request.target_host();
  migration.target_port = static_cast<uint16_t>(request.target_port());
  migration.connections_per_second = rate == 0 ? kDefaultMigrationRate : rate;
  migration.migrate_after_seconds =
      request.migrate_after_seconds() == 0 ? kDefaultMigrateAfterSeconds
                                           : request.migrate_after_seconds();
  return migration;
}

absl::StatusOr<BanCommand> ParseAddBan(const v1::AddBanRequest& request) {
  if (request.address().empty()) return Invalid("address", "is required");
  if (request.duration_seconds() <= 0 || request.duration_seconds() > kMaxBanSeconds) {
    return Invalid("duration_seconds", "must be in [1, 2592000] (30 days)");
  }
  if (absl::Status s = CheckLength(request.reason(), kMaxReasonBytes, "reason"); !s.ok()) return s;
  return BanCommand{request.address(), request.duration_seconds() * 1000,
                    request.reason().empty() ? std::string("banned by an administrator")
                                             : request.reason()};
}

absl::StatusOr<std::string> ParseLiftBan(const v1::LiftBanRequest& request) {
  if (request.address().empty()) return Invalid("address", "is required");
  return request.address();
}

}  // namespace botrelay::controlplane
