#pragma once
// TestBot: a client that behaves on the wire like a phone running one of the
// deployed MessengerBot R bridge scripts, for tests against the real relayd.
//
//   TestBot bot({.port = relay.bot_port(), .generation = Generation::kV33,
//                .bot_name = "LOA.i", .device_id = "dev1",
//                .secret_key = key, .salt = salt});
//   ASSERT_OK(bot.Connect());
//   auto hello = bot.Handshake();                  // handshakeComplete frame
//   ASSERT_OK(bot.SendText("# echo hi"));
//   auto reply = bot.WaitFor("messageResponse", 2s);   // reply->text() == decoded text
//
// Blocking sockets with deadlines; no background thread. Server pings are
// answered (when enabled) while the test is reading: inside ReadFrame,
// WaitFor, WaitForClose and ExpectSilence. One TestBot per thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "simdjson.h"
#include "tests/testbot/client_frames.h"
#include "tests/testbot/line_socket.h"
#include "tests/testbot/server_frame.h"

namespace botrelay::testbot {

using Millis = std::chrono::milliseconds;

struct TestBotConfig {
  std::string host = "127.0.0.1";
  // Source address to connect from; empty = chosen by the kernel. Loopback
  // tests use 127.0.0.x to appear as different phones.
  std::string local_ip;
  uint16_t port = 0;
  Generation generation = Generation::kV33;
  std::string bot_name = "LOA.i";
  std::string device_id = "ccbd8eee1012327e";
  // BOT_CONFIG.VERSION; empty = what the scripts send: "3.2.1" (v3.2
  // scripts, sic) or "3.3.2" (v3.3.2+ and v3.3.3, sic).
  std::string version;
  std::string client_type = "MessengerBotR";
  std::string device_info = "samsung SM-G991N (Android 13, API 33)";
  std::string device_uuid = "unknown";
  std::string mac_address = "02:00:00:00:00:00";
  // Handshake deviceIP and auth.ipAddress; default: the socket's local
  // address after Connect, as the phone reports it.
  std::optional<std::string> device_ip;
  std::string secret_key;
  std::string salt;
  // Event used to answer pings; default kPing for v3.2, kPong for v3.3
  // (bridge v3.3.3). kPing with kV33 is bridge v3.3.0-3.3.2.
  std::optional<PingReplyStyle> ping_reply;
  bool auto_answer_pings = true;
  std::optional<Monitoring> monitoring = Monitoring{};  // nullopt = MONITORING_ENABLED false
  AuthOptions ping_auth;                                 // how ping replies are signed
  // Honour serverMigration {new_host,new_port,migrate_after}: after
  // migrate_after seconds, or as soon as the server closes, reconnect to the
  // new address and handshake again (see MigrationRecord).
  bool follow_migration = false;
  Millis connect_timeout{5000};  // the scripts' connect timeout
};

// One server ping and what the bot did about it.
struct PingExchange {
  Clock::time_point received_at;
  std::string line;                                  // the ping as received
  std::optional<std::string> server_timestamp_json;  // data.server_timestamp as JSON text
  bool answered = false;
  std::string reply_line;  // without LF; empty if not answered
  // The reply waited for a half-written line of the test to be finished.
  bool deferred = false;
  absl::Status reply_status;
};

// One serverMigration the bot followed (follow_migration).
struct MigrationRecord {
  std::string new_host;
  uint16_t new_port = 0;
  double migrate_after_seconds = 0;
  Clock::time_point notified_at;
  std::optional<Clock::time_point> old_closed_at;  // if the old server closed first
  std::optional<Clock::time_point> reconnected_at;
  absl::Status reconnect_status;            // connect + handshake write
  std::optional<ServerFrame> handshake;     // the new relay's handshakeComplete
};

class TestBot {
 public:
  explicit TestBot(TestBotConfig config);

  // TCP connect (TCP_NODELAY). Does not handshake.
  absl::Status Connect();
  // Writes the handshake line of the configured generation.
  absl::Status SendHandshake();
  // SendHandshake, then WaitFor("handshakeComplete").
  absl::StatusOr<ServerFrame> Handshake(Millis timeout = Millis(5000));

  // Sends a chat message as the script's onMessage would: sanitised unless
  // message.sanitize is false (FAILED_PRECONDITION if nothing is left: the
  // phone sends nothing), log_id filled with a per-bot counter if unset.
  absl::Status SendChat(ChatMessage message);
  // A ChatMessage with defaults and this text.
  absl::Status SendText(std::string_view text);
  // The exact line SendChat would write now (for replay tests: SendRaw it
  // twice).
  absl::StatusOr<std::string> PrepareChat(ChatMessage message);

  absl::Status SendRaw(std::string_view bytes);
  // Writes `bytes` in chunks of `chunk_size` with `delay` between writes
  // (TCP_NODELAY makes each its own segment).
  absl::Status SendRawSplit(std::string_view bytes, size_t chunk_size, Millis delay);

  // The next frame of any event. Pings are answered (if enabled), recorded
  // and returned. Errors: DEADLINE_EXCEEDED (nothing in time), UNAVAILABLE
  // (server closed; see closed_at; the bot then closes its socket too, as
  // the script does), DATA_LOSS (a line the phone script of
  // this generation could not use: the frame is consumed).
  absl::StatusOr<ServerFrame> ReadFrame(Millis timeout);
  // The next frame with this event, skipping pings (and followed
  // serverMigration frames). Any other frame is FAILED_PRECONDITION: tests
  // see unexpected frames instead of skipping them.
  absl::StatusOr<ServerFrame> WaitFor(std::string_view event, Millis timeout);
  // WaitFor("error"), and FAILED_PRECONDITION if data.code differs.
  absl::StatusOr<ServerFrame> WaitForError(std::string_view code, Millis timeout);
  // Decoded texts of the next `count` frames with `event` (default
  // messageResponse), in arrival order.
  absl::StatusOr<std::vector<std::string>> WaitForTexts(size_t count, Millis timeout,
                                                        std::string_view event = "messageResponse");
  // Reads until the server closes; returns every frame received before the
  // close. DEADLINE_EXCEEDED if still open at the deadline.
  absl::StatusOr<std::vector<ServerFrame>> WaitForClose(Millis timeout);
  // OK if nothing but pings arrives for `duration`; FAILED_PRECONDITION with
  // the frame otherwise; UNAVAILABLE if the server closes.
  absl::Status ExpectSilence(Millis duration);

  void Close();
  bool connected() const { return socket_.is_open() && !closed_at_; }
  // When the server's close (EOF/reset) was first seen.
  std::optional<Clock::time_point> closed_at() const { return closed_at_; }
  const std::vector<PingExchange>& pings() const { return pings_; }
  const std::vector<MigrationRecord>& migrations() const { return migrations_; }
  const PhoneIdentity& identity() const { return identity_; }
  const TestBotConfig& config() const { return config_; }
  // The last lines sent (">> ") and received ("<< "), for failure messages.
  std::string Transcript() const;

 private:
  absl::Status ConnectTo(const std::string& host, uint16_t port);
  void HandlePing(const ServerFrame& frame);
  void NoteServerMigration(const ServerFrame& frame);
  void FollowMigration();
  void Record(std::string_view direction, std::string_view line);
  // Writes bytes and keeps track of whether the output ends inside a line.
  absl::Status Write(std::string_view bytes);
  // Sends ping replies held back while a line was half written.
  void FlushDeferredPingReplies();

  TestBotConfig config_;
  PhoneIdentity identity_;
  LineSocket socket_;
  std::optional<Clock::time_point> closed_at_;
  std::vector<PingExchange> pings_;
  std::vector<MigrationRecord> migrations_;
  std::optional<Clock::time_point> migrate_at_;  // a followed migration is pending
  bool awaiting_migration_handshake_ = false;
  int64_t next_log_id_ = 3155889281717409792;  // the shape of a KakaoTalk log id
  std::deque<std::string> transcript_;
  // The phone writes whole lines; a ping reply must not land inside a line
  // a test is sending in pieces. Indices into pings_ of replies held back.
  bool mid_line_ = false;
  std::vector<size_t> deferred_ping_replies_;
};

}  // namespace botrelay::testbot
