#include "controlplane/request_validation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace botrelay::controlplane {
namespace {

// INVALID_ARGUMENT whose message names `mentions`.
template <typename T>
void ExpectInvalid(const absl::StatusOr<T>& result, std::string_view mentions) {
  ASSERT_FALSE(result.ok()) << "expected INVALID_ARGUMENT mentioning " << mentions;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find(std::string(mentions)), std::string::npos)
      << result.status().message();
}

void SetKey(v1::DeviceKey* key, const std::string& bot, const std::string& device) {
  key->set_bot_name(bot);
  key->set_device_id(device);
}

TEST(ParseListDevices, DefaultsAndFilters) {
  v1::ListDevicesRequest request;
  absl::StatusOr<DeviceListQuery> query = ParseListDevices(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->page_size, 100);
  EXPECT_EQ(query->filter.status, std::nullopt);
  EXPECT_TRUE(query->filter.bot_name.empty());

  request.set_bot_name("kakao-bot");
  request.set_status(v1::DEVICE_STATUS_PENDING);
  request.set_page_size(5000);
  request.set_page_token("tok");
  query = ParseListDevices(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->filter.bot_name, "kakao-bot");
  EXPECT_EQ(query->filter.status, store::DeviceStatus::kPending);
  EXPECT_EQ(query->page_size, 1000);  // clamped to the documented maximum
  EXPECT_EQ(query->page_token, "tok");
}

TEST(ParseListDevices, RejectsNegativePageSizeAndUnknownStatus) {
  v1::ListDevicesRequest request;
  request.set_page_size(-1);
  ExpectInvalid(ParseListDevices(request), "page_size");
  request.set_page_size(0);
  request.set_status(static_cast<v1::DeviceStatus>(77));
  ExpectInvalid(ParseListDevices(request), "status");
}

TEST(ParseGetDevice, RequiresBothKeyParts) {
  v1::GetDeviceRequest request;
  ExpectInvalid(ParseGetDevice(request), "key.bot_name is required");
  request.mutable_key()->set_bot_name("bot");
  ExpectInvalid(ParseGetDevice(request), "key.device_id is required");
  request.mutable_key()->set_device_id("dev");
  absl::StatusOr<DeviceQuery> query = ParseGetDevice(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->key, (store::DeviceKey{"bot", "dev"}));
  EXPECT_EQ(query->history_limit, 20);
  EXPECT_EQ(query->ping_limit, 20);
}

TEST(ParseGetDevice, Limits) {
  v1::GetDeviceRequest request;
  SetKey(request.mutable_key(), "bot", "dev");
  request.set_history_limit(5);
  request.set_ping_limit(100000);
  absl::StatusOr<DeviceQuery> query = ParseGetDevice(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->history_limit, 5);
  EXPECT_EQ(query->ping_limit, kMaxHistoryLimit);
  request.set_ping_limit(-3);
  ExpectInvalid(ParseGetDevice(request), "ping_limit");
  request.set_ping_limit(0);
  request.set_history_limit(-1);
  ExpectInvalid(ParseGetDevice(request), "history_limit");
}

TEST(ParseSetDeviceStatus, RequiresKeyAndConcreteStatus) {
  v1::SetDeviceStatusRequest request;
  request.set_status(v1::DEVICE_STATUS_APPROVED);
  ExpectInvalid(ParseSetDeviceStatus(request), "key.bot_name is required");
  SetKey(request.mutable_key(), "bot", "");
  ExpectInvalid(ParseSetDeviceStatus(request), "key.device_id is required");
  SetKey(request.mutable_key(), "bot", "dev");
  request.set_status(v1::DEVICE_STATUS_UNSPECIFIED);
  ExpectInvalid(ParseSetDeviceStatus(request), "status is required");
  request.set_status(static_cast<v1::DeviceStatus>(9));
  ExpectInvalid(ParseSetDeviceStatus(request), "status is not a known device status");
}

TEST(ParseSetDeviceStatus, CarriesReasonAndActor) {
  v1::SetDeviceStatusRequest request;
  SetKey(request.mutable_key(), "bot", "dev");
  request.set_status(v1::DEVICE_STATUS_BLOCKED);
  request.set_reason("stolen phone");
  request.set_actor("alice");
  absl::StatusOr<DeviceStatusChange> change = ParseSetDeviceStatus(request);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->key, (store::DeviceKey{"bot", "dev"}));
  EXPECT_EQ(change->status, store::DeviceStatus::kBlocked);
  EXPECT_EQ(change->reason, "stolen phone");
  EXPECT_EQ(change->actor, "alice");

  request.set_reason(std::string(kMaxReasonBytes + 1, 'r'));
  ExpectInvalid(ParseSetDeviceStatus(request), "reason");
  request.set_reason("");
  request.set_actor(std::string(kMaxActorBytes + 1, 'a'));
  ExpectInvalid(ParseSetDeviceStatus(request), "actor");
}

TEST(ParseDeleteDevice, RequiresKey) {
  v1::DeleteDeviceRequest request;
  ExpectInvalid(ParseDeleteDevice(request), "key.bot_name");
  SetKey(request.mutable_key(), "bot", "dev");
  request.set_reason("retired");
  absl::StatusOr<DeviceDeletion> deletion = ParseDeleteDevice(request);
  ASSERT_TRUE(deletion.ok());
  EXPECT_EQ(deletion->key, (store::DeviceKey{"bot", "dev"}));
  EXPECT_EQ(deletion->reason, "retired");
  EXPECT_TRUE(deletion->actor.empty());
}

TEST(ResolveActor, FallsBackToThePeer) {
  EXPECT_EQ(ResolveActor("alice", "ipv4:127.0.0.1:5000"), "alice");
  EXPECT_EQ(ResolveActor("", "ipv4:127.0.0.1:5000"), "ipv4:127.0.0.1:5000");
}

TEST(ParseListConnections, FiltersAndLimit) {
  v1::ListConnectionsRequest request;
  absl::StatusOr<ConnectionQuery> query = ParseListConnections(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->limit, 1000u);
  EXPECT_EQ(query->filter.state, std::nullopt);

  request.set_bot_name("bot");
  request.set_device_id("dev");
  request.set_state(v1::CONNECTION_STATE_PENDING);
  request.set_limit(3);
  query = ParseListConnections(request);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->filter.bot_name, "bot");
  EXPECT_EQ(query->filter.device_id, "dev");
  EXPECT_EQ(query->filter.state, dataplane::ConnectionState::kPending);
  EXPECT_EQ(query->limit, 3u);

  request.set_limit(-1);
  ExpectInvalid(ParseListConnections(request), "limit");
  request.set_limit(0);
  request.set_state(static_cast<v1::ConnectionState>(12));
  ExpectInvalid(ParseListConnections(request), "state");
}

TEST(ParseConnectionRequests, RequireAnId) {
  v1::GetConnectionRequest get;
  ExpectInvalid(ParseGetConnection(get), "id is required");
  get.set_id(7);
  EXPECT_EQ(ParseGetConnection(get).value(), 7u);

  v1::DisconnectRequest disconnect;
  ExpectInvalid(ParseDisconnect(disconnect), "id is required");
  disconnect.set_id(7);
  absl::StatusOr<DisconnectCommand> command = ParseDisconnect(disconnect);
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->id, 7u);
  EXPECT_FALSE(command->reason.empty());  // the phone always gets a reason
  disconnect.set_reason("moving you");
  EXPECT_EQ(ParseDisconnect(disconnect)->reason, "moving you");
}

v1::SendMessageRequest TextMessage() {
  v1::SendMessageRequest request;
  request.set_bot_name("bot");
  request.set_room("family");
  request.set_text("hello");
  return request;
}

TEST(ParseSendMessage, TextMessage) {
  absl::StatusOr<dataplane::PushRequest> push = ParseSendMessage(TextMessage());
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(push->bot_name, "bot");
  EXPECT_EQ(push->room, "family");
  EXPECT_EQ(push->text, "hello");
  EXPECT_TRUE(push->device_id.empty());
  EXPECT_TRUE(push->media.empty());
  EXPECT_EQ(push->media_type, "image");
}

TEST(ParseSendMessage, MediaMessage) {
  v1::SendMessageRequest request = TextMessage();
  request.set_text("");
  request.set_device_id("dev");
  request.set_channel_id("18291234567890");
  request.add_media("https://example.com/a.png");
  request.add_media("aGVsbG8=");
  request.set_media_type("document");
  request.set_media_wait_time_ms(1500);
  absl::StatusOr<dataplane::PushRequest> push = ParseSendMessage(request);
  ASSERT_TRUE(push.ok());
  EXPECT_EQ(push->device_id, "dev");
  EXPECT_EQ(push->channel_id, "18291234567890");
  EXPECT_EQ(push->media, (std::vector<std::string>{"https://example.com/a.png", "aGVsbG8="}));
  EXPECT_EQ(push->media_type, "document");
  EXPECT_EQ(push->media_wait_ms, 1500);
}

TEST(ParseSendMessage, RejectsIncompleteRequests) {
  v1::SendMessageRequest request = TextMessage();
  request.set_bot_name("");
  ExpectInvalid(ParseSendMessage(request), "bot_name is required");

  request = TextMessage();
  request.set_room("");
  ExpectInvalid(ParseSendMessage(request), "room is required");

  request = TextMessage();
  request.set_text("");
  ExpectInvalid(ParseSendMessage(request), "text or media is required");

  request = TextMessage();
  request.add_media("aGVsbG8=");
  ExpectInvalid(ParseSendMessage(request), "channel_id is required");

  request.set_channel_id("12a");
  ExpectInvalid(ParseSendMessage(request), "channel_id must be a decimal");

  request.set_channel_id("12");
  request.add_media("");
  ExpectInvalid(ParseSendMessage(request), "media[1] is empty");

  request = TextMessage();
  request.set_media_type("gif");
  ExpectInvalid(ParseSendMessage(request), "media_type");

  request = TextMessage();
  request.set_media_wait_time_ms(-1);
  ExpectInvalid(ParseSendMessage(request), "media_wait_time_ms");
}

TEST(ParseDrain, DefaultsAndNegativeDurations) {
  v1::DrainRequest request;
  absl::StatusOr<dataplane::DrainOptions> options = ParseDrain(request);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->reason, "maintenance");
  EXPECT_EQ(options->deadline_seconds, 0);  // the data plane's configured default
  EXPECT_EQ(options->reconnect_spread_seconds, 0);

  request.set_reason("kernel upgrade");
  request.set_deadline_seconds(60);
  request.set_reconnect_spread_seconds(20);
  options = ParseDrain(request);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->reason, "kernel upgrade");
  EXPECT_EQ(options->deadline_seconds, 60);
  EXPECT_EQ(options->reconnect_spread_seconds, 20);

  request.set_deadline_seconds(-1);
  ExpectInvalid(ParseDrain(request), "deadline_seconds");
  request.set_deadline_seconds(0);
  request.set_reconnect_spread_seconds(-5);
  ExpectInvalid(ParseDrain(request), "reconnect_spread_seconds");
}

TEST(ParseAddBan, DurationReasonAndAddress) {
  v1::AddBanRequest request;
  ExpectInvalid(ParseAddBan(request), "address");
  request.set_address("203.0.113.7");
  ExpectInvalid(ParseAddBan(request), "duration_seconds");
  request.set_duration_seconds(kMaxBanSeconds + 1);
  ExpectInvalid(ParseAddBan(request), "duration_seconds");
  request.set_duration_seconds(600);
  absl::StatusOr<BanCommand> ban = ParseAddBan(request);
  ASSERT_TRUE(ban.ok());
  EXPECT_EQ(ban->address, "203.0.113.7");
  EXPECT_EQ(ban->duration_ms, 600'000);
  EXPECT_EQ(ban->reason, "banned by an administrator");
  request.set_reason(std::string(kMaxReasonBytes + 1, 'x'));
  ExpectInvalid(ParseAddBan(request), "reason");
}

TEST(ParseLiftBan, NeedsAnAddress) {
  v1::LiftBanRequest request;
  ExpectInvalid(ParseLiftBan(request), "address");
  request.set_address("2001:db8::1");
  absl::StatusOr<std::string> address = ParseLiftBan(request);
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(*address, "2001:db8::1");
}

v1::MigrateRequest MigrateAll() {
  v1::MigrateRequest request;
  request.set_target_host("relay2.example.net");
  request.set_target_port(7700);
  request.set_all(true);
  return request;
}

TEST(ParseMigrate, AllWithDefaults) {
  absl::StatusOr<dataplane::MigrationRequest> migration = ParseMigrate(MigrateAll());
  ASSERT_TRUE(migration.ok());
  EXPECT_EQ(migration->target_host, "relay2.example.net");
  EXPECT_EQ(migration->target_port, 7700);
  EXPECT_TRUE(migration->selector.all);
  EXPECT_DOUBLE_EQ(migration->connections_per_second, 100);
  EXPECT_EQ(migration->migrate_after_seconds, 5);
}

TEST(ParseMigrate, SelectionIsTheFirstSetInApiOrder) {
  v1::MigrateRequest request = MigrateAll();
  request.set_bot_name("bot");  // ignored: `all` comes first
  absl::StatusOr<dataplane::MigrationRequest> migration = ParseMigrate(request);
  ASSERT_TRUE(migration.ok());
  EXPECT_TRUE(migration->selector.all);
  EXPECT_TRUE(migration->selector.bot_name.empty());

  request.set_all(false);
  SetKey(request.add_devices(), "bot", "dev");
  migration = ParseMigrate(request);
  ASSERT_TRUE(migration.ok());
  EXPECT_FALSE(migration->selector.all);
  EXPECT_EQ(migration->selector.bot_name, "bot");
  EXPECT_TRUE(migration->selector.devices.empty());

  request.set_bot_name("");
  SetKey(request.add_devices(), "bot", "dev2");
  migration = ParseMigrate(request);
  ASSERT_TRUE(migration.ok());
  EXPECT_EQ(migration->selector.devices,
            (std::vector<store::DeviceKey>{{"bot", "dev"}, {"bot", "dev2"}}));

  request.clear_devices();
  request.set_fraction(0.25);
  request.set_connections_per_second(12.5);
  request.set_migrate_after_seconds(30);
  migration = ParseMigrate(request);
  ASSERT_TRUE(migration.ok());
  EXPECT_DOUBLE_EQ(migration->selector.fraction, 0.25);
  EXPECT_DOUBLE_EQ(migration->connections_per_second, 12.5);
  EXPECT_EQ(migration->migrate_after_seconds, 30);
}

TEST(ParseMigrate, RejectsBadTargetsAndSelections) {
  v1::MigrateRequest request = MigrateAll();
  request.set_target_host("");
  ExpectInvalid(ParseMigrate(request), "target_host is required");
  request.set_target_host("relay 2");
  ExpectInvalid(ParseMigrate(request), "target_host");
  request.set_target_host("relay2");
  request.set_target_port(0);
  ExpectInvalid(ParseMigrate(request), "target_port");
  request.set_target_port(70000);
  ExpectInvalid(ParseMigrate(request), "target_port");
  request.set_target_port(7700);

  request.set_all(false);
  ExpectInvalid(ParseMigrate(request), "a selection is required");

  for (double bad : {-0.5, 1.5, std::nan("")}) {
    request.set_fraction(bad);
    ExpectInvalid(ParseMigrate(request), "fraction must be in (0, 1]");
  }
  request.set_fraction(1);
  EXPECT_TRUE(ParseMigrate(request).ok());

  SetKey(request.add_devices(), "bot", "");
  ExpectInvalid(ParseMigrate(request), "devices[0].device_id is required");
  request.clear_devices();

  for (double bad : {-1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    request.set_connections_per_second(bad);
    ExpectInvalid(ParseMigrate(request), "connections_per_second");
  }
  request.set_connections_per_second(0);
  request.set_migrate_after_seconds(-1);
  ExpectInvalid(ParseMigrate(request), "migrate_after_seconds");
}

}  // namespace
}  // namespace botrelay::controlplane
