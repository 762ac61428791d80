#pragma once
// The device registry's vocabulary.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace botrelay::store {

enum class DeviceStatus : uint8_t { kPending, kApproved, kDenied, kRevoked, kBlocked };
std::string_view DeviceStatusName(DeviceStatus status);          // "pending", ...
std::optional<DeviceStatus> ParseDeviceStatus(std::string_view name);

struct DeviceKey {
  std::string bot_name;
  std::string device_id;
  bool operator==(const DeviceKey&) const = default;
};

struct DeviceRecord {
  DeviceKey key;
  DeviceStatus status = DeviceStatus::kPending;
  std::string client_type;
  std::string client_version;
  std::string last_ip;        // peer address seen by relayd
  std::string device_ip;      // address the phone reported about itself
  std::string status_reason;  // reason of the last status change
  uint32_t max_message_size = 0;  // 0 = server default
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t last_seen_ms = 0;
};

struct DeviceHistoryEntry {
  int64_t at_ms = 0;
  std::string actor;
  std::string action;  // "registered", "approve", "block", "revoke", "deny", "delete", ...
  std::optional<DeviceStatus> old_status;
  std::optional<DeviceStatus> new_status;
  std::string reason;
};

struct PingSample {
  DeviceKey key;
  int64_t at_ms = 0;
  double rtt_ms = 0;
  double total_memory_mb = 0;
  double memory_usage_mb = 0;
  double memory_percent = 0;
  int64_t message_queue_size = 0;
  int64_t active_rooms = 0;
};

// What a handshake tells the registry about a device.
struct HandshakeFacts {
  DeviceKey key;
  std::string client_type;
  std::string client_version;
  std::string device_ip;
  std::string peer_ip;
  int64_t now_ms = 0;
};

}  // namespace botrelay::store
