#include "controlplane/proto_mapping.h"

#include <gtest/gtest.h>

namespace botrelay::controlplane {
namespace {

TEST(ProtoMapping, DeviceStatusRoundTripsEveryValue) {
  for (store::DeviceStatus status :
       {store::DeviceStatus::kPending, store::DeviceStatus::kApproved, store::DeviceStatus::kDenied,
        store::DeviceStatus::kRevoked, store::DeviceStatus::kBlocked}) {
    const v1::DeviceStatus proto = ToProto(status);
    EXPECT_NE(proto, v1::DEVICE_STATUS_UNSPECIFIED);
    EXPECT_EQ(DeviceStatusFromProto(proto), status);
  }
  EXPECT_EQ(ToProto(store::DeviceStatus::kApproved), v1::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(ToProto(store::DeviceStatus::kBlocked), v1::DEVICE_STATUS_BLOCKED);
  EXPECT_EQ(DeviceStatusFromProto(v1::DEVICE_STATUS_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(DeviceStatusFromProto(99), std::nullopt);
}

TEST(ProtoMapping, ConnectionStateRoundTripsEveryValue) {
  for (dataplane::ConnectionState state :
       {dataplane::ConnectionState::kPending, dataplane::ConnectionState::kApproved,
        dataplane::ConnectionState::kClosing}) {
    EXPECT_EQ(ConnectionStateFromProto(ToProto(state)), state);
  }
  EXPECT_EQ(ToProto(dataplane::ConnectionState::kClosing), v1::CONNECTION_STATE_CLOSING);
  EXPECT_EQ(ConnectionStateFromProto(v1::CONNECTION_STATE_UNSPECIFIED), std::nullopt);
  EXPECT_EQ(ConnectionStateFromProto(-1), std::nullopt);
}

TEST(ProtoMapping, ClientGeneration) {
  EXPECT_EQ(ToProto(protocol::ClientGeneration::kV32), v1::CLIENT_GENERATION_V32);
  EXPECT_EQ(ToProto(protocol::ClientGeneration::kV33), v1::CLIENT_GENERATION_V33);
}

TEST(ProtoMapping, DeviceRecordFields) {
  store::DeviceRecord record;
  record.key = {"kakao-bot", "a1b2c3d4e5f60718"};
  record.status = store::DeviceStatus::kRevoked;
  record.client_type = "MessengerBotR";
  record.client_version = "3.3.2";
  record.last_ip = "203.0.113.7";
  record.device_ip = "192.168.0.23";
  record.status_reason = "phone replaced";
  record.max_message_size = 131072;
  record.created_at_ms = 1700000000001;
  record.updated_at_ms = 1700000000002;
  record.last_seen_ms = 1700000000003;

  v1::Device device;
  ToProto(record, &device);
  EXPECT_EQ(device.bot_name(), "kakao-bot");
  EXPECT_EQ(device.device_id(), "a1b2c3d4e5f60718");
  EXPECT_EQ(device.status(), v1::DEVICE_STATUS_REVOKED);
  EXPECT_EQ(device.client_type(), "MessengerBotR");
  EXPECT_EQ(device.client_version(), "3.3.2");
  EXPECT_EQ(device.last_ip(), "203.0.113.7");
  EXPECT_EQ(device.device_ip(), "192.168.0.23");
  EXPECT_EQ(device.status_reason(), "phone replaced");
  EXPECT_EQ(device.max_message_size(), 131072u);
  EXPECT_EQ(device.created_at_unix_ms(), 1700000000001);
  EXPECT_EQ(device.updated_at_unix_ms(), 1700000000002);
  EXPECT_EQ(device.last_seen_unix_ms(), 1700000000003);
}

TEST(ProtoMapping, HistoryEntryWithAndWithoutStatuses) {
  store::DeviceHistoryEntry change{1700000000100, "alice", "block",
                                   store::DeviceStatus::kApproved, store::DeviceStatus::kBlocked,
                                   "stolen"};
  v1::DeviceHistoryEntry out;
  ToProto(change, &out);
  EXPECT_EQ(out.at_unix_ms(), 1700000000100);
  EXPECT_EQ(out.actor(), "alice");
  EXPECT_EQ(out.action(), "block");
  EXPECT_EQ(out.old_status(), v1::DEVICE_STATUS_APPROVED);
  EXPECT_EQ(out.new_status(), v1::DEVICE_STATUS_BLOCKED);
  EXPECT_EQ(out.reason(), "stolen");

  store::DeviceHistoryEntry registered{1, "relayd", "registered", std::nullopt,
                                       store::DeviceStatus::kPending, ""};
  ToProto(registered, &out);
  EXPECT_EQ(out.old_status(), v1::DEVICE_STATUS_UNSPECIFIED);
  EXPECT_EQ(out.new_status(), v1::DEVICE_STATUS_PENDING);
}

TEST(ProtoMapping, PingSampleFields) {
  store::PingSample sample;
  sample.at_ms = 1700000000200;
  sample.rtt_ms = 12.5;
  sample.total_memory_mb = 512.25;
  sample.memory_usage_mb = 200.5;
  sample.memory_percent = 39.1;
  sample.message_queue_size = 3;
  sample.active_rooms = 17;
  v1::PingRecord out;
  ToProto(sample, &out);
  EXPECT_EQ(out.at_unix_ms(), 1700000000200);
  EXPECT_DOUBLE_EQ(out.rtt_ms(), 12.5);
  EXPECT_DOUBLE_EQ(out.client_total_memory_mb(), 512.25);
  EXPECT_DOUBLE_EQ(out.client_memory_usage_mb(), 200.5);
  EXPECT_DOUBLE_EQ(out.client_memory_percent(), 39.1);
  EXPECT_EQ(out.client_message_queue_size(), 3);
  EXPECT_EQ(out.client_active_rooms(), 17);
}

TEST(ProtoMapping, ConnectionInfoFields) {
  dataplane::ConnectionInfo info;
  info.id = 42;
  info.bot_name = "kakao-bot";
  info.device_id = "dev-1";
  info.peer_address = "198.51.100.4:50123";
  info.generation = protocol::ClientGeneration::kV32;
  info.client_version = "3.2.1";
  info.state = dataplane::ConnectionState::kApproved;
  info.connected_since_ms = 1000;
  info.last_activity_ms = 2000;
  info.rtt = {10.5, 11.5, 9.5, 20.5, 7};
  info.bytes_in = 100;
  info.bytes_out = 200;
  info.messages_in = 3;
  info.messages_out = 4;
  info.queue_depth = 5;
  info.outbound_buffered_bytes = 6;
  info.monitoring = {1024.5, 300.25, 29.3, 8, 9};

  v1::Connection out;
  ToProto(info, &out);
  EXPECT_EQ(out.id(), 42u);
  EXPECT_EQ(out.bot_name(), "kakao-bot");
  EXPECT_EQ(out.device_id(), "dev-1");
  EXPECT_EQ(out.peer_address(), "198.51.100.4:50123");
  EXPECT_EQ(out.generation(), v1::CLIENT_GENERATION_V32);
  EXPECT_EQ(out.client_version(), "3.2.1");
  EXPECT_EQ(out.state(), v1::CONNECTION_STATE_APPROVED);
  EXPECT_EQ(out.connected_since_unix_ms(), 1000);
  EXPECT_EQ(out.last_activity_unix_ms(), 2000);
  EXPECT_DOUBLE_EQ(out.rtt().last_ms(), 10.5);
  EXPECT_DOUBLE_EQ(out.rtt().avg_ms(), 11.5);
  EXPECT_DOUBLE_EQ(out.rtt().min_ms(), 9.5);
  EXPECT_DOUBLE_EQ(out.rtt().max_ms(), 20.5);
  EXPECT_EQ(out.rtt().samples(), 7u);
  EXPECT_EQ(out.bytes_in(), 100u);
  EXPECT_EQ(out.bytes_out(), 200u);
  EXPECT_EQ(out.messages_in(), 3u);
  EXPECT_EQ(out.messages_out(), 4u);
  EXPECT_EQ(out.queue_depth(), 5u);
  EXPECT_EQ(out.outbound_buffered_bytes(), 6u);
  EXPECT_DOUBLE_EQ(out.monitoring().total_memory_mb(), 1024.5);
  EXPECT_DOUBLE_EQ(out.monitoring().memory_usage_mb(), 300.25);
  EXPECT_DOUBLE_EQ(out.monitoring().memory_percent(), 29.3);
  EXPECT_EQ(out.monitoring().message_queue_size(), 8);
  EXPECT_EQ(out.monitoring().active_rooms(), 9);
}

TEST(ProtoMapping, DrainProgressFields) {
  dataplane::DrainProgress progress{true, false, 1000, 31000, 50, 12, 3};
  v1::DrainProgress out;
  ToProto(progress, &out);
  EXPECT_TRUE(out.draining());
  EXPECT_FALSE(out.done());
  EXPECT_EQ(out.started_at_unix_ms(), 1000);
  EXPECT_EQ(out.deadline_unix_ms(), 31000);
  EXPECT_EQ(out.connections_total(), 50u);
  EXPECT_EQ(out.connections_remaining(), 12u);
  EXPECT_EQ(out.messages_in_flight(), 3u);
}

TEST(ProtoMapping, BanFields) {
  dataplane::BanInfo ban{"203.0.113.7", "abuse", admission::BanOrigin::kManual, 1000, 61000, 42};
  v1::Ban out;
  ToProto(ban, &out);
  EXPECT_EQ(out.address(), "203.0.113.7");
  EXPECT_EQ(out.reason(), "abuse");
  EXPECT_EQ(out.origin(), v1::BAN_ORIGIN_MANUAL);
  EXPECT_EQ(out.banned_at_unix_ms(), 1000);
  EXPECT_EQ(out.expires_at_unix_ms(), 61000);
  EXPECT_EQ(out.connections_refused(), 42u);
  ban.origin = admission::BanOrigin::kAutomatic;
  ToProto(ban, &out);
  EXPECT_EQ(out.origin(), v1::BAN_ORIGIN_AUTOMATIC);
}

TEST(ProtoMapping, MigrationProgressFields) {
  dataplane::MigrationProgress progress{"mig-7", "relay2.example:7700", 10, 8, 6, 4, true, 5000};
  v1::MigrationProgress out;
  ToProto(progress, &out);
  EXPECT_EQ(out.migration_id(), "mig-7");
  EXPECT_EQ(out.target(), "relay2.example:7700");
  EXPECT_EQ(out.selected(), 10u);
  EXPECT_EQ(out.notified(), 8u);
  EXPECT_EQ(out.closed(), 6u);
  EXPECT_EQ(out.remaining(), 4u);
  EXPECT_TRUE(out.done());
  EXPECT_EQ(out.started_at_unix_ms(), 5000);
}

TEST(ProtoMapping, MetricSampleKeepsEveryLabel) {
  metrics::Sample sample{"relayd_errors_total", {{"code", "invalid_json"}, {"bot", "b"}}, 17};
  v1::MetricSample out;
  ToProto(sample, &out);
  EXPECT_EQ(out.name(), "relayd_errors_total");
  EXPECT_EQ(out.labels_size(), 2);
  EXPECT_EQ(out.labels().at("code"), "invalid_json");
  EXPECT_EQ(out.labels().at("bot"), "b");
  EXPECT_DOUBLE_EQ(out.value(), 17);
}

}  // namespace
}  // namespace botrelay::controlplane
