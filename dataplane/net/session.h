#pragma once
// One bot connection, from accept to close, on one event-loop thread.
//
// The chain of steps:
//   Start -> [handshake stage (session_handshake.h): read lines until a
//   handshake; queue early chat lines; admit the device] -> (move to the
//   bot's shard) -> Activate ->
//   [read lines -> decode -> verify -> dispatch | ping replies] ... ->
//   Close (error event, flush, FIN, wait for the peer's FIN) -> Finalize.
//
// Reads are readiness-based: an idle connection holds no read buffer; bytes
// are read into the shard's scratch buffer and decoded in place, and only an
// incomplete line is copied into the session. Writes are coalesced: every
// frame produced while handling one readiness event goes out in one write.

#include <utility>  // Boost 1.74 Asio needs it before its headers
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/admission/connection_admission.h"
#include "dataplane/admission/flap_detector.h"
#include "dataplane/data_plane.h"
#include "dataplane/log/log_throttle.h"
#include "dataplane/net/bot_rate_limits.h"
#include "dataplane/net/relay_metrics.h"
#include "dataplane/net/session_handshake.h"
#include "dataplane/net/timer_wheel.h"
#include "dataplane/protocol/frame_decoder.h"
#include "dataplane/protocol/frame_encoder.h"
#include "dataplane/ratelimit/token_bucket.h"
#include "dataplane/store/device_record.h"

namespace botrelay::net {

class Shard;

class Session final : public std::enable_shared_from_this<Session>,
                      public TimerWheel::Entry,
                      private HandshakeConnection {
 public:
  using Clock = std::chrono::steady_clock;
  enum class CloseMode : uint8_t {
    kNow,          // close as soon as the error event (if any) is flushed
    kAfterWork,    // first wait until this connection's messages are answered
  };

  // A freshly accepted connection, in the handshake stage.
  Session(Shard& shard, boost::asio::ip::tcp::socket socket, uint64_t id, std::string peer,
          const admission::Ticket& ticket);
  // A connection that finished its handshake on another shard.
  Session(Shard& shard, SessionTransfer&& transfer);
  ~Session() override;

  void Start();              // handshake stage
  void Activate() override;  // after admission, on the bot's own shard

  uint64_t id() const { return id_; }
  const store::DeviceKey& key() const override { return key_; }
  // The source address's admission (released when the session ends).
  const admission::Ticket& ticket() const override { return ticket_; }
  ConnState state() const { return state_; }
  protocol::ClientGeneration generation() const { return generation_; }
  dataplane::ConnectionInfo Describe() const;

  // Frames produced outside this session's own read handling (replies routed
  // by key, pushes, control events) are queued and flushed soon after.
  void QueueText(protocol::OutboundEvent event, const protocol::ReplyTarget& target,
                 std::string_view text);
  void QueueMedia(protocol::OutboundEvent event, const protocol::ReplyTarget& target,
                  std::string_view media_type, std::span<const std::string_view> sources,
                  int32_t media_wait_ms);
  void QueueError(protocol::ErrorCode code, std::string_view message);

  // Applies an admin status change to this live connection.
  void ApplyDeviceStatus(store::DeviceStatus status);
  // Sends `code` (if not empty) with `message`, then closes per `mode`.
  void Close(std::optional<protocol::ErrorCode> code, std::string_view message, CloseMode mode,
             std::string_view reason);
  void BeginShutdown(std::string_view reason, int32_t reconnect_after_s);
  void BeginMigration(std::string_view host, uint16_t port, int32_t migrate_after_s);

  // One of this connection's messages was answered (or timed out).
  void OnMessageDone();
  // The shard's processing queue has room again.
  void ResumeInput();
  bool migrated() const { return migration_notified_; }

 private:
  // --- reading and line framing
  void WaitReadable();
  void OnReadable(const boost::system::error_code& ec);
  // Consumes bytes; returns false if input must pause (no capacity).
  bool ConsumeInput(const char* data, size_t size);
  bool ProcessBuffered();
  bool CanTakeWork() const;
  // Bytes of the incomplete line at the end of input_; pass true when the
  // whole of input_ is known to be one.
  size_t PartialLineBytes(bool no_complete_line) const;
  void PauseInput();
  void OnLine(std::string_view line);

  // --- handshake stage (session_handshake.h drives it through these)
  Shard& shard() override { return shard_; }
  const std::string& peer() const override { return peer_; }
  size_t early_line_count() const override { return early_lines_.size(); }
  void KeepEarlyLine(std::string_view line) override;
  void Identify(const protocol::HandshakeFrame& handshake) override;
  void Admitted(bool approved, std::string handshake_message, size_t max_line_bytes) override;
  void AppendHandshakeComplete(bool approved, std::string_view message) override;
  void CloseNow(std::optional<protocol::ErrorCode> code, std::string_view message,
                std::string_view reason) override;
  std::optional<SessionTransfer> ReleaseForTransfer() override;

  // --- established
  void OnEstablishedLine(std::string_view line, bool early);
  void OnChat(std::string_view line, const protocol::ChatFrame& chat, bool early);
  // Takes a token from this connection's and its bot's bucket; answers
  // rate_limited and returns false when either is empty.
  bool WithinRateLimits(Clock::time_point now);
  void OnPingReply(const protocol::PingReplyFrame& ping);
  // The ping history in the store is thinned to one record per
  // ping-record-interval; rtt_ms < 0 when the reply matched no ping.
  void RecordPingInStore(Clock::time_point now, double rtt_ms);
  bool Authenticate(const protocol::AuthBlock& auth, std::string_view line, bool check_replay);
  void SendPing(Clock::time_point now);

  // --- writing
  protocol::OutboundEvent OutboundEventFor(protocol::OutboundEvent event) const;
  // `reconnect_after_s`: the hint of refusals that pass (device_flapping).
  void SendError(protocol::ErrorCode code, std::string_view message,
                 std::optional<int32_t> reconnect_after_s = std::nullopt) override;
  void AfterAppend();
  void ScheduleFlush();
  void Flush();
  void WaitWritable();

  // --- timers and closing
  void OnTimer(Clock::time_point now) override;
  void Reschedule();
  void SetState(ConnState state);
  void MaybeFinishClosing();
  void Finalize(std::string_view reason);
  void LogClosed(std::string_view reason) const;
  std::string Who() const override;

  Shard& shard_;
  boost::asio::ip::tcp::socket socket_;
  uint64_t id_;
  std::string peer_;
  admission::Ticket ticket_;
  ConnState state_ = ConnState::kHandshaking;
  protocol::ClientGeneration generation_ = protocol::ClientGeneration::kV33;
  store::DeviceKey key_;
  std::string client_version_;
  size_t max_line_bytes_;

  Clock::time_point accepted_at_;
  int64_t accepted_unix_ms_ = 0;
  Clock::time_point last_activity_;

  std::string input_;       // unprocessed bytes: an incomplete line, or lines held by backpressure
  std::vector<std::string> early_lines_;
  std::string output_;      // frames not yet written
  size_t output_sent_ = 0;  // prefix of output_ already written

  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool input_paused_ = false;
  bool in_handler_ = false;     // inside OnReadable: flush happens at its end
  bool flush_posted_ = false;
  bool finalized_ = false;
  bool handshake_done_ = false;  // admitted; CompleteHandshake pending
  bool established_ = false;     // Activate ran: lines are frames of a live session

  // closing
  bool closing_ = false;
  bool wait_for_work_ = false;
  bool fin_sent_ = false;
  bool barrier_pending_ = false;  // drain/migration: a ping marks the end of our stream
  bool barrier_acked_ = false;
  std::string barrier_stamp_;
  std::string close_reason_;
  Clock::time_point close_deadline_;

  // pings
  Clock::time_point next_ping_at_;
  Clock::time_point oldest_unanswered_ping_;  // epoch = none outstanding
  Clock::time_point last_ping_sent_;
  Clock::time_point last_ping_recorded_;  // epoch until the first record
  char last_ping_stamp_[32] = {};
  size_t last_ping_stamp_len_ = 0;
  std::vector<float> rtt_ms_;  // ring of recent samples
  size_t rtt_next_ = 0;
  float rtt_last_ = 0, rtt_min_ = 0, rtt_max_ = 0;
  uint32_t rtt_count_ = 0;
  dataplane::ClientMonitoring monitoring_;

  // migration / drain
  bool migration_notified_ = false;
  Clock::time_point migrate_close_at_;

  // message rate limits
  ratelimit::TokenBucket rate_limit_;  // this connection's chat messages; the policy is the shard's
  BotRateLimits::Entry* bot_limit_ = nullptr;  // the bot's, on its shard; set by Activate
  log::LogThrottle rate_limited_log_{kRateLimitLogPeriod};

  int consecutive_auth_failures_ = 0;
  uint32_t in_flight_ = 0;
  uint64_t bytes_in_ = 0, bytes_out_ = 0, lines_in_ = 0, frames_out_ = 0;
  std::string handshake_message_;  // the handshakeComplete text, set at admission
};

}  // namespace botrelay::net
