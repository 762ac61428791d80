#include "dataplane/protocol/types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace botrelay::protocol {
namespace {

bool IsSnakeCase(std::string_view name) {
  if (name.empty() || name.front() == '_' || name.back() == '_') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

TEST(TypesTest, GenerationNames) {
  EXPECT_EQ(GenerationName(ClientGeneration::kV32), "v3.2");
  EXPECT_EQ(GenerationName(ClientGeneration::kV33), "v3.3");
}

TEST(TypesTest, ErrorCodeNamesAreSnakeCaseAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < kErrorCodeCount; ++i) {
    const std::string_view name = ErrorCodeName(static_cast<ErrorCode>(i));
    EXPECT_TRUE(IsSnakeCase(name)) << "code " << i << ": " << name;
    EXPECT_NE(name, "unknown") << "code " << i << " has no name";
    EXPECT_TRUE(seen.emplace(name).second) << "duplicate name " << name;
  }
}

TEST(TypesTest, ErrorCodeNamesMatchTheProtocol) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidJson), "invalid_json");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidPayload), "invalid_payload");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMissingField), "missing_field");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnknownEvent), "unknown_event");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kEmptyLine), "empty_line");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kLineTooLong), "line_too_long");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTextTooLong), "text_too_long");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kHandshakeRequired), "handshake_required");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kHandshakeInvalid), "handshake_invalid");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kHandshakeTimeout), "handshake_timeout");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kServerBusy), "server_busy");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAuthFailed), "auth_failed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kReplay), "replay");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeviceNotApproved), "device_not_approved");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeviceRefused), "device_refused");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kStoreUnavailable), "store_unavailable");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOverloaded), "overloaded");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kProcessingTimeout), "processing_timeout");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kProcessingFailed), "processing_failed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUpstreamUnavailable), "upstream_unavailable");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kSessionReplaced), "session_replaced");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kPingTimeout), "ping_timeout");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kIdleTimeout), "idle_timeout");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDisconnected), "disconnected");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kShuttingDown), "shutting_down");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kConnectionRateLimited), "connection_rate_limited");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTooManyConnections), "too_many_connections");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kBanned), "banned");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeviceFlapping), "device_flapping");
}

TEST(TypesTest, OutboundEventNames) {
  EXPECT_EQ(OutboundEventName(OutboundEvent::kHandshakeComplete), "handshakeComplete");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kMessageResponse), "messageResponse");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kScheduleMessage), "scheduleMessage");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kPing), "ping");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kError), "error");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kServerShutdown), "serverShutdown");
  EXPECT_EQ(OutboundEventName(OutboundEvent::kServerMigration), "serverMigration");
  std::set<std::string> seen;
  for (int i = 0; i < kOutboundEventCount; ++i) {
    EXPECT_TRUE(seen.emplace(OutboundEventName(static_cast<OutboundEvent>(i))).second);
  }
}

}  // namespace
}  // namespace botrelay::protocol
