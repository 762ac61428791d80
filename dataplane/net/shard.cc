#include "dataplane/net/shard.h"

#include <boost/asio/post.hpp>

#include "dataplane/log/logger.h"
#include "dataplane/log/thread_name.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/net/relay_server.h"

namespace botrelay::net {

namespace asio = boost::asio;

namespace {
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr size_t kWheelSlots = 4096;             // ~7 minutes per turn
constexpr size_t kScratchBytes = 64 * 1024;      // one read from any socket
constexpr uint64_t kTicksPerIdleSweep = 100;     // forget idle rooms every ~10 s
constexpr auto kHandshakeTimeoutLogPeriod = std::chrono::seconds(1);
}  // namespace

Shard::Shard(RelayServer& server, int index)
    : server_(server),
      index_(index),
      io_(1),
      auth_(server.settings().auth),
      replay_(server.settings().replay_cache_entries),
      dispatcher_(server.settings().processing, server.processors(), *this),
      connection_rate_policy_(server.settings().connection_rate_limit),
      bot_limits_(server.settings().bot_rate_limit),
      handshake_timeout_log_(kHandshakeTimeoutLogPeriod),
      wheel_(kTick, kWheelSlots, std::chrono::steady_clock::now()),
      tick_timer_(io_),
      scratch_(kScratchBytes + protocol::kDecodePadding, '\0'),
      rng_(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32)) {
  dispatcher_.set_on_capacity_available([this] {
    if (resume_posted_) return;
    resume_posted_ = true;
    asio::post(io_, [this] { ResumePaused(); });
  });
}

Shard::~Shard() = default;

const RelaySettings& Shard::settings() const { return server_.settings(); }
RelayMetrics& Shard::metrics() { return server_.relay_metrics(); }

void Shard::Run() {
  log::NameThisThread("relayd-shard-" + std::to_string(index_));
  metrics::BindThreadToShard(index_ + 1);
  server_.processors().OnShardStart(index_, io_);
  Tick();
  io_.run();
}

void Shard::Stop() {
  asio::post(io_, [this] {
    tick_timer_.cancel();
    // Copy: Finalize erases from the map.
    std::vector<std::shared_ptr<Session>> all;
    for (auto& [id, session] : sessions_) all.push_back(session);
    for (auto& session : all) session->Close(std::nullopt, {}, Session::CloseMode::kNow, "stop");
    server_.processors().OnShardStop();
    io_.stop();
  });
}

void Shard::Tick() {
  auto now = std::chrono::steady_clock::now();
  wheel_.Advance(now);
  dispatcher_.ExpireOverdue(now);
  if (&server_.AcceptorShard() == this) server_.ReportPendingRefusals(now);
  if (uint64_t timeouts = handshake_timeout_log_.TakePendingIfDue(now)) {
    RELAY_LOG(kWarn, "no handshake within %d ms on %d more connections since the last such line",
              settings().handshake_timeout.count(), timeouts);
  }
  if (++ticks_ % kTicksPerIdleSweep == 0) {
    dispatcher_.SweepIdle();
    bot_limits_.Sweep(now);
  }
  queue_depth_.store(dispatcher_.depth(), std::memory_order_relaxed);
  replay_early_evictions_.store(replay_.early_evictions(), std::memory_order_relaxed);
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void Shard::AdoptAccepted(asio::ip::tcp::socket socket, uint64_t id, std::string peer,
                          const admission::Ticket& ticket) {
  auto session = std::make_shared<Session>(*this, std::move(socket), id, std::move(peer), ticket);
  sessions_.emplace(id, session);
  session->Start();
}

void Shard::AdoptTransferred(SessionTransfer transfer) {
  auto session = std::make_shared<Session>(*this, std::move(transfer));
  sessions_.emplace(session->id(), session);
  session->Activate();
}

Session* Shard::ClaimKey(Session& session) {
  auto [it, inserted] = by_key_.try_emplace(session.key(), &session);
  if (inserted) return nullptr;
  Session* previous = it->second;
  it->second = &session;
  return previous == &session ? nullptr : previous;
}

void Shard::Forget(Session& session) {
  // The session moved to another shard: drop our reference only.
  auto it = sessions_.find(session.id());
  if (it != sessions_.end()) {
    std::shared_ptr<Session> keep = std::move(it->second);
    sessions_.erase(it);
    asio::post(io_, [keep] {});  // release after the current handler returns
  }
}

void Shard::OnSessionClosed(Session& session) {
  // Only remove the key if it still points at this session: a replaced
  // connection's cleanup must never unregister its successor (the old
  // server's bug, reference 8.3).
  if (!session.key().bot_name.empty()) {
    auto it = by_key_.find(session.key());
    if (it != by_key_.end() && it->second == &session) by_key_.erase(it);
  }
  server_.ReleaseConnectionSlot(session.ticket());
  Forget(session);
}

Session* Shard::FindByKey(const store::DeviceKey& key) {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

Session* Shard::FindById(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Shard::WaitForCapacity(Session& session) { paused_.push_back(session.weak_from_this()); }

void Shard::ResumePaused() {
  resume_posted_ = false;
  std::vector<std::weak_ptr<Session>> waiting;
  waiting.swap(paused_);
  for (auto& weak : waiting) {
    if (auto session = weak.lock()) session->ResumeInput();
  }
}

void Shard::StateChanged(ConnState from, ConnState to) {
  if (from == to) return;
  metrics().connections_by_state[static_cast<int>(from)]->Add(-1);
  metrics().connections_by_state[static_cast<int>(to)]->Add(1);
}

// ------------------------------------------------------------ reply outlet

Session* Shard::Route(const processing::ChatMessage& to) {
  auto it = by_key_.find(KeyView(to.bot_name, to.device_id));
  Session* session = it == by_key_.end() ? nullptr : it->second;
  if (session == nullptr) {
    metrics().replies_undeliverable.Inc();
    RELAY_LOG(kWarn, "bot=%s device=%s reply lost: device no longer connected", to.bot_name,
              to.device_id);
  }
  return session;
}

void Shard::DeliverText(const processing::ChatMessage& to, std::string_view text) {
  if (Session* session = Route(to)) {
    session->QueueText(protocol::OutboundEvent::kMessageResponse,
                       {to.room, to.channel_id, to.bot_name}, text);
  }
}

void Shard::DeliverMedia(const processing::ChatMessage& to, std::string_view media_type,
                         std::span<const std::string_view> sources, int32_t media_wait_ms) {
  if (Session* session = Route(to)) {
    session->QueueMedia(protocol::OutboundEvent::kMessageResponse,
                        {to.room, to.channel_id, to.bot_name}, media_type, sources,
                        media_wait_ms);
  }
}

void Shard::DeliverError(const processing::ChatMessage& to, protocol::ErrorCode code,
                         std::string_view message) {
  if (code == protocol::ErrorCode::kProcessingTimeout) metrics().messages_timed_out.Inc();
  if (code == protocol::ErrorCode::kProcessingFailed ||
      code == protocol::ErrorCode::kUpstreamUnavailable) {
    metrics().messages_failed.Inc();
  }
  if (code == protocol::ErrorCode::kUpstreamUnavailable) {
    // Can be every message while the backend is down; the circuit breaker's
    // transitions carry that news at warn level instead.
    RELAY_LOG(kDebug, "bot=%s device=%s room=%s message not answered: %s (%s)", to.bot_name,
              to.device_id, to.room, std::string(protocol::ErrorCodeName(code)),
              std::string(message));
  } else {
    RELAY_LOG(kWarn, "bot=%s device=%s room=%s message not answered: %s (%s)", to.bot_name,
              to.device_id, to.room, std::string(protocol::ErrorCodeName(code)),
              std::string(message));
  }
  if (Session* session = Route(to)) session->QueueError(code, message);
}

std::optional<dataplane::ConnectionInfo> Shard::DescribeConnection(uint64_t connection_id) {
  Session* session = FindById(connection_id);
  if (session == nullptr) return std::nullopt;
  return session->Describe();
}

void Shard::OnMessageDone(const processing::ChatMessage& message) {
  metrics().messages_answered.Inc();
  metrics().processing_latency.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - message.accepted_at)
          .count());
  if (Session* session = FindById(message.connection_id)) session->OnMessageDone();
}

}  // namespace botrelay::net
