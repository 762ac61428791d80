#include "dataplane/net/relay_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <algorithm>
#include <numeric>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/admission/striped_source_table.h"
#include "dataplane/log/logger.h"
#include "dataplane/log/thread_name.h"
#include "dataplane/net/migration_runner.h"
#include "dataplane/net/socket_options.h"
#include "dataplane/net/unix_clock.h"
#include "dataplane/protocol/frame_encoder.h"

namespace botrelay::net {

namespace asio = boost::asio;


namespace {

absl::StatusOr<asio::ip::tcp::endpoint> ParseEndpoint(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("expected HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError("bad port in " + address);
  }
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return absl::InvalidArgumentError("bad IP address in " + address);
  return asio::ip::tcp::endpoint(ip, static_cast<uint16_t>(port));
}

// The clock the admission tables run on: bans and buckets must not jump
// with the wall clock.
int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "203.0.113.7:51234", once per accepted connection. IPv4 is formatted by
// hand: Asio's to_string goes through glibc's inet_ntop, which uses sprintf
// (about 2,400 instructions a connection, 7 % of a handshake).
std::string FormatPeer(const asio::ip::tcp::endpoint& endpoint) {
  if (!endpoint.address().is_v4()) {
    return absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
  }
  const asio::ip::address_v4::bytes_type octets = endpoint.address().to_v4().to_bytes();
  return absl::StrCat(int{octets[0]}, ".", int{octets[1]}, ".", int{octets[2]}, ".", int{octets[3]},
                      ":", endpoint.port());
}

// How many connections one wake-up of the acceptor takes off the backlog
// before letting the shard's other work run.
constexpr int kMaxAcceptsPerWakeup = 64;
// Hint in too_many_connections refusals: open connections of an address
// rarely end within seconds.
constexpr int32_t kTooManyConnectionsRetrySeconds = 30;

// Hint in connection_rate_limited refusals: when the bucket holds a token again.
int32_t RateLimitRetrySeconds(const ratelimit::RateLimit& rate) {
  if (rate.per_second <= 0) return 60;
  return static_cast<int32_t>(std::clamp(std::ceil(1.0 / rate.per_second), 1.0, 3600.0));
}

std::string ErrorFrame(protocol::ErrorCode code, std::string_view message,
                       std::optional<int32_t> reconnect_after_s = std::nullopt) {
  std::string frame;
  if (reconnect_after_s) {
    protocol::AppendError(frame, code, message, *reconnect_after_s);
  } else {
    protocol::AppendError(frame, code, message);
  }
  return frame;
}

// A refusal at accept: the frame without blocking, FIN, close. SIGPIPE is
// suppressed per call (the peer may be gone already).
void WriteAndClose(int fd, std::string_view frame, bool half_close) {
  (void)::send(fd, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (half_close) ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

}  // namespace

RelayServer::RelayServer(const RelaySettings& settings, store::DeviceRegistry& registry,
                         metrics::Registry& metrics_registry,
                         const processing::ProcessorChain& processors)
    : settings_(settings),
      registry_(registry),
      metrics_registry_(metrics_registry),
      relay_metrics_(metrics_registry),
      processors_(processors),
      admission_(std::make_unique<admission::StripedSourceTable>(settings.admission.sources)),
      flaps_(settings.admission.flapping),
      admission_metrics_(metrics_registry, *admission_, flaps_, MonotonicMs),
      banned_frame_(ErrorFrame(protocol::ErrorCode::kBanned,
                               "this address is temporarily banned")),
      rate_limited_frame_(ErrorFrame(
          protocol::ErrorCode::kConnectionRateLimited,
          "too many new connections from this address; try again later",
          RateLimitRetrySeconds(settings.admission.sources.connect_rate))),
      too_many_connections_frame_(ErrorFrame(protocol::ErrorCode::kTooManyConnections,
                                             "too many open connections from this address",
                                             kTooManyConnectionsRetrySeconds)) {
  int threads = settings_.threads > 0 ? settings_.threads
                                      : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, metrics::kMaxShards - 1);
  // Each shard gets its share of the processing capacity.
  settings_.processing.capacity =
      std::max<size_t>(1, (settings_.processing.capacity + threads - 1) / threads);
  for (int i = 0; i < threads; ++i) shards_.push_back(std::make_unique<Shard>(*this, i));
  migrations_ = std::make_unique<MigrationRunner>(*this);
  metrics_registry_.AddCallbackGauge(
      "botrelay_processing_queue_depth", "Chat messages accepted and not yet completed", {},
      [this] {
        double total = 0;
        for (auto& shard : shards_) total += static_cast<double>(shard->queue_depth_relaxed());
        return total;
      });
  metrics_registry_.AddCallbackCounter(
      "botrelay_replay_cache_early_evictions_total",
      "Replay-cache entries evicted before their window ended because the cache was full: "
      "the replay protection window got shorter under load",
      {}, [this] {
        uint64_t total = 0;
        for (auto& shard : shards_) total += shard->replay_early_evictions_relaxed();
        return static_cast<double>(total);
      });
  metrics_registry_.AddCallbackGauge("botrelay_store_healthy",
                                     "1 while the device store answers, 0 otherwise", {},
                                     [this] { return registry_.Health().ok() ? 1.0 : 0.0; });
  metrics_registry_.AddCallbackGauge(
      "botrelay_store_queued_writes",
      "Handshake facts, history entries and ping samples waiting for the device store", {},
      [this] { return static_cast<double>(registry_.Stats().queued_writes); });
  metrics_registry_.AddCallbackCounter(
      "botrelay_store_dropped_pings_total",
      "Ping samples dropped because the store's write queue was full while the store failed", {},
      [this] { return static_cast<double>(registry_.Stats().dropped_pings); });
  metrics_registry_.AddCallbackCounter(
      "botrelay_store_failures_total", "Times the device store turned unhealthy", {},
      [this] { return static_cast<double>(registry_.Stats().failures); });
  metrics_registry_.AddCallbackGauge("botrelay_serving", "1 while relayd accepts bots", {},
                                     [this] { return IsServing() ? 1.0 : 0.0; });
}

RelayServer::~RelayServer() { Stop(); }

absl::StatusOr<asio::ip::tcp::endpoint> RelayServer::Start() {
  absl::StatusOr<asio::ip::tcp::endpoint> endpoint = ParseEndpoint(settings_.listen_address);
  if (!endpoint.ok()) return endpoint.status();
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(AcceptorShard().io());
  boost::system::error_code ec;
  acceptor_->open(endpoint->protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(*endpoint, ec);
  if (!ec) {
    // Before listen(), so that the buffer sizes also set the window scale
    // every accepted connection negotiates.
    if (std::error_code opt_ec =
            ApplyListenerSocketOptions(acceptor_->native_handle(), settings_.socket)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "socket options for %s: %s", settings_.listen_address, opt_ec.message()));
    }
  }
  if (!ec) acceptor_->listen(settings_.listen_backlog, ec);
  // OnAcceptable drains the backlog with accept4 until EAGAIN.
  if (!ec) acceptor_->non_blocking(true, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrFormat("cannot listen on %s: %s", settings_.listen_address, ec.message()));
  }
  asio::ip::tcp::endpoint bound = acceptor_->local_endpoint(ec);
  accepting_ = true;
  asio::post(AcceptorShard().io(), [this] { Accept(); });
  for (auto& shard : shards_) {
    threads_.emplace_back([s = shard.get()] { s->Run(); });
  }
  RELAY_LOG(kInfo, "bot port listening on %s with %d event-loop threads", FormatPeer(bound),
            shards_.size());
  return bound;
}

void RelayServer::Stop() {
  {
    std::lock_guard lock(drain_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  drain_cv_.notify_all();
  StopAccepting();
  migrations_.reset();
  for (auto& shard : shards_) shard->Stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (drain_thread_.joinable()) drain_thread_.join();
  if (spare_fd_ >= 0) ::close(spare_fd_);
  spare_fd_ = -1;
}

Shard& RelayServer::ShardFor(std::string_view bot_name) {
  return *shards_[std::hash<std::string_view>()(bot_name) % shards_.size()];
}

// ------------------------------------------------------------------ accept

void RelayServer::Accept() {
  if (!accepting_) return;
  acceptor_->async_wait(asio::socket_base::wait_read,
                        [this](const boost::system::error_code& ec) { OnAcceptable(ec); });
}

void RelayServer::AcceptAfterBackOff() {
  auto timer = std::make_shared<asio::steady_timer>(AcceptorShard().io(),
                                                    std::chrono::milliseconds(50));
  timer->async_wait([this, timer](const boost::system::error_code&) { Accept(); });
}

void RelayServer::OnAcceptable(const boost::system::error_code& ec) {
  if (ec) {
    if (ec == asio::error::operation_aborted || !accepting_) return;
    RELAY_LOG(kError, "waiting for connections failed: %s", ec.message());
    AcceptAfterBackOff();
    return;
  }
  // accept4 directly rather than async_accept: the peer address comes with
  // the descriptor (no getpeername), and a refused connection never becomes
  // an Asio socket, so refusing costs accept, one send and close.
  for (int i = 0; i < kMaxAcceptsPerWakeup && accepting_; ++i) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof(peer);
    int fd = ::accept4(acceptor_->native_handle(), reinterpret_cast<sockaddr*>(&peer),
                       &peer_length, SOCK_CLOEXEC);
    if (fd >= 0) {
      OnAccepted(fd, peer, peer_length);
      continue;
    }
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) break;
    // The connection died in the backlog: nothing to answer.
    if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
    if (error == EMFILE || error == ENFILE) {
      ShedWithSpareDescriptor();
    } else {
      RELAY_LOG(kError, "accept failed: %s", std::strerror(error));
    }
    // Back off briefly, keep accepting.
    AcceptAfterBackOff();
    return;
  }
  Accept();
}

void RelayServer::OnAccepted(int fd, const sockaddr_storage& peer, socklen_t peer_length) {
  relay_metrics_.connections_accepted.Inc();
  if (draining()) {
    relay_metrics_.connections_rejected_draining.Inc();
    RejectBusy(fd, "relayd is shutting down");
    return;
  }
  const admission::Decision decision = admission_->Admit(
      admission::SourceAddress::FromSockaddr(reinterpret_cast<const sockaddr*>(&peer),
                                             peer_length),
      MonotonicMs());
  if (decision.verdict != admission::Verdict::kAdmitted) {
    RefuseAdmission(fd, decision);
    return;
  }
  if (decision.untracked) admission_metrics_.untracked_admissions.Inc();
  asio::ip::tcp::endpoint endpoint;
  std::memcpy(endpoint.data(), &peer, std::min<size_t>(peer_length, endpoint.capacity()));
  std::string peer_text = FormatPeer(endpoint);
  if (connections_.fetch_add(1) >= static_cast<int64_t>(settings_.max_connections)) {
    connections_.fetch_sub(1);
    admission_->Release(decision.ticket);
    relay_metrics_.connections_rejected_busy.Inc();
    RELAY_LOG(kWarn, "peer=%s refused: connection limit %d reached", peer_text,
              settings_.max_connections);
    RejectBusy(fd, "connection limit reached; try again later");
    return;
  }
  // The other options came with the descriptor from the listener.
  if (std::error_code opt_ec = ApplyConnectionSocketOptions(fd, settings_.socket)) {
    RELAY_LOG(kWarn, "peer=%s socket options: %s", peer_text, opt_ec.message());
  }
  // The handshake stage runs here, on the acceptor's shard; the session
  // moves only if its bot lives on another one. A move costs an epoll
  // DEL/ADD/MOD, an ioctl and a cross-thread post, about a ninth of a
  // handshake's CPU: spreading handshakes round robin made twice as many
  // moves and measured 83-95 us of CPU per handshake against 74-82 us
  // (docs/performance.md section 6). The parsing this keeps on one thread
  // is about 9 us of user CPU per handshake, a tenth of a core at 10,000/s.
  Shard& shard = AcceptorShard();
  asio::ip::tcp::socket socket(shard.io());
  boost::system::error_code ec;
  socket.assign(endpoint.protocol(), fd, ec);
  if (ec) {
    RELAY_LOG(kError, "peer=%s cannot register the connection: %s", peer_text, ec.message());
    ::close(fd);
    connections_.fetch_sub(1);
    admission_->Release(decision.ticket);
    return;
  }
  uint64_t id = next_connection_id_.fetch_add(1);
  shard.AdoptAccepted(std::move(socket), id, std::move(peer_text), decision.ticket);
}

void RelayServer::RefuseAdmission(int fd, const admission::Decision& decision) {
  admission_metrics_.Rejected(decision.verdict);
  if (decision.verdict == admission::Verdict::kBanned) {
    // The hot case of an attack: no log line, no allocation, no half-close;
    // accept, one send of a prebuilt frame, close.
    relay_metrics_.Error(protocol::ErrorCode::kBanned);
    WriteAndClose(fd, banned_frame_, /*half_close=*/false);
    return;
  }
  const bool rate = decision.verdict == admission::Verdict::kRateLimited;
  relay_metrics_.Error(rate ? protocol::ErrorCode::kConnectionRateLimited
                            : protocol::ErrorCode::kTooManyConnections);
  WriteAndClose(fd, rate ? rate_limited_frame_ : too_many_connections_frame_,
                /*half_close=*/true);
  if (decision.ban_issued) {
    admission_metrics_.bans_issued_automatic.Inc();
    LogBan(decision.ticket.source, "too many refused connections");
  }
  if (uint64_t refusals = refusal_log_.Note(std::chrono::steady_clock::now())) {
    RELAY_LOG(kWarn, "peer=%s refused: %s (%d more refusals since the last such line)",
              decision.ticket.source.ToString(),
              rate ? "connection rate over the per-address limit"
                   : "open connections at the per-address cap",
              refusals - 1);
  }
}

void RelayServer::ReportPendingRefusals(std::chrono::steady_clock::time_point now) {
  if (uint64_t refusals = refusal_log_.TakePendingIfDue(now)) {
    RELAY_LOG(kWarn, "%d more connections refused at accept (per-address rate or cap) since the "
              "last such line", refusals);
  }
}

void RelayServer::LogBan(const admission::SourceAddress& source, std::string_view why) {
  RELAY_LOG(kWarn, "address %s banned for %d s: %s", source.ToString(),
            settings_.admission.sources.ban_duration_ms / 1000, std::string(why));
}

void RelayServer::ShedWithSpareDescriptor() {
  // Out of descriptors, a pending connection would sit in the backlog with
  // no answer. Free the descriptor kept for this, accept it, tell it
  // server_busy, close it, and take the spare back (the libuv/Redis trick).
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
    int fd = ::accept4(acceptor_->native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      relay_metrics_.connections_accepted.Inc();
      relay_metrics_.connections_rejected_busy.Inc();
      RejectBusy(fd, "server out of file descriptors; try again later");
    }
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_descriptor_warning_ > std::chrono::seconds(1)) {
    last_descriptor_warning_ = now;
    RELAY_LOG(kError, "accept: out of file descriptors; shedding new connections with server_busy"
                      " (raise the open-file limit or lower max-connections)");
  }
}

void RelayServer::RejectBusy(int fd, std::string_view reason) {
  // Answer at once instead of leaving the phone hanging (the old server's
  // stall); nothing is allocated for the connection.
  const protocol::ErrorCode code =
      draining() ? protocol::ErrorCode::kShuttingDown : protocol::ErrorCode::kServerBusy;
  std::string frame;
  protocol::AppendError(frame, code, reason);
  relay_metrics_.Error(code);
  WriteAndClose(fd, frame, /*half_close=*/true);
}

void RelayServer::StopAccepting() {
  if (!accepting_.exchange(false)) return;
  if (!acceptor_) return;
  asio::post(AcceptorShard().io(), [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
  });
}

void RelayServer::ReleaseConnectionSlot(const admission::Ticket& ticket) {
  connections_.fetch_sub(1);
  admission_->Release(ticket);
}

// ------------------------------------------------------------- admission

void RelayServer::NoteSourceFailure(const admission::SourceAddress& source) {
  admission_metrics_.handshake_failures.Inc();
  if (admission_->NoteFailure(source, MonotonicMs())) {
    admission_metrics_.bans_issued_automatic.Inc();
    LogBan(source, "too many handshake or authentication failures");
  }
}

admission::FlapVerdict RelayServer::CheckFlapping(const store::DeviceKey& key) {
  admission::FlapVerdict verdict = flaps_.OnHandshake(key.bot_name, key.device_id, MonotonicMs());
  if (verdict.cooldown_started) admission_metrics_.flap_cooldowns.Inc();
  return verdict;
}

dataplane::BanInfo RelayServer::ToBanInfo(const admission::Ban& ban) const {
  // The table runs on the monotonic clock; the API speaks Unix time.
  const int64_t offset = NowUnixMs() - MonotonicMs();
  return dataplane::BanInfo{ban.address.ToString(),      ban.reason,
                            ban.origin,                  ban.banned_at_ms + offset,
                            ban.expires_at_ms + offset,  ban.connections_refused};
}

std::vector<dataplane::BanInfo> RelayServer::ListBans() {
  std::vector<dataplane::BanInfo> out;
  for (const admission::Ban& ban : admission_->ListBans(MonotonicMs())) {
    out.push_back(ToBanInfo(ban));
  }
  return out;
}

absl::StatusOr<std::pair<dataplane::BanInfo, int>> RelayServer::AddBan(
    const std::string& address, int64_t duration_ms, const std::string& reason) {
  absl::StatusOr<admission::SourceAddress> source = admission::SourceAddress::Parse(address);
  if (!source.ok()) return source.status();
  if (duration_ms <= 0) return absl::InvalidArgumentError("the ban duration must be positive");
  absl::StatusOr<admission::Ban> ban = admission_->AddBan(*source, duration_ms, reason, MonotonicMs());
  if (!ban.ok()) return ban.status();
  admission_metrics_.bans_issued_manual.Inc();
  const int closed = CloseConnectionsFrom(*source);
  RELAY_LOG(kInfo, "address %s banned by an administrator for %d s (%d open connections closed): %s",
            source->ToString(), duration_ms / 1000, closed, reason);
  return std::make_pair(ToBanInfo(*ban), closed);
}

int RelayServer::CloseConnectionsFrom(const admission::SourceAddress& source) {
  const std::vector<int> per_shard = RunOnAll([&](Shard& shard) {
    // Collected first: closing a session removes it from the shard's map.
    std::vector<Session*> matching;
    shard.ForEachSession([&](Session& session) {
      if (session.ticket().source == source) matching.push_back(&session);
    });
    for (Session* session : matching) {
      session->Close(protocol::ErrorCode::kBanned, "address banned by an administrator",
                     Session::CloseMode::kNow, "banned");
    }
    return static_cast<int>(matching.size());
  });
  return std::accumulate(per_shard.begin(), per_shard.end(), 0);
}

absl::StatusOr<dataplane::BanInfo> RelayServer::LiftBan(const std::string& address) {
  absl::StatusOr<admission::SourceAddress> source = admission::SourceAddress::Parse(address);
  if (!source.ok()) return source.status();
  absl::StatusOr<admission::Ban> ban = admission_->LiftBan(*source, MonotonicMs());
  if (!ban.ok()) return ban.status();
  admission_metrics_.bans_lifted.Inc();
  RELAY_LOG(kInfo, "ban of %s lifted by an administrator", source->ToString());
  return ToBanInfo(*ban);
}

uint32_t RelayServer::ConnectionCount() const {
  return static_cast<uint32_t>(std::max<int64_t>(0, connections_.load()));
}

// -------------------------------------------------------- refusal throttle

bool RelayServer::RefusalThrottled(const store::DeviceKey& key, int64_t now_ms) {
  std::lock_guard lock(refusal_mu_);
  auto it = refused_until_ms_.find(key.bot_name + '\x1f' + key.device_id);
  return it != refused_until_ms_.end() && it->second > now_ms;
}

void RelayServer::NoteRefusal(const store::DeviceKey& key, int64_t now_ms) {
  std::lock_guard lock(refusal_mu_);
  if (refused_until_ms_.size() > 100'000) {
    std::erase_if(refused_until_ms_, [now_ms](const auto& e) { return e.second <= now_ms; });
  }
  refused_until_ms_[key.bot_name + '\x1f' + key.device_id] =
      now_ms + settings_.refused_reconnect_throttle.count();
}

// ------------------------------------------------------------- DataPlane

absl::StatusOr<std::pair<store::DeviceRecord, int>> RelayServer::SetDeviceStatus(
    const store::DeviceKey& key, store::DeviceStatus status, const std::string& actor,
    const std::string& reason) {
  absl::StatusOr<store::DeviceRecord> record = registry_.SetStatus(key, status, actor, reason);
  if (!record.ok()) return record.status();
  {
    // A fresh decision replaces any refusal memory for the device.
    std::lock_guard lock(refusal_mu_);
    refused_until_ms_.erase(key.bot_name + '\x1f' + key.device_id);
  }
  Shard& shard = ShardFor(key.bot_name);
  int affected = RunOn(shard, [&]() {
    Session* session = shard.FindByKey(key);
    if (session == nullptr) return 0;
    session->ApplyDeviceStatus(status);
    return 1;
  });
  RELAY_LOG(kInfo, "bot=%s device=%s status=%s by %s (%s); live connections affected: %d",
            key.bot_name, key.device_id, std::string(store::DeviceStatusName(status)), actor,
            reason, affected);
  return std::make_pair(*std::move(record), affected);
}

absl::StatusOr<int> RelayServer::DeleteDevice(const store::DeviceKey& key, const std::string& actor,
                                              const std::string& reason) {
  absl::Status status = registry_.Delete(key, actor, reason);
  if (!status.ok()) return status;
  {
    std::lock_guard lock(refusal_mu_);
    refused_until_ms_.erase(key.bot_name + '\x1f' + key.device_id);
  }
  Shard& shard = ShardFor(key.bot_name);
  return RunOn(shard, [&]() {
    Session* session = shard.FindByKey(key);
    if (session == nullptr) return 0;
    session->Close(protocol::ErrorCode::kDeviceRefused, "device deleted by an administrator",
                   Session::CloseMode::kNow, "deleted");
    return 1;
  });
}

bool RelayServer::IsConnected(const store::DeviceKey& key) {
  Shard& shard = ShardFor(key.bot_name);
  return RunOn(shard, [&]() { return shard.FindByKey(key) != nullptr; });
}

std::vector<dataplane::ConnectionInfo> RelayServer::ListConnections(
    const dataplane::ConnectionFilter& filter) {
  auto per_shard = RunOnAll([&](Shard& shard) {
    std::vector<dataplane::ConnectionInfo> out;
    shard.ForEachSession([&](Session& session) {
      if (session.state() == ConnState::kHandshaking) return;
      if (!filter.bot_name.empty() && session.key().bot_name != filter.bot_name) return;
      if (!filter.device_id.empty() && session.key().device_id != filter.device_id) return;
      dataplane::ConnectionInfo info = session.Describe();
      if (filter.state && info.state != *filter.state) return;
      out.push_back(std::move(info));
    });
    return out;
  });
  std::vector<dataplane::ConnectionInfo> all;
  for (auto& list : per_shard) {
    std::move(list.begin(), list.end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return all;
}

absl::StatusOr<dataplane::ConnectionInfo> RelayServer::GetConnection(uint64_t id) {
  auto found = RunOnAll([&](Shard& shard) -> std::optional<dataplane::ConnectionInfo> {
    Session* session = shard.FindById(id);
    if (session == nullptr || session->state() == ConnState::kHandshaking) return std::nullopt;
    return session->Describe();
  });
  for (auto& f : found) {
    if (f) return *f;
  }
  return absl::NotFoundError(absl::StrFormat("no connection with id %d", id));
}

absl::Status RelayServer::Disconnect(uint64_t id, const std::string& reason) {
  auto closed = RunOnAll([&](Shard& shard) {
    Session* session = shard.FindById(id);
    if (session == nullptr) return false;
    session->Close(protocol::ErrorCode::kDisconnected,
                   reason.empty() ? "disconnected by an administrator" : reason,
                   Session::CloseMode::kNow, "disconnected");
    return true;
  });
  if (std::find(closed.begin(), closed.end(), true) == closed.end()) {
    return absl::NotFoundError(absl::StrFormat("no connection with id %d", id));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> RelayServer::Push(const dataplane::PushRequest& request) {
  if (request.bot_name.empty() || request.room.empty()) {
    return absl::InvalidArgumentError("bot_name and room are required");
  }
  if (request.text.empty() && request.media.empty()) {
    return absl::InvalidArgumentError("nothing to send: give text or media");
  }
  for (const std::string& source : request.media) {
    if (source.find_first_of("}\r\n") != std::string::npos) {
      return absl::InvalidArgumentError("media sources must not contain '}', CR or LF");
    }
  }
  Shard& shard = ShardFor(request.bot_name);
  int delivered = RunOn(shard, [&]() {
    std::vector<std::string_view> sources(request.media.begin(), request.media.end());
    // Collected first: queueing can close a slow consumer, which removes it
    // from the map being walked (the object itself lives until this
    // handler returns).
    std::vector<Session*> targets;
    shard.ForEachSession([&](Session& session) {
      if (session.state() != ConnState::kApproved) return;
      if (session.key().bot_name != request.bot_name) return;
      if (!request.device_id.empty() && session.key().device_id != request.device_id) return;
      targets.push_back(&session);
    });
    for (Session* each : targets) {
      Session& session = *each;
      protocol::ReplyTarget target{request.room, request.channel_id, request.bot_name};
      if (!request.text.empty()) {
        session.QueueText(protocol::OutboundEvent::kScheduleMessage, target, request.text);
      }
      if (!sources.empty()) {
        session.QueueMedia(protocol::OutboundEvent::kScheduleMessage, target, request.media_type,
                           sources, request.media_wait_ms);
      }
    }
    return static_cast<int>(targets.size());
  });
  if (delivered == 0) {
    return absl::FailedPreconditionError(
        absl::StrFormat("bot %s has no approved connection%s", request.bot_name,
                        request.device_id.empty() ? "" : " for device " + request.device_id));
  }
  relay_metrics_.pushes.Inc(delivered);
  return delivered;
}

bool RelayServer::IsServing() {
  return accepting_.load() && !draining() && registry_.Health().ok();
}

// ------------------------------------------------------------------ drain

int32_t RelayServer::NextReconnectAfterSeconds() {
  // Spread evenly over the window, in connection order, so thousands of
  // phones do not come back in the same second.
  uint64_t n = reconnect_counter_.fetch_add(1);
  if (reconnect_spread_s_ <= 1) return 1;
  return 1 + static_cast<int32_t>((n * 7919) % static_cast<uint64_t>(reconnect_spread_s_));
}

dataplane::DrainProgress RelayServer::StartDrain(const dataplane::DrainOptions& options) {
  {
    std::lock_guard lock(drain_mu_);
    if (drain_.draining) return drain_;
    drain_.draining = true;
    drain_.started_at_ms = NowUnixMs();
    auto deadline = options.deadline_seconds > 0
                        ? std::chrono::milliseconds(options.deadline_seconds * 1000LL)
                        : settings_.drain_deadline;
    drain_.deadline_ms = drain_.started_at_ms + deadline.count();
    drain_.connections_total = ConnectionCount();
    drain_reason_ = options.reason.empty() ? "maintenance" : options.reason;
    reconnect_spread_s_ = options.reconnect_spread_seconds > 0
                              ? options.reconnect_spread_seconds
                              : static_cast<int32_t>(settings_.drain_reconnect_spread.count() / 1000);
  }
  draining_.store(true, std::memory_order_release);
  relay_metrics_.draining.Set(1);
  RELAY_LOG(kInfo, "drain started (%s): %d connections, deadline in %d ms", drain_reason_,
            drain_.connections_total, drain_.deadline_ms - drain_.started_at_ms);
  StopAccepting();
  for (auto& shard : shards_) {
    asio::post(shard->io(), [this, s = shard.get()] {
      std::vector<Session*> sessions;
      s->ForEachSession([&](Session& session) { sessions.push_back(&session); });
      for (Session* session : sessions) {
        if (session->state() == ConnState::kHandshaking) {
          session->Close(protocol::ErrorCode::kShuttingDown, "relayd is shutting down",
                         Session::CloseMode::kNow, "drain");
        } else {
          session->BeginShutdown(drain_reason_, NextReconnectAfterSeconds());
        }
      }
    });
  }
  drain_thread_ = std::thread([this] {
    log::NameThisThread("relayd-drain");
    DrainWatchdog();
  });
  return GetDrainProgress();
}

void RelayServer::DrainWatchdog() {
  // Seastar-gate style: wait for the work in flight to finish, but never
  // past the deadline.
  while (true) {
    dataplane::DrainProgress progress = GetDrainProgress();
    relay_metrics_.drain_connections_remaining.Set(progress.connections_remaining);
    if (progress.connections_remaining == 0) break;
    if (NowUnixMs() >= progress.deadline_ms) {
      RELAY_LOG(kWarn, "drain deadline reached with %d connections and %d messages left",
                progress.connections_remaining, progress.messages_in_flight);
      break;
    }
    std::unique_lock lock(drain_mu_);
    if (drain_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopped_; })) {
      break;  // Stop() was called: a second signal does not wait for the drain
    }
  }
  std::lock_guard lock(drain_mu_);
  drain_.done = true;
  drain_cv_.notify_all();
}

void RelayServer::WaitForDrain() {
  std::unique_lock lock(drain_mu_);
  drain_cv_.wait(lock, [this] { return drain_.done; });
}

dataplane::DrainProgress RelayServer::GetDrainProgress() {
  std::lock_guard lock(drain_mu_);
  dataplane::DrainProgress progress = drain_;
  progress.connections_remaining = ConnectionCount();
  size_t in_flight = 0;
  for (auto& shard : shards_) in_flight += shard->queue_depth_relaxed();
  progress.messages_in_flight = static_cast<uint32_t>(in_flight);
  return progress;
}

absl::StatusOr<dataplane::MigrationProgress> RelayServer::StartMigration(
    const dataplane::MigrationRequest& request) {
  return migrations_->Start(request);
}

absl::StatusOr<dataplane::MigrationProgress> RelayServer::GetMigration(const std::string& id) {
  return migrations_->Get(id);
}

}  // namespace botrelay::net
