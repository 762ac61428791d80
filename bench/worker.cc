#include "bench/worker.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "bench/clock.h"
#include "dataplane/protocol/base64.h"

namespace botrelay::bench {
namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
// Reads per readiness event before giving other sockets a turn.
constexpr int kReadsPerEvent = 4;
constexpr int64_t kMaxWaitNs = 100'000'000;

// "c<connection>s<seq>" followed by the end or a space.
bool ParseToken(std::string_view text, int* connection, uint64_t* seq) {
  if (text.empty() || text[0] != 'c') return false;
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size();
  auto [after_index, ec1] = std::from_chars(p, end, *connection);
  if (ec1 != std::errc() || after_index == end || *after_index != 's') return false;
  auto [after_seq, ec2] = std::from_chars(after_index + 1, end, *seq);
  if (ec2 != std::errc()) return false;
  return after_seq == end || *after_seq == ' ';
}

}  // namespace

Worker::Worker(const WorkerSettings& settings, const std::vector<int>& indices, Scenario& scenario)
    : settings_(settings),
      scenario_(scenario),
      signer_(settings.secret_key, settings.salt),
      read_buffer_(kReadBufferBytes) {
  const SourceAddresses sources(settings.source_addresses);
  connections_.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    Connection& c = connections_[i];
    c.index = indices[i];
    c.slot = static_cast<uint32_t>(i);
    c.identity = IdentityFor(c.index, settings.bots);
    c.local_ip = IpToString(sources.For(c.index));
  }
}

Worker::~Worker() {
  for (Connection& c : connections_) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

int64_t Worker::outstanding() const {
  int64_t total = 0;
  for (const Connection& c : connections_) total += c.requests.outstanding();
  return total;
}

void Worker::SetWindow(int64_t start_ns, int64_t end_ns) {
  window_start_ = start_ns;
  window_end_ = end_ns;
}

void Worker::Run(int64_t deadline_ns) {
  // Timed waits may otherwise end up to 50 us late (the default timer
  // slack), which would show up as send lag in the open loop.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  int64_t now = MonotonicNs();
  scenario_.Start(*this, now);
  while (true) {
    now = MonotonicNs();
    StartQueuedConnects(now);
    ExpireHandshakes(now);
    const int64_t wake = scenario_.Tick(*this, now);
    FlushAll();
    if (scenario_.Finished(*this, now)) break;
    if (now >= deadline_ns) {
      stats_.AddError("run_deadline_exceeded");
      break;
    }
    int64_t until = std::min({wake, deadline_ns, now + kMaxWaitNs});
    if (!handshake_deadlines_.empty()) until = std::min(until, handshake_deadlines_.front().deadline_ns);
    if (!open_queue_.empty() && in_progress_ < settings_.connect_concurrency) until = now;
    for (const epoll_event& event : loop_.Wait(std::max<int64_t>(0, until - now))) {
      HandleEvent(event.data.u64, event.events, MonotonicNs());
    }
  }
  now = MonotonicNs();
  for (Connection& c : connections_) {
    if (c.fd >= 0) Teardown(c, now, /*lost=*/false);
  }
}

void Worker::Open(Connection& c) {
  if (c.fd >= 0 || c.open_queued) return;
  c.open_queued = true;
  open_queue_.push_back(c.slot);
}

void Worker::StartQueuedConnects(int64_t now_ns) {
  const SourceAddresses sources(settings_.source_addresses);
  while (!open_queue_.empty() && in_progress_ < settings_.connect_concurrency) {
    Connection& c = connections_[open_queue_.front()];
    open_queue_.pop_front();
    if (!c.open_queued) continue;  // closed again before its turn came
    c.open_queued = false;
    ++stats_.connects_started;
    c.opened_ns = now_ns;
    c.fd = StartConnect(sources.For(c.index), settings_.target);
    if (c.fd < 0) {
      stats_.AddError(std::string("connect:") + strerrorname_np(errno));
      scenario_.OnLost(*this, c, now_ns);
      continue;
    }
    c.state = ConnectionState::kConnecting;
    ++in_progress_;
    loop_.Add(c.fd, EPOLLOUT | EPOLLIN, Cookie(c));
    handshake_deadlines_.push_back({c.slot, c.generation, now_ns + settings_.handshake_timeout_ns});
  }
}

void Worker::ExpireHandshakes(int64_t now_ns) {
  while (!handshake_deadlines_.empty()) {
    const PendingHandshake& front = handshake_deadlines_.front();
    Connection& c = connections_[front.slot];
    const bool still_waiting = c.generation == front.generation &&
                               (c.state == ConnectionState::kConnecting ||
                                c.state == ConnectionState::kHandshaking);
    if (still_waiting && front.deadline_ns > now_ns) break;
    handshake_deadlines_.pop_front();
    if (still_waiting) {
      stats_.AddError(c.state == ConnectionState::kConnecting ? "connect_timeout"
                                                              : "handshake_timeout");
      Teardown(c, now_ns, /*lost=*/true);
    }
  }
}

void Worker::HandleEvent(uint64_t cookie, uint32_t events, int64_t now_ns) {
  const uint32_t slot = static_cast<uint32_t>(cookie >> 32);
  if (slot >= connections_.size()) return;
  Connection& c = connections_[slot];
  if (c.generation != static_cast<uint32_t>(cookie) || c.fd < 0) return;  // stale
  if (c.state == ConnectionState::kConnecting) {
    FinishConnect(c, now_ns);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadFrom(c, now_ns);
  if (c.fd >= 0 && c.generation == static_cast<uint32_t>(cookie) && (events & EPOLLOUT)) {
    Flush(c);
  }
}

void Worker::FinishConnect(Connection& c, int64_t now_ns) {
  if (const int error = ConnectResult(c.fd); error != 0) {
    stats_.AddError(std::string("connect:") + strerrorname_np(error));
    Teardown(c, now_ns, /*lost=*/true);
    return;
  }
  c.state = ConnectionState::kHandshaking;
  loop_.Modify(c.fd, EPOLLIN, Cookie(c));
  if (c.send_handshake) {
    AppendHandshake(c.out, SpeakerOf(c), iso_clock_.Format(WallMs()));
    QueueFlush(c);
  }
  scenario_.OnConnected(*this, c, now_ns);
}

void Worker::ReadFrom(Connection& c, int64_t now_ns) {
  const uint32_t generation = c.generation;
  for (int round = 0; round < kReadsPerEvent; ++round) {
    const ssize_t n = ::read(c.fd, read_buffer_.data(), read_buffer_.size());
    if (n == 0) {
      if (!c.expect_close && !(settings_.expect_drain && c.shutdown_notice)) {
        stats_.AddError("server_closed");
      }
      Teardown(c, now_ns, /*lost=*/true);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      if (!c.expect_close) stats_.AddError(std::string("read:") + strerrorname_np(errno));
      Teardown(c, now_ns, /*lost=*/true);
      return;
    }
    std::string_view data(read_buffer_.data(), static_cast<size_t>(n));
    if (!c.partial.empty()) {
      const size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        c.partial.append(data);
        continue;
      }
      c.partial.append(data.substr(0, newline));
      data.remove_prefix(newline + 1);
      // The line is handled from a copy: handling may close and reset `partial`.
      std::string line = std::move(c.partial);
      c.partial.clear();
      if (!HandleLine(c, line, now_ns) || c.generation != generation) return;
    }
    for (size_t newline; (newline = data.find('\n')) != std::string_view::npos;) {
      if (!HandleLine(c, data.substr(0, newline), now_ns) || c.generation != generation) return;
      data.remove_prefix(newline + 1);
    }
    c.partial.assign(data);
    if (static_cast<size_t>(n) < read_buffer_.size()) return;
  }
}

bool Worker::HandleLine(Connection& c, std::string_view line, int64_t now_ns) {
  const uint32_t generation = c.generation;
  const InboundFrame frame = SplitFrame(line);
  if (frame.event == "messageResponse") {
    HandleReply(c, frame.tail, now_ns);
  } else if (frame.event == "ping") {
    HandlePing(c, frame.json, now_ns);
  } else if (frame.event == "handshakeComplete") {
    HandleHandshakeComplete(c, frame.json, now_ns);
  } else if (frame.event == "error") {
    HandleError(c, frame.json);
  } else if (frame.event == "serverShutdown") {
    c.shutdown_notice = true;
    ++stats_.shutdown_notices;
    if (!settings_.expect_drain) stats_.AddError("unexpected_server_shutdown");
  } else if (frame.event.empty()) {
    stats_.AddError("unparseable_frame");
  } else {
    stats_.AddError(std::string("unexpected_event:") + std::string(frame.event));
  }
  return c.generation == generation && c.fd >= 0;
}

void Worker::HandleHandshakeComplete(Connection& c, std::string_view json, int64_t now_ns) {
  if (c.state != ConnectionState::kHandshaking) {
    stats_.AddError("unexpected_handshake_complete");
    return;
  }
  c.approved = FindBool(json, "approved") == true;
  if (!c.approved && !c.accept_pending) {
    // Replies need an approved device: see `relaybench approve-db`.
    stats_.AddError("handshake_not_approved");
    Teardown(c, now_ns, /*lost=*/true);
    return;
  }
  c.state = ConnectionState::kReady;
  --in_progress_;
  ++ready_;
  ++stats_.handshakes;
  if (InWindow(now_ns)) ++stats_.handshakes_in_window;
  stats_.handshake_latency.Record(now_ns - c.opened_ns);
  scenario_.OnReady(*this, c, now_ns);
}

void Worker::HandleReply(Connection& c, std::string_view tail, int64_t now_ns) {
  decoded_.clear();
  if (!protocol::Base64Decode(tail, decoded_)) {
    stats_.AddError("reply_bad_base64");
    return;
  }
  const std::string_view text(decoded_);
  if (scenario_.TakeReply(*this, c, text, now_ns)) return;
  int connection = -1;
  uint64_t seq = 0;
  if (!text.starts_with(kEchoReplyPrefix) ||
      !ParseToken(text.substr(kEchoReplyPrefix.size()), &connection, &seq)) {
    stats_.AddError("wrong_reply");
    return;
  }
  if (connection != c.index) {
    stats_.AddError("misrouted_reply");
    return;
  }
  int64_t sent_ns = 0;
  switch (c.requests.Resolve(seq, &sent_ns)) {
    case RequestWindow::Match::kDuplicate:
      stats_.AddError("duplicate_reply");
      return;
    case RequestWindow::Match::kNeverSent:
      stats_.AddError("reply_to_unsent_request");
      return;
    case RequestWindow::Match::kAnswered:
      break;
  }
  ++stats_.replies;
  if (InWindow(now_ns)) ++stats_.replies_in_window;
  stats_.reply_latency.Record(now_ns - sent_ns);
  ++c.session_answered;
  scenario_.OnEchoAnswered(*this, c, now_ns);
}

void Worker::HandlePing(Connection& c, std::string_view json, int64_t now_ns) {
  if (c.half_closing) return;  // this side has said its last word
  const std::string_view server_timestamp = FindString(json, "server_timestamp").value_or("");
  AppendPong(c.out, SpeakerOf(c), server_timestamp, iso_clock_.Format(WallMs()), StampFor(c));
  QueueFlush(c);
  ++stats_.pings_answered;
}

void Worker::HandleError(Connection& c, std::string_view json) {
  const std::string_view code = FindString(json, "code").value_or("?");
  if (scenario_.TakeServerError(*this, c, code, MonotonicNs())) return;
  if (settings_.expect_drain && code == "shutting_down") {
    ++c.shutting_down_refusals;
    ++stats_.shutting_down_refusals;
    return;
  }
  stats_.AddError(std::string("server_error:") + std::string(code));
}

void Worker::SendEcho(Connection& c, int64_t intended_ns, int64_t now_ns) {
  const uint64_t seq = c.requests.Add(intended_ns);
  text_.assign(kEchoPrefix);
  text_ += 'c';
  text_ += std::to_string(c.index);
  text_ += 's';
  text_ += std::to_string(seq);
  if (settings_.payload_bytes > 0) {
    text_ += ' ';
    text_.append(settings_.payload_bytes, 'x');
  }
  const int room = static_cast<int>(seq % static_cast<uint64_t>(settings_.rooms_per_connection));
  SendChat(c, text_, room, seq);
  ++c.session_sent;
  ++stats_.requests_sent;
  if (now_ns > intended_ns) stats_.send_lag.Record(now_ns - intended_ns);
}

std::string_view Worker::SendChat(Connection& c, std::string_view text, int room, uint64_t log_id,
                                  bool forge_signature) {
  room_.assign("bench-room-");
  room_ += std::to_string(room);
  channel_.assign(std::to_string(int64_t{c.index} * settings_.rooms_per_connection + room + 1));
  AuthStamp stamp = StampFor(c);
  Signature forged;
  if (forge_signature) {
    // Still 64 hex digits, so only the HMAC comparison can refuse it.
    forged = *stamp.signature;
    forged[0] = forged[0] == '0' ? '1' : '0';
    stamp.signature = &forged;
  }
  const size_t start = c.out.size();
  AppendChatMessage(c.out, SpeakerOf(c), room_, channel_, log_id, text, iso_clock_.Format(WallMs()),
                    stamp);
  QueueFlush(c);
  return std::string_view(c.out).substr(start);
}

void Worker::SendRaw(Connection& c, std::string_view bytes) {
  c.out.append(bytes);
  QueueFlush(c);
}

void Worker::HalfClose(Connection& c) {
  c.half_closing = true;
  c.expect_close = true;
  QueueFlush(c);
}

void Worker::Reset(Connection& c) {
  if (c.fd >= 0) {
    const linger abort_on_close{1, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  }
  Teardown(c, MonotonicNs(), /*lost=*/false);
}

void Worker::Assume(Connection& c, Identity identity) {
  c.identity = std::move(identity);
  c.signature = CachedSignature();  // it was cached for the previous identity
}

Speaker Worker::SpeakerOf(const Connection& c) const {
  return Speaker{c.identity.bot_name, c.identity.device_id, c.local_ip};
}

AuthStamp Worker::StampFor(Connection& c) {
  const int64_t now_ms = WallMs();
  return AuthStamp{now_ms, &c.signature.Get(signer_, SignedFieldsOf(SpeakerOf(c)), now_ms)};
}

void Worker::QueueFlush(Connection& c) {
  if (c.flush_queued || c.fd < 0) return;
  c.flush_queued = true;
  flush_queue_.push_back(c.slot);
}

void Worker::FlushAll() {
  // Index loop: Flush may tear a connection down, which never queues more.
  for (size_t i = 0; i < flush_queue_.size(); ++i) {
    Connection& c = connections_[flush_queue_[i]];
    c.flush_queued = false;
    if (c.fd >= 0 && !c.watching_writable) Flush(c);
  }
  flush_queue_.clear();
}

void Worker::Flush(Connection& c) {
  if (c.out_offset < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset,
                             MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      if (!c.expect_close) stats_.AddError(std::string("write:") + strerrorname_np(errno));
      Teardown(c, MonotonicNs(), /*lost=*/true);
      return;
    }
    if (n > 0) c.out_offset += static_cast<size_t>(n);
  }
  const bool done = c.out_offset == c.out.size();
  if (done) {
    c.out.clear();
    c.out_offset = 0;
    if (c.half_closing) ::shutdown(c.fd, SHUT_WR);
  }
  if (done == c.watching_writable) {  // writability interest must change
    c.watching_writable = !done;
    loop_.Modify(c.fd, done ? EPOLLIN : (EPOLLIN | EPOLLOUT), Cookie(c));
  }
}

void Worker::Close(Connection& c) { Teardown(c, MonotonicNs(), /*lost=*/false); }

void Worker::Teardown(Connection& c, int64_t now_ns, bool lost) {
  if (c.fd >= 0) {
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
  }
  if (c.state == ConnectionState::kConnecting || c.state == ConnectionState::kHandshaking) {
    --in_progress_;
  } else if (c.state == ConnectionState::kReady) {
    --ready_;
  }
  // Each error{shutting_down} of a drain answers one request sent too late.
  const int64_t missing = c.requests.Abandon() - c.shutting_down_refusals;
  stats_.AddError("missing_reply", missing);
  c.state = ConnectionState::kDisconnected;
  c.open_queued = false;
  ++c.generation;
  c.partial.clear();
  c.out.clear();
  c.out_offset = 0;
  c.watching_writable = false;
  c.shutdown_notice = false;
  c.approved = false;
  c.expect_close = false;
  c.half_closing = false;
  c.session_sent = 0;
  c.session_answered = 0;
  c.shutting_down_refusals = 0;
  if (lost) scenario_.OnLost(*this, c, now_ns);
}

}  // namespace botrelay::bench
