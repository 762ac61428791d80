#include "dataplane/net/session_handshake.h"

#include <boost/asio/post.hpp>
#include <algorithm>

#include "absl/strings/str_format.h"
#include "dataplane/log/logger.h"
#include "dataplane/net/relay_metrics.h"
#include "dataplane/net/relay_server.h"
#include "dataplane/net/relay_settings.h"
#include "dataplane/net/shard.h"
#include "dataplane/net/unix_clock.h"

namespace botrelay::net {

using protocol::ErrorCode;

namespace {

std::string_view ApprovalMessage(store::DeviceStatus status) {
  switch (status) {
    case store::DeviceStatus::kApproved: return "승인된 디바이스입니다";
    case store::DeviceStatus::kPending: return "승인 대기 중인 디바이스입니다";
    case store::DeviceStatus::kDenied: return "접근이 차단된 디바이스입니다 (denied)";
    case store::DeviceStatus::kRevoked: return "접근이 차단된 디바이스입니다 (revoked)";
    case store::DeviceStatus::kBlocked: return "접근이 차단된 디바이스입니다 (blocked)";
  }
  return "";
}

void Refuse(HandshakeConnection& connection, HandshakeResult result,
            std::string_view handshake_message, std::string_view why) {
  Shard& shard = connection.shard();
  shard.metrics().handshakes[static_cast<int>(result)]->Inc();
  RELAY_LOG(kWarn, "%s handshake refused (%s): %s", connection.Who(),
            std::string(HandshakeResultName(result)), std::string(why));
  if (!handshake_message.empty()) {
    // Tell the phone plainly, in the reply it understands, then say why.
    connection.AppendHandshakeComplete(/*approved=*/false, handshake_message);
  }
  connection.CloseNow(
      shard.server().draining() ? ErrorCode::kShuttingDown : ErrorCode::kDeviceRefused, why,
      HandshakeResultName(result));
}

void RefuseFlapping(HandshakeConnection& connection, const admission::FlapVerdict& verdict) {
  // Counted every time, logged once per cool-down: a phone in a reconnect
  // loop costs accept, one read, one write and the close, no registry lookup.
  Shard& shard = connection.shard();
  shard.metrics().handshakes[static_cast<int>(HandshakeResult::kFlapping)]->Inc();
  const admission::FlapSettings& flapping = shard.settings().admission.flapping;
  if (verdict.cooldown_started) {
    RELAY_LOG(kWarn, "%s device reconnects too often (more than %d handshakes in %d s); "
              "its handshakes are refused for %d s", connection.Who(), flapping.handshake_limit,
              flapping.window_ms / 1000, flapping.cooldown_ms / 1000);
  }
  const int32_t retry_after_s =
      static_cast<int32_t>(std::max<int64_t>(1, (verdict.retry_after_ms + 999) / 1000));
  connection.SendError(ErrorCode::kDeviceFlapping,
                       "device reconnects too often; wait before reconnecting", retry_after_s);
  connection.CloseNow(std::nullopt, {}, HandshakeResultName(HandshakeResult::kFlapping));
}

void Admit(HandshakeConnection& connection, const protocol::HandshakeFrame& hs) {
  Shard& shard = connection.shard();
  RelayServer& server = shard.server();
  connection.Identify(hs);
  const store::DeviceKey& key = connection.key();
  const int64_t now_ms = NowUnixMs();

  if (server.draining()) {
    Refuse(connection, HandshakeResult::kRefused, {}, "relayd is shutting down");
    return;
  }
  if (admission::FlapVerdict flap = server.CheckFlapping(key); !flap.allowed) {
    RefuseFlapping(connection, flap);
    return;
  }
  if (server.RefusalThrottled(key, now_ms)) {
    Refuse(connection, HandshakeResult::kThrottled, {}, "device refused recently; try later");
    return;
  }
  store::HandshakeFacts facts;
  facts.key = key;
  facts.client_type.assign(hs.client_type);
  facts.client_version.assign(hs.version);
  facts.device_ip.assign(hs.device_ip);
  const std::string& peer = connection.peer();
  facts.peer_ip = peer.substr(0, peer.rfind(':'));
  facts.now_ms = now_ms;
  absl::StatusOr<store::AdmitResult> admitted = server.devices().Admit(facts);
  if (!admitted.ok()) {
    // Fail closed: the old server approved everyone when its database failed.
    RELAY_LOG(kError, "%s handshake refused, device store unavailable: %s", connection.Who(),
              std::string(admitted.status().message()));
    shard.metrics().handshakes[static_cast<int>(HandshakeResult::kStoreUnavailable)]->Inc();
    connection.CloseNow(ErrorCode::kStoreUnavailable,
                        "device registry unavailable; try again later", "store_unavailable");
    return;
  }
  if (admitted->refused_unknown) {
    server.NoteRefusal(key, now_ms);
    Refuse(connection, HandshakeResult::kUnknownRefused, "등록되지 않은 디바이스입니다",
           "unknown devices are refused by configuration");
    return;
  }
  const store::DeviceRecord& record = admitted->record;
  if (record.status != store::DeviceStatus::kApproved &&
      record.status != store::DeviceStatus::kPending) {
    server.NoteRefusal(key, now_ms);
    Refuse(connection, HandshakeResult::kRefused, ApprovalMessage(record.status),
           absl::StrFormat("device is %s", std::string(store::DeviceStatusName(record.status))));
    return;
  }
  const bool approved = record.status == store::DeviceStatus::kApproved;
  shard.metrics()
      .handshakes[static_cast<int>(approved ? HandshakeResult::kApproved
                                            : HandshakeResult::kPending)]
      ->Inc();
  RELAY_LOG(kInfo, "%s handshake ok client=%s version=%s device=%s%s", connection.Who(),
            std::string(protocol::GenerationName(hs.generation)), std::string(hs.version),
            approved ? "approved" : "pending",
            admitted->newly_registered ? " (newly registered)" : "");
  connection.Admitted(approved,
                      admitted->newly_registered ? "디바이스가 승인 대기 상태로 등록되었습니다"
                                                 : std::string(ApprovalMessage(record.status)),
                      record.max_message_size);
}

}  // namespace

void OnHandshakeStageLine(HandshakeConnection& connection, std::string_view line) {
  Shard& shard = connection.shard();
  protocol::DecodedFrame frame;
  protocol::DecodeResult result = shard.decoder().Decode(line, frame);
  RelayMetrics& m = shard.metrics();
  if (result.ok && frame.kind == protocol::FrameKind::kHandshake) {
    m.messages_in[static_cast<int>(InboundKind::kHandshake)]->Inc();
    Admit(connection, frame.handshake);
    return;
  }
  if (result.ok && frame.kind == protocol::FrameKind::kChat &&
      connection.early_line_count() < shard.settings().max_early_lines) {
    // A v3.3 phone flushes its offline queue before the handshake (its
    // handshake goes through the same queue): keep the lines for later.
    connection.KeepEarlyLine(line);
    return;
  }
  m.messages_in[static_cast<int>(InboundKind::kInvalid)]->Inc();
  m.handshakes[static_cast<int>(HandshakeResult::kInvalid)]->Inc();
  std::string why = result.ok ? (frame.kind == protocol::FrameKind::kChat
                                     ? "too many lines before the handshake"
                                     : "the first frame must be a handshake")
                              : absl::StrFormat("%s: %s",
                                                std::string(protocol::ErrorCodeName(result.code)),
                                                std::string(result.detail));
  RELAY_LOG(kWarn, "%s handshake rejected: %s", connection.Who(), why);
  shard.server().NoteSourceFailure(connection.ticket().source);
  connection.CloseNow(result.ok && frame.kind == protocol::FrameKind::kChat
                          ? ErrorCode::kHandshakeRequired
                          : ErrorCode::kHandshakeInvalid,
                      why, "handshake_invalid");
}

void CompleteHandshake(HandshakeConnection& connection) {
  Shard& owner = connection.shard().server().ShardFor(connection.key().bot_name);
  if (&owner == &connection.shard()) {
    connection.Activate();
    return;
  }
  // Every bot lives on one shard (see shard.h): the connection moves there,
  // and that shard's own thread adopts it.
  std::optional<SessionTransfer> transfer = connection.ReleaseForTransfer();
  if (!transfer) return;
  boost::asio::post(owner.io(), [&owner, t = std::move(*transfer)]() mutable {
    owner.AdoptTransferred(std::move(t));
  });
}

}  // namespace botrelay::net
