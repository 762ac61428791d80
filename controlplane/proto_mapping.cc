#include "controlplane/proto_mapping.h"

namespace botrelay::controlplane {

v1::DeviceStatus ToProto(store::DeviceStatus status) {
  switch (status) {
    case store::DeviceStatus::kPending: return v1::DEVICE_STATUS_PENDING;
    case store::DeviceStatus::kApproved: return v1::DEVICE_STATUS_APPROVED;
    case store::DeviceStatus::kDenied: return v1::DEVICE_STATUS_DENIED;
    case store::DeviceStatus::kRevoked: return v1::DEVICE_STATUS_REVOKED;
    case store::DeviceStatus::kBlocked: return v1::DEVICE_STATUS_BLOCKED;
  }
  return v1::DEVICE_STATUS_UNSPECIFIED;
}

std::optional<store::DeviceStatus> DeviceStatusFromProto(int status) {
  switch (status) {
    case v1::DEVICE_STATUS_PENDING: return store::DeviceStatus::kPending;
    case v1::DEVICE_STATUS_APPROVED: return store::DeviceStatus::kApproved;
    case v1::DEVICE_STATUS_DENIED: return store::DeviceStatus::kDenied;
    case v1::DEVICE_STATUS_REVOKED: return store::DeviceStatus::kRevoked;
    case v1::DEVICE_STATUS_BLOCKED: return store::DeviceStatus::kBlocked;
    default: return std::nullopt;
  }
}

v1::ConnectionState ToProto(dataplane::ConnectionState state) {
  switch (state) {
    case dataplane::ConnectionState::kPending: return v1::CONNECTION_STATE_PENDING;
    case dataplane::ConnectionState::kApproved: return v1::CONNECTION_STATE_APPROVED;
    case dataplane::ConnectionState::kClosing: return v1::CONNECTION_STATE_CLOSING;
  }
  return v1::CONNECTION_STATE_UNSPECIFIED;
}

std::optional<dataplane::ConnectionState> ConnectionStateFromProto(int state) {
  switch (state) {
    case v1::CONNECTION_STATE_PENDING: return dataplane::ConnectionState::kPending;
    case v1::CONNECTION_STATE_APPROVED: return dataplane::ConnectionState::kApproved;
    case v1::CONNECTION_STATE_CLOSING: return dataplane::ConnectionState::kClosing;
    default: return std::nullopt;
  }
}

v1::ClientGeneration ToProto(protocol::ClientGeneration generation) {
  switch (generation) {
    case protocol::ClientGeneration::kV32: return v1::CLIENT_GENERATION_V32;
    case protocol::ClientGeneration::kV33: return v1::CLIENT_GENERATION_V33;
  }
  return v1::CLIENT_GENERATION_UNSPECIFIED;
}

void ToProto(const store::DeviceRecord& record, v1::Device* out) {
  out->set_bot_name(record.key.bot_name);
  out->set_device_id(record.key.device_id);
  out->set_status(ToProto(record.status));
  out->set_client_type(record.client_type);
  out->set_client_version(record.client_version);
  out->set_last_ip(record.last_ip);
  out->set_device_ip(record.device_ip);
  out->set_max_message_size(record.max_message_size);
  out->set_created_at_unix_ms(record.created_at_ms);
  out->set_updated_at_unix_ms(record.updated_at_ms);
  out->set_last_seen_unix_ms(record.last_seen_ms);
  out->set_status_reason(record.status_reason);
}

void ToProto(const store::DeviceHistoryEntry& entry, v1::DeviceHistoryEntry* out) {
  out->set_at_unix_ms(entry.at_ms);
  out->set_actor(entry.actor);
  out->set_action(entry.action);
  // A missing status (registration has no old one, delete no new one) is UNSPECIFIED.
  out->set_old_status(entry.old_status ? ToProto(*entry.old_status) : v1::DEVICE_STATUS_UNSPECIFIED);
  out->set_new_status(entry.new_status ? ToProto(*entry.new_status) : v1::DEVICE_STATUS_UNSPECIFIED);
  out->set_reason(entry.reason);
}

void ToProto(const store::PingSample& sample, v1::PingRecord* out) {
  out->set_at_unix_ms(sample.at_ms);
  out->set_rtt_ms(sample.rtt_ms);
  out->set_client_total_memory_mb(sample.total_memory_mb);
  out->set_client_memory_usage_mb(sample.memory_usage_mb);
  out->set_client_memory_percent(sample.memory_percent);
  out->set_client_message_queue_size(sample.message_queue_size);
  out->set_client_active_rooms(sample.active_rooms);
}

void ToProto(const dataplane::ConnectionInfo& info, v1::Connection* out) {
  out->set_id(info.id);
  out->set_bot_name(info.bot_name);
  out->set_device_id(info.device_id);
  out->set_peer_address(info.peer_address);
  out->set_generation(ToProto(info.generation));
  out->set_client_version(info.client_version);
  out->set_state(ToProto(info.state));
  out->set_connected_since_unix_ms(info.connected_since_ms);
  out->set_last_activity_unix_ms(info.last_activity_ms);
  v1::RttStats* rtt = out->mutable_rtt();
  rtt->set_last_ms(info.rtt.last_ms);
  rtt->set_avg_ms(info.rtt.avg_ms);
  rtt->set_min_ms(info.rtt.min_ms);
  rtt->set_max_ms(info.rtt.max_ms);
  rtt->set_samples(info.rtt.samples);
  out->set_bytes_in(info.bytes_in);
  out->set_bytes_out(info.bytes_out);
  out->set_messages_in(info.messages_in);
  out->set_messages_out(info.messages_out);
  out->set_queue_depth(info.queue_depth);
  out->set_outbound_buffered_bytes(info.outbound_buffered_bytes);
  v1::ClientMonitoring* monitoring = out->mutable_monitoring();
  monitoring->set_total_memory_mb(info.monitoring.total_memory_mb);
  monitoring->set_memory_usage_mb(info.monitoring.memory_usage_mb);
  monitoring->set_memory_percent(info.monitoring.memory_percent);
  monitoring->set_message_queue_size(info.monitoring.message_queue_size);
  monitoring->set_active_rooms(info.monitoring.active_rooms);
}

void ToProto(const dataplane::DrainProgress& progress, v1::DrainProgress* out) {
  out->set_draining(progress.draining);
  out->set_started_at_unix_ms(progress.started_at_ms);
  out->set_deadline_unix_ms(progress.deadline_ms);
  out->set_connections_total(progress.connections_total);
  out->set_connections_remaining(progress.connections_remaining);
  out->set_messages_in_flight(progress.messages_in_flight);
  out->set_done(progress.done);
}

void ToProto(const dataplane::BanInfo& ban, v1::Ban* out) {
  out->set_address(ban.address);
  out->set_reason(ban.reason);
  out->set_origin(ban.origin == admission::BanOrigin::kManual ? v1::BAN_ORIGIN_MANUAL
                                                               : v1::BAN_ORIGIN_AUTOMATIC);
  out->set_banned_at_unix_ms(ban.banned_at_ms);
  out->set_expires_at_unix_ms(ban.expires_at_ms);
  out->set_connections_refused(ban.connections_refused);
}

void ToProto(const dataplane::MigrationProgress& progress, v1::MigrationProgress* out) {
  out->set_migration_id(progress.id);
  out->set_target(progress.target);
  out->set_selected(progress.selected);
  out->set_notified(progress.notified);
  out->set_closed(progress.closed);
  out->set_remaining(progress.remaining);
  out->set_done(progress.done);
  out->set_started_at_unix_ms(progress.started_at_ms);
}

void ToProto(const metrics::Sample& sample, v1::MetricSample* out) {
  out->set_name(sample.name);
  auto& labels = *out->mutable_labels();
  for (const auto& [key, value] : sample.labels) labels[key] = value;
  out->set_value(sample.value);
}

}  // namespace botrelay::controlplane
