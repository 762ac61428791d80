#include "dataplane/net/session.h"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <cstring>

#include "dataplane/log/logger.h"
#include "dataplane/net/relay_server.h"
#include "dataplane/net/shard.h"
#include "dataplane/net/unix_clock.h"
#include "dataplane/protocol/frame_encoder.h"
#include "dataplane/protocol/text.h"

namespace botrelay::net {

namespace asio = boost::asio;
using protocol::ErrorCode;
using protocol::OutboundEvent;

namespace {

constexpr std::string_view kServerVersion = "botrelay/0.1";
// How many scratch-buffer reads one readiness event may do before yielding
// to other connections on the same thread.
constexpr int kMaxReadsPerEvent = 4;

}  // namespace

Session::Session(Shard& shard, asio::ip::tcp::socket socket, uint64_t id, std::string peer,
                 const admission::Ticket& ticket)
    : shard_(shard),
      socket_(std::move(socket)),
      id_(id),
      peer_(std::move(peer)),
      ticket_(ticket),
      max_line_bytes_(shard.settings().max_line_bytes),
      accepted_at_(Clock::now()),
      accepted_unix_ms_(NowUnixMs()),
      last_activity_(accepted_at_) {}

Session::Session(Shard& shard, SessionTransfer&& t)
    : shard_(shard),
      socket_(shard.io()),
      id_(t.id),
      peer_(std::move(t.peer)),
      ticket_(t.ticket),
      generation_(t.generation),
      key_(std::move(t.key)),
      client_version_(std::move(t.client_version)),
      max_line_bytes_(t.max_line_bytes),
      accepted_at_(t.accepted_at),
      accepted_unix_ms_(t.accepted_unix_ms),
      last_activity_(Clock::now()),
      input_(std::move(t.unread)),
      early_lines_(std::move(t.early_lines)),
      bytes_in_(t.bytes_in),
      lines_in_(t.lines_in),
      handshake_message_(std::move(t.handshake_message)) {
  boost::system::error_code ec;
  socket_.assign(asio::ip::tcp::v4(), t.fd, ec);
  if (ec) {
    RELAY_LOG(kError, "conn=%d peer=%s could not adopt transferred socket: %s", id_, peer_,
              ec.message());
  }
  state_ = t.approved ? ConnState::kApproved : ConnState::kPending;
}

Session::~Session() = default;

std::string Session::Who() const {
  if (key_.bot_name.empty()) return absl::StrFormat("conn=%d peer=%s", id_, peer_);
  return absl::StrFormat("conn=%d bot=%s device=%s peer=%s", id_, key_.bot_name, key_.device_id,
                         peer_);
}

// ------------------------------------------------------------------ start

void Session::Start() {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  shard_.metrics().connections_by_state[static_cast<int>(state_)]->Add(1);
  RELAY_LOG(kInfo, "%s accepted", Who());
  Reschedule();
  WaitReadable();
}

void Session::Activate() {
  handshake_done_ = false;
  established_ = true;
  if (!socket_.non_blocking()) {  // a socket moved from another shard; each set is an ioctl
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
  }
  bot_limit_ = shard_.bot_limits().Acquire(key_.bot_name);
  if (Session* replaced = shard_.ClaimKey(*this)) {
    RELAY_LOG(kInfo, "%s replaces conn=%d for the same device", Who(), replaced->id());
    replaced->Close(ErrorCode::kSessionReplaced, "a newer connection took over this device",
                    CloseMode::kNow, "session_replaced");
  }
  // The first ping comes at a random point inside the interval so that a
  // reconnect storm does not turn into synchronized ping bursts.
  auto interval = shard_.settings().ping_interval;
  std::uniform_int_distribution<int64_t> first(0, std::max<int64_t>(1, interval.count()));
  next_ping_at_ = Clock::now() + std::chrono::milliseconds(first(shard_.rng()));
  rtt_ms_.assign(static_cast<size_t>(std::max(1, shard_.settings().rtt_window)), 0.f);

  in_handler_ = true;
  AppendHandshakeComplete(state_ == ConnState::kApproved, handshake_message_);
  // Lines the phone queued offline and sent before its handshake.
  std::vector<std::string> early = std::move(early_lines_);
  for (std::string& line : early) {
    line.reserve(line.size() + protocol::kDecodePadding);
    shard_.metrics().early_lines_accepted.Inc();
    OnEstablishedLine(line, /*early=*/true);
  }
  bool keep_reading = ProcessBuffered();
  in_handler_ = false;
  Flush();
  Reschedule();
  if (keep_reading) WaitReadable();
}

// ------------------------------------------------------------- reading

void Session::WaitReadable() {
  if (read_waiting_ || finalized_) return;
  read_waiting_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->read_waiting_ = false;
                       self->OnReadable(ec);
                     });
}

void Session::OnReadable(const boost::system::error_code& wait_ec) {
  if (finalized_) return;
  if (wait_ec) {
    if (wait_ec != asio::error::operation_aborted) Finalize("read_error");
    return;
  }
  in_handler_ = true;
  bool keep_reading = true;
  std::string& scratch = shard_.scratch();
  const size_t capacity = scratch.size() - protocol::kDecodePadding;
  for (int i = 0; i < kMaxReadsPerEvent && keep_reading; ++i) {
    boost::system::error_code ec;
    size_t n = socket_.read_some(asio::buffer(scratch.data(), capacity), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      in_handler_ = false;
      // EOF: the phone closed (or answered our FIN). Anything it sent before
      // has been processed; replies still queued are flushed best-effort.
      Flush();
      Finalize(ec == asio::error::eof ? (closing_ ? close_reason_ : "peer_closed")
                                      : "read_error");
      return;
    }
    bytes_in_ += n;
    shard_.metrics().bytes_in.Inc(n);
    last_activity_ = Clock::now();
    keep_reading = ConsumeInput(scratch.data(), n);
    if (n < capacity) break;  // the socket is drained; don't pay for an EAGAIN
  }
  in_handler_ = false;
  if (handshake_done_ && !finalized_ && !closing_) {
    CompleteHandshake(*this);
    return;
  }
  Flush();
  if (finalized_) return;
  if (keep_reading) WaitReadable();
}

bool Session::CanTakeWork() const {
  // Stop taking input while this connection's own output is backed up (the
  // phone is not reading) or the shard's processing queue is full.
  return shard_.dispatcher().HasCapacity() &&
         output_.size() - output_sent_ < shard_.settings().outbound_limit_bytes / 2;
}

bool Session::ConsumeInput(const char* data, size_t size) {
  if (fin_sent_) {
    // We said goodbye; the phone had not seen it yet. Count what it sent so
    // the loss is visible.
    size_t lines = static_cast<size_t>(std::count(data, data + size, '\n'));
    if (lines > 0) {
      shard_.metrics().lines_discarded_after_close.Inc(lines);
      RELAY_LOG(kWarn, "%s %d lines arrived after relayd closed its side; discarded", Who(),
                lines);
    }
    return true;
  }
  if (!input_.empty() || input_paused_) {
    // Either an incomplete line is pending or input is held back: append and
    // run from the session's own buffer.
    input_.append(data, size);
    return ProcessBuffered();
  }
  // Fast path: whole lines straight out of the scratch buffer, in place.
  const char* cursor = data;
  const char* end = data + size;
  while (cursor < end) {
    const char* newline = static_cast<const char*>(std::memchr(cursor, '\n', end - cursor));
    if (newline == nullptr) break;
    if (!CanTakeWork()) {
      input_.assign(cursor, end - cursor);
      PauseInput();
      return false;
    }
    size_t length = static_cast<size_t>(newline - cursor);
    if (length > max_line_bytes_) {
      Close(ErrorCode::kLineTooLong,
            absl::StrFormat("line of %d bytes exceeds the limit of %d", length, max_line_bytes_),
            CloseMode::kNow, "line_too_long");
      return true;
    }
    OnLine(std::string_view(cursor, length));
    cursor = newline + 1;
    if (finalized_ || fin_sent_) return true;  // the rest is ignored
    if (handshake_done_) {
      input_.assign(cursor, end - cursor);  // for the established stage
      return false;
    }
  }
  if (cursor < end) {
    size_t rest = static_cast<size_t>(end - cursor);
    if (rest > max_line_bytes_) {
      Close(ErrorCode::kLineTooLong,
            absl::StrFormat("line exceeds the limit of %d bytes", max_line_bytes_),
            CloseMode::kNow, "line_too_long");
      return true;
    }
    input_.reserve(std::max<size_t>(rest * 2, 256) + protocol::kDecodePadding);
    input_.assign(cursor, rest);
  }
  return true;
}

bool Session::ProcessBuffered() {
  size_t offset = 0;
  bool keep_reading = true;
  while (offset < input_.size()) {
    size_t newline = input_.find('\n', offset);
    if (newline == std::string::npos) break;
    if (!CanTakeWork()) {
      PauseInput();
      keep_reading = false;
      break;
    }
    size_t length = newline - offset;
    if (length > max_line_bytes_) {
      Close(ErrorCode::kLineTooLong,
            absl::StrFormat("line of %d bytes exceeds the limit of %d", length, max_line_bytes_),
            CloseMode::kNow, "line_too_long");
      input_.clear();
      return true;
    }
    // The decoder may read up to kDecodePadding bytes past the line; inside
    // input_ those bytes exist whenever more data follows, and reserve()
    // below covers the last line.
    if (input_.capacity() < input_.size() + protocol::kDecodePadding) {
      input_.reserve(input_.size() + protocol::kDecodePadding);
    }
    OnLine(std::string_view(input_.data() + offset, length));
    offset = newline + 1;
    if (finalized_ || fin_sent_) {
      input_.clear();
      return true;
    }
    if (handshake_done_) {
      input_.erase(0, offset);
      return false;
    }
  }
  input_.erase(0, offset);
  // Only the incomplete line at the end counts: complete lines held back by
  // backpressure are checked one by one when they are processed.
  if (input_.size() > max_line_bytes_ && PartialLineBytes(keep_reading) > max_line_bytes_) {
    Close(ErrorCode::kLineTooLong,
          absl::StrFormat("line exceeds the limit of %d bytes", max_line_bytes_), CloseMode::kNow,
          "line_too_long");
    input_.clear();
    return true;
  }
  if (input_.empty()) {
    // An idle connection should not keep a large buffer.
    if (input_.capacity() > 64 * 1024) std::string().swap(input_);
    input_paused_ = false;
  }
  return keep_reading;
}

size_t Session::PartialLineBytes(bool no_complete_line) const {
  if (no_complete_line) return input_.size();
  const size_t last_newline = input_.rfind('\n');
  return last_newline == std::string::npos ? input_.size() : input_.size() - last_newline - 1;
}

void Session::PauseInput() {
  if (input_paused_) return;
  input_paused_ = true;
  // Wait for whichever resource ran out: the queue (shard wakes us) or our
  // own output (Flush wakes us when the phone reads).
  if (!shard_.dispatcher().HasCapacity()) shard_.WaitForCapacity(*this);
}

void Session::ResumeInput() {
  if (!input_paused_ || finalized_ || fin_sent_) return;
  if (!CanTakeWork()) {
    if (!shard_.dispatcher().HasCapacity()) shard_.WaitForCapacity(*this);
    return;  // still short of room; whoever frees it calls again
  }
  input_paused_ = false;
  in_handler_ = true;
  bool keep_reading = ProcessBuffered();
  in_handler_ = false;
  Flush();
  if (keep_reading && !finalized_) WaitReadable();
}

void Session::OnLine(std::string_view line) {
  ++lines_in_;
  if (established_) {
    // Also while closing: chat gets a shutting_down error, ping replies count.
    OnEstablishedLine(line, /*early=*/false);
  } else if (!closing_) {
    OnHandshakeStageLine(*this, line);
  }
  // A connection refused during its handshake has nothing more to say.
}

// ------------------------------------------------------- handshake stage
// The stage itself is in session_handshake.cc; these are the session's side
// of HandshakeConnection.

void Session::KeepEarlyLine(std::string_view line) { early_lines_.emplace_back(line); }

void Session::Identify(const protocol::HandshakeFrame& hs) {
  generation_ = hs.generation;
  key_.bot_name.assign(hs.bot_name);
  key_.device_id.assign(hs.device_id);
  client_version_.assign(hs.version);
}

void Session::Admitted(bool approved, std::string handshake_message, size_t max_line_bytes) {
  handshake_message_ = std::move(handshake_message);
  if (max_line_bytes > 0) max_line_bytes_ = max_line_bytes;
  SetState(approved ? ConnState::kApproved : ConnState::kPending);
  // The rest of the input belongs to the established stage, possibly on
  // another shard: stop consuming here and finish in CompleteHandshake.
  handshake_done_ = true;
}

void Session::AppendHandshakeComplete(bool approved, std::string_view message) {
  protocol::AppendHandshakeComplete(output_, approved, message, kServerVersion, NowUnixMs());
  ++frames_out_;  // also for a refusal, so that the close line's frame count is true
  shard_.metrics().Out(OutboundEvent::kHandshakeComplete);
}

void Session::CloseNow(std::optional<ErrorCode> code, std::string_view message,
                       std::string_view reason) {
  Close(code, message, CloseMode::kNow, reason);
}

// The counterpart of Session(Shard&, SessionTransfer&&).
std::optional<SessionTransfer> Session::ReleaseForTransfer() {
  SessionTransfer transfer;
  transfer.id = id_;
  transfer.peer = peer_;
  transfer.ticket = ticket_;
  transfer.accepted_at = accepted_at_;
  transfer.accepted_unix_ms = accepted_unix_ms_;
  transfer.generation = generation_;
  transfer.key = key_;
  transfer.client_version = client_version_;
  transfer.approved = state_ == ConnState::kApproved;
  transfer.handshake_message = handshake_message_;
  transfer.max_line_bytes = max_line_bytes_;
  transfer.bytes_in = bytes_in_;
  transfer.lines_in = lines_in_;
  transfer.unread = std::move(input_);
  transfer.early_lines = std::move(early_lines_);
  boost::system::error_code ec;
  socket_.cancel(ec);
  transfer.fd = socket_.release(ec);
  if (ec) {
    RELAY_LOG(kError, "%s could not move to its shard: %s", Who(), ec.message());
    Finalize("transfer_failed");
    return std::nullopt;
  }
  finalized_ = true;
  TimerWheel::Cancel(*this);
  shard_.Forget(*this);  // state gauges move with it
  return transfer;
}

// ------------------------------------------------------------ established

void Session::OnEstablishedLine(std::string_view line, bool early) {
  protocol::DecodedFrame frame;
  protocol::DecodeResult result = shard_.decoder().Decode(line, frame);
  RelayMetrics& m = shard_.metrics();
  if (!result.ok) {
    m.messages_in[static_cast<int>(InboundKind::kInvalid)]->Inc();
    RELAY_LOG(kWarn, "%s rejected line (%d bytes): %s: %s", Who(), line.size(),
              std::string(protocol::ErrorCodeName(result.code)), std::string(result.detail));
    SendError(result.code, result.detail);
    return;
  }
  switch (frame.kind) {
    case protocol::FrameKind::kHandshake:
      m.messages_in[static_cast<int>(InboundKind::kHandshake)]->Inc();
      RELAY_LOG(kWarn, "%s sent a second handshake; ignored", Who());
      SendError(ErrorCode::kHandshakeInvalid, "already handshaken on this connection");
      return;
    case protocol::FrameKind::kPingReply:
      m.messages_in[static_cast<int>(InboundKind::kPingReply)]->Inc();
      OnPingReply(frame.ping);
      return;
    case protocol::FrameKind::kChat:
      m.messages_in[static_cast<int>(InboundKind::kChat)]->Inc();
      OnChat(line, frame.chat, early);
      return;
  }
}

bool Session::Authenticate(const protocol::AuthBlock& auth, std::string_view line,
                           bool check_replay) {
  RelayServer& server = shard_.server();
  const int64_t now_ms = NowUnixMs();
  auth::AuthOutcome outcome = shard_.auth().Verify(auth, key_.bot_name, now_ms);
  const bool enforce = server.settings().auth.mode == auth::AuthMode::kEnforce;
  if (outcome != auth::AuthOutcome::kOk) {
    shard_.metrics().auth_failures[static_cast<int>(outcome)]->Inc();
    RELAY_LOG(kWarn, "%s auth %s (%s)", Who(), std::string(auth::AuthOutcomeName(outcome)),
              enforce ? "refused" : "accepted in log mode");
    if (!enforce) return true;
    SendError(ErrorCode::kAuthFailed,
              absl::StrFormat("auth %s", std::string(auth::AuthOutcomeName(outcome))));
    if (++consecutive_auth_failures_ >= server.settings().auth_failure_limit) {
      RELAY_LOG(kWarn, "%s closing after %d consecutive auth failures", Who(),
                consecutive_auth_failures_);
      server.NoteSourceFailure(ticket_.source);
      Close(std::nullopt, {}, CloseMode::kNow, "auth_failures");
    }
    return false;
  }
  consecutive_auth_failures_ = 0;
  if (!check_replay) return true;
  // The signature covers only identity and time, so the replay key must
  // include the content: different messages in one millisecond share it.
  uint64_t replay_key = auth::ReplayCache::KeyFor(auth.signature, line);
  int64_t expires = auth.timestamp_ms + server.settings().auth.max_clock_skew_ms;
  if (shard_.replay().SeenOrInsert(replay_key, now_ms, expires)) {
    shard_.metrics().replays.Inc();
    RELAY_LOG(kWarn, "%s replayed frame refused", Who());
    SendError(ErrorCode::kReplay, "this frame was already accepted");
    return false;
  }
  return true;
}

void Session::OnChat(std::string_view line, const protocol::ChatFrame& chat, bool early) {
  // A drain or migration keeps serving until the phone goes quiet (see
  // MaybeFinishClosing); any other close refuses new work.
  if (closing_ && !wait_for_work_) {
    SendError(ErrorCode::kShuttingDown, "connection is closing; message not accepted");
    return;
  }
  if (state_ == ConnState::kPending) {
    SendError(ErrorCode::kDeviceNotApproved,
              "device awaiting approval; message not processed");
    return;
  }
  // Before auth: a refused message costs no HMAC and stays out of the
  // replay cache, so the phone may send it again unchanged.
  const Clock::time_point now = Clock::now();
  if (!WithinRateLimits(now)) return;
  if (!Authenticate(chat.auth, line, /*check_replay=*/true)) return;

  processing::Dispatcher& dispatcher = shard_.dispatcher();
  if (!dispatcher.HasCapacity()) {
    // Only early lines can get here (live input pauses before this point).
    SendError(ErrorCode::kOverloaded, "processing queue full; message not accepted");
    return;
  }
  processing::ChatMessage* message = dispatcher.Acquire();
  message->connection_id = id_;
  message->bot_name = key_.bot_name;
  message->device_id = key_.device_id;
  message->room.assign(chat.room);
  message->channel_id.assign(chat.channel_id);
  message->sender.assign(chat.sender);
  message->text.assign(chat.text);
  message->log_id.assign(chat.log_id);
  message->user_hash.assign(chat.user_hash);
  message->is_group_chat = chat.is_group_chat;
  message->is_mention = chat.is_mention;
  message->accepted_at = now;
  ++in_flight_;
  shard_.metrics().messages_accepted.Inc();
  (void)early;
  dispatcher.Submit(message);
}

bool Session::WithinRateLimits(Clock::time_point now) {
  RateLimitScope scope;
  log::LogThrottle* log;
  double per_second;
  if (!rate_limit_.TryTake(shard_.connection_rate_policy(), now)) {
    scope = RateLimitScope::kConnection;
    log = &rate_limited_log_;
    per_second = shard_.settings().connection_rate_limit.per_second;
  } else if (bot_limit_ != nullptr && !shard_.bot_limits().TryTake(*bot_limit_, now)) {
    scope = RateLimitScope::kBot;
    log = &bot_limit_->refusals;
    per_second = shard_.settings().bot_rate_limit.per_second;
  } else {
    return true;
  }
  shard_.metrics().rate_limited[static_cast<int>(scope)]->Inc();
  if (uint64_t refused = log->Note(now)) {
    RELAY_LOG(kWarn, "%s over the %s message rate limit (%g/s): %d message(s) refused%s", Who(),
              std::string(RateLimitScopeName(scope)), per_second, refused,
              refused > 1 ? " since the last report" : "");
  }
  SendError(ErrorCode::kRateLimited, scope == RateLimitScope::kConnection
                                         ? "connection message rate limit exceeded; not processed"
                                         : "bot message rate limit exceeded; not processed");
  return false;
}

void Session::OnMessageDone() {
  if (in_flight_ > 0) --in_flight_;
  if (in_flight_ == 0 && wait_for_work_) MaybeFinishClosing();
}

void Session::OnPingReply(const protocol::PingReplyFrame& ping) {
  if (barrier_pending_ && ping.server_timestamp == barrier_stamp_) {
    // Whatever the auth outcome, the reply proves the phone has read up to
    // the barrier (see MaybeFinishClosing).
    barrier_acked_ = true;
    MaybeFinishClosing();
  }
  if (!Authenticate(ping.auth, {}, /*check_replay=*/false)) return;
  RelayMetrics& m = shard_.metrics();
  m.ping_replies.Inc();
  const Clock::time_point now = Clock::now();
  double rtt_ms = -1;
  if (last_ping_stamp_len_ > 0 &&
      ping.server_timestamp == std::string_view(last_ping_stamp_, last_ping_stamp_len_)) {
    rtt_ms = std::chrono::duration<double, std::milli>(now - last_ping_sent_).count();
  } else if (int64_t sent = protocol::ParseKstMillis(ping.server_timestamp); sent > 0) {
    // A reply to an older ping: millisecond resolution is all we have.
    rtt_ms = static_cast<double>(NowUnixMs() - sent);
  }
  oldest_unanswered_ping_ = Clock::time_point();
  if (rtt_ms >= 0) {
    float sample = static_cast<float>(rtt_ms);
    rtt_ms_[rtt_next_] = sample;
    rtt_next_ = (rtt_next_ + 1) % rtt_ms_.size();
    if (rtt_count_ < rtt_ms_.size()) ++rtt_count_;
    rtt_last_ = sample;
    rtt_min_ = rtt_count_ == 1 ? sample : std::min(rtt_min_, sample);
    rtt_max_ = std::max(rtt_max_, sample);
    m.ping_rtt.Observe(rtt_ms / 1000.0);
  }
  if (ping.has_monitoring) {
    monitoring_.total_memory_mb = ping.total_memory_mb;
    monitoring_.memory_usage_mb = ping.memory_usage_mb;
    monitoring_.memory_percent = ping.memory_percent;
    monitoring_.message_queue_size = ping.message_queue_size;
    monitoring_.active_rooms = ping.active_rooms;
  }
  RecordPingInStore(now, rtt_ms);
  Reschedule();
}

void Session::RecordPingInStore(Clock::time_point now, double rtt_ms) {
  const Millis interval = shard_.settings().ping_record_interval;
  if (last_ping_recorded_ != Clock::time_point() && now - last_ping_recorded_ < interval) return;
  last_ping_recorded_ = now;
  store::PingSample sample;
  sample.key = key_;
  sample.at_ms = NowUnixMs();
  sample.rtt_ms = std::max(0.0, rtt_ms);
  sample.total_memory_mb = monitoring_.total_memory_mb;
  sample.memory_usage_mb = monitoring_.memory_usage_mb;
  sample.memory_percent = monitoring_.memory_percent;
  sample.message_queue_size = monitoring_.message_queue_size;
  sample.active_rooms = monitoring_.active_rooms;
  shard_.server().devices().RecordPing(std::move(sample));
}

void Session::SendPing(Clock::time_point now) {
  protocol::FormatKstMillis(NowUnixMs(), last_ping_stamp_);
  last_ping_stamp_len_ = std::strlen(last_ping_stamp_);
  protocol::AppendPing(output_, key_.bot_name,
                       std::string_view(last_ping_stamp_, last_ping_stamp_len_));
  ++frames_out_;
  shard_.metrics().Out(OutboundEvent::kPing);
  shard_.metrics().pings_sent.Inc();
  last_ping_sent_ = now;
  if (oldest_unanswered_ping_ == Clock::time_point()) oldest_unanswered_ping_ = now;
  const auto interval = shard_.settings().ping_interval;
  const double jitter = shard_.settings().ping_jitter;
  std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
  next_ping_at_ = now + std::chrono::duration_cast<Clock::duration>(interval * spread(shard_.rng()));
  AfterAppend();
}

// --------------------------------------------------------- control events

void Session::ApplyDeviceStatus(store::DeviceStatus status) {
  if (closing_ || state_ == ConnState::kHandshaking) return;
  switch (status) {
    case store::DeviceStatus::kApproved:
      if (state_ == ConnState::kPending) {
        SetState(ConnState::kApproved);
        RELAY_LOG(kInfo, "%s approved; messages are processed from now on", Who());
      }
      return;
    case store::DeviceStatus::kPending:
      if (state_ == ConnState::kApproved) {
        SetState(ConnState::kPending);
        RELAY_LOG(kInfo, "%s set back to pending; messages are refused", Who());
      }
      return;
    default:
      Close(ErrorCode::kDeviceRefused,
            absl::StrFormat("device %s by an administrator",
                            std::string(store::DeviceStatusName(status))),
            CloseMode::kNow, store::DeviceStatusName(status));
      return;
  }
}

void Session::BeginShutdown(std::string_view reason, int32_t reconnect_after_s) {
  if (closing_) return;
  protocol::AppendServerShutdown(output_, reason, reconnect_after_s);
  ++frames_out_;
  shard_.metrics().Out(OutboundEvent::kServerShutdown);
  SetState(ConnState::kClosing);
  // Answer what was accepted before the drain, then leave.
  Close(std::nullopt, {}, CloseMode::kAfterWork, "drain");
}

void Session::BeginMigration(std::string_view host, uint16_t port, int32_t migrate_after_s) {
  if (closing_ || migration_notified_) return;
  protocol::AppendServerMigration(output_, host, port, migrate_after_s);
  ++frames_out_;
  shard_.metrics().Out(OutboundEvent::kServerMigration);
  shard_.metrics().migration_notified.Inc();
  migration_notified_ = true;
  migrate_close_at_ = Clock::now() + std::chrono::seconds(migrate_after_s);
  RELAY_LOG(kInfo, "%s told to migrate to %s:%d in %d s", Who(), std::string(host), port,
            migrate_after_s);
  AfterAppend();
  Reschedule();
}

// ----------------------------------------------------------------- writing

OutboundEvent Session::OutboundEventFor(OutboundEvent event) const {
  // v3.2 phones ignore scheduleMessage, so the encoder sends messageResponse.
  return generation_ == protocol::ClientGeneration::kV32 ? OutboundEvent::kMessageResponse : event;
}

void Session::QueueText(OutboundEvent event, const protocol::ReplyTarget& target,
                        std::string_view text) {
  if (finalized_) return;
  // KakaoTalk refuses longer messages: split, in order.
  auto append = [&](std::string_view piece) {
    protocol::AppendTextReply(output_, generation_, event, target, piece, NowUnixMs());
    ++frames_out_;
    shard_.metrics().Out(OutboundEventFor(event));
  };
  // UTF-8 never has fewer bytes than UTF-16 units, so short text needs no
  // measuring (and no split vector).
  if (text.size() <= protocol::kKakaoTalkMaxTextUnits) {
    append(text);
  } else {
    for (std::string_view piece :
         protocol::SplitByUtf16Units(text, protocol::kKakaoTalkMaxTextUnits)) {
      append(piece);
    }
  }
  AfterAppend();
}

void Session::QueueMedia(OutboundEvent event, const protocol::ReplyTarget& target,
                         std::string_view media_type, std::span<const std::string_view> sources,
                         int32_t media_wait_ms) {
  if (finalized_) return;
  protocol::AppendMediaReply(output_, generation_, event, target, media_type, sources,
                             media_wait_ms, NowUnixMs());
  ++frames_out_;
  shard_.metrics().Out(OutboundEventFor(event));
  AfterAppend();
}

void Session::QueueError(ErrorCode code, std::string_view message) {
  if (finalized_) return;
  SendError(code, message);
}

void Session::SendError(ErrorCode code, std::string_view message,
                        std::optional<int32_t> reconnect_after_s) {
  if (reconnect_after_s) {
    protocol::AppendError(output_, code, message, *reconnect_after_s);
  } else {
    protocol::AppendError(output_, code, message);
  }
  ++frames_out_;
  shard_.metrics().Error(code);
  shard_.metrics().Out(OutboundEvent::kError);
  AfterAppend();
}

void Session::AfterAppend() {
  if (output_.size() - output_sent_ > shard_.settings().outbound_limit_bytes) {
    // The phone stopped reading: more buffering would only hide the fault.
    shard_.metrics().slow_consumer_closes.Inc();
    RELAY_LOG(kWarn, "%s slow consumer: %d bytes unsent; closing", Who(),
              output_.size() - output_sent_);
    Finalize("slow_consumer");
    return;
  }
  ScheduleFlush();
}

void Session::ScheduleFlush() {
  // Inside a read handler everything is flushed once at its end.
  if (in_handler_ || flush_posted_ || write_waiting_) return;
  flush_posted_ = true;
  asio::post(shard_.io(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->Flush();
  });
}

void Session::Flush() {
  if (finalized_ || write_waiting_) return;
  while (output_sent_ < output_.size()) {
    boost::system::error_code ec;
    size_t n = socket_.write_some(
        asio::buffer(output_.data() + output_sent_, output_.size() - output_sent_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      // A phone that reads slowly but never lets the buffer run empty would
      // otherwise grow it by everything ever sent: drop the written prefix
      // once it is at least as large as what is left (amortized O(1) a byte).
      if (output_sent_ >= output_.size() - output_sent_) {
        output_.erase(0, output_sent_);
        output_sent_ = 0;
      }
      WaitWritable();
      return;
    }
    if (ec) {
      Finalize("write_error");
      return;
    }
    output_sent_ += n;
    bytes_out_ += n;
    shard_.metrics().bytes_out.Inc(n);
  }
  output_.clear();
  output_sent_ = 0;
  if (output_.capacity() > 64 * 1024) std::string().swap(output_);
  if (input_paused_ && shard_.dispatcher().HasCapacity()) {
    asio::post(shard_.io(), [self = shared_from_this()] { self->ResumeInput(); });
  }
  if (closing_) MaybeFinishClosing();
}

void Session::WaitWritable() {
  write_waiting_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->write_waiting_ = false;
                       if (ec) {
                         if (ec != asio::error::operation_aborted) self->Finalize("write_error");
                         return;
                       }
                       self->Flush();
                     });
}

// ------------------------------------------------------- timers and close

void Session::Reschedule() {
  if (finalized_) return;
  const RelaySettings& s = shard_.settings();
  Clock::time_point next = Clock::time_point::max();
  if (state_ == ConnState::kHandshaking) {
    next = accepted_at_ + s.handshake_timeout;
  } else if (!closing_) {
    next = next_ping_at_;
    if (oldest_unanswered_ping_ != Clock::time_point()) {
      next = std::min(next, oldest_unanswered_ping_ + s.ping_timeout);
    }
    if (s.idle_timeout.count() > 0) next = std::min(next, last_activity_ + s.idle_timeout);
    if (migration_notified_) next = std::min(next, migrate_close_at_);
  }
  if (closing_) {
    next = close_deadline_;
  }
  if (next != Clock::time_point::max()) shard_.wheel().Schedule(*this, next);
}

void Session::OnTimer(Clock::time_point now) {
  if (finalized_) return;
  const RelaySettings& s = shard_.settings();
  if (closing_) {
    if (now >= close_deadline_) {
      Finalize(close_reason_);
      return;
    }
    MaybeFinishClosing();
    Reschedule();
    return;
  }
  if (state_ == ConnState::kHandshaking) {
    if (now >= accepted_at_ + s.handshake_timeout) {
      shard_.metrics().handshakes[static_cast<int>(HandshakeResult::kTimeout)]->Inc();
      if (uint64_t timeouts = shard_.handshake_timeout_log().Note(now)) {
        RELAY_LOG(kWarn, "%s no handshake within %d ms%s", Who(), s.handshake_timeout.count(),
                  timeouts > 1 ? absl::StrFormat(" (and %d more since the last line)", timeouts - 1)
                               : std::string());
      }
      shard_.server().NoteSourceFailure(ticket_.source);
      Close(ErrorCode::kHandshakeTimeout, "no handshake received in time", CloseMode::kNow,
            "handshake_timeout");
      Flush();
      return;
    }
    Reschedule();
    return;
  }
  if (oldest_unanswered_ping_ != Clock::time_point() &&
      now >= oldest_unanswered_ping_ + s.ping_timeout) {
    shard_.metrics().ping_timeouts.Inc();
    RELAY_LOG(kWarn, "%s did not answer pings for %d ms", Who(), s.ping_timeout.count());
    Close(ErrorCode::kPingTimeout, "no reply to pings in time", CloseMode::kNow, "ping_timeout");
    Flush();
    return;
  }
  if (s.idle_timeout.count() > 0 && now >= last_activity_ + s.idle_timeout) {
    Close(ErrorCode::kIdleTimeout, "connection idle for too long", CloseMode::kNow,
          "idle_timeout");
    Flush();
    return;
  }
  if (migration_notified_ && now >= migrate_close_at_) {
    shard_.metrics().migration_closed.Inc();
    Close(std::nullopt, {}, CloseMode::kAfterWork, "migrated");
    Flush();
    return;
  }
  if (now >= next_ping_at_) {
    SendPing(now);
    Flush();
  }
  Reschedule();
}

void Session::SetState(ConnState state) {
  if (state == state_) return;
  shard_.StateChanged(state_, state);
  state_ = state;
}

void Session::Close(std::optional<ErrorCode> code, std::string_view message, CloseMode mode,
                    std::string_view reason) {
  if (finalized_ || closing_) return;
  if (code) {
    RELAY_LOG(kInfo, "%s closing: %s (%s)", Who(), std::string(reason), std::string(message));
    SendError(*code, message);
  }
  closing_ = true;
  close_reason_.assign(reason);
  wait_for_work_ = mode == CloseMode::kAfterWork;
  SetState(ConnState::kClosing);
  if (wait_for_work_ && established_) {
    SendPing(Clock::now());
    barrier_pending_ = true;
    barrier_stamp_.assign(last_ping_stamp_, last_ping_stamp_len_);
  }
  // The deadline bounds how long a peer that never reads, never goes quiet
  // or never closes can keep us.
  close_deadline_ = Clock::now() + (wait_for_work_ ? shard_.server().settings().drain_deadline
                                                   : shard_.settings().close_grace);
  Reschedule();
  ScheduleFlush();
  MaybeFinishClosing();
}

void Session::MaybeFinishClosing() {
  if (!closing_ || finalized_ || fin_sent_) return;
  if (wait_for_work_) {
    // Lines the phone sent before it read serverShutdown/serverMigration may
    // still be on the wire. The phone answers the barrier ping only after
    // reading everything before it, so once that reply is in, every earlier
    // line has been read: serve them all, then say goodbye. A phone that
    // never answers is closed at the deadline.
    if (in_flight_ > 0) return;
    if (barrier_pending_ && !barrier_acked_) return;
  }
  if (output_sent_ < output_.size()) return;  // Flush calls back when done
  // Half-close: the phone reads everything we sent, sees EOF and closes;
  // closing while its data is unread would send an RST and could destroy
  // our last replies in flight.
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  fin_sent_ = true;
  close_deadline_ = std::min(close_deadline_, Clock::now() + shard_.settings().close_grace);
  Reschedule();
  if (!read_waiting_) WaitReadable();
}

void Session::Finalize(std::string_view reason) {
  if (finalized_) return;
  finalized_ = true;
  TimerWheel::Cancel(*this);
  boost::system::error_code ec;
  socket_.close(ec);
  if (uint64_t refused = rate_limited_log_.TakePending()) {
    RELAY_LOG(kWarn, "%s over the connection message rate limit: %d more message(s) refused", Who(),
              refused);
  }
  shard_.bot_limits().Release(bot_limit_);
  bot_limit_ = nullptr;
  LogClosed(reason);
  shard_.metrics().connections_closed.Inc();
  shard_.metrics().connections_by_state[static_cast<int>(state_)]->Add(-1);
  shard_.OnSessionClosed(*this);
}

void Session::LogClosed(std::string_view reason) const {
  auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - accepted_at_);
  RELAY_LOG(kInfo, "%s closed reason=%s after %d ms in=%d lines/%d bytes out=%d frames/%d bytes",
            Who(), std::string(reason), lifetime.count(), lines_in_, bytes_in_, frames_out_,
            bytes_out_);
}

dataplane::ConnectionInfo Session::Describe() const {
  dataplane::ConnectionInfo info;
  info.id = id_;
  info.bot_name = key_.bot_name;
  info.device_id = key_.device_id;
  info.peer_address = peer_;
  info.generation = generation_;
  info.client_version = client_version_;
  info.state = state_ == ConnState::kApproved  ? dataplane::ConnectionState::kApproved
               : state_ == ConnState::kClosing ? dataplane::ConnectionState::kClosing
                                               : dataplane::ConnectionState::kPending;
  info.connected_since_ms = accepted_unix_ms_;
  info.last_activity_ms =
      accepted_unix_ms_ +
      std::chrono::duration_cast<std::chrono::milliseconds>(last_activity_ - accepted_at_).count();
  if (rtt_count_ > 0) {
    double sum = 0;
    for (uint32_t i = 0; i < rtt_count_; ++i) sum += rtt_ms_[i];
    info.rtt.avg_ms = sum / rtt_count_;
    info.rtt.last_ms = rtt_last_;
    info.rtt.min_ms = rtt_min_;
    info.rtt.max_ms = rtt_max_;
    info.rtt.samples = rtt_count_;
  }
  info.bytes_in = bytes_in_;
  info.bytes_out = bytes_out_;
  info.messages_in = lines_in_;
  info.messages_out = frames_out_;
  info.queue_depth = in_flight_;
  info.outbound_buffered_bytes = output_.size() - output_sent_;
  info.monitoring = monitoring_;
  return info;
}

}  // namespace botrelay::net
