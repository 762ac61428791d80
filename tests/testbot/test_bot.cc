#include "tests/testbot/test_bot.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "tests/testbot/phone_clock.h"
#include "tests/testbot/phone_text.h"

namespace botrelay::testbot {
namespace {

constexpr size_t kTranscriptLines = 200;
constexpr size_t kTranscriptLineChars = 400;

PhoneIdentity IdentityFrom(const TestBotConfig& c) {
  PhoneIdentity id;
  id.generation = c.generation;
  id.bot_name = c.bot_name;
  id.device_id = c.device_id;
  id.version = !c.version.empty() ? c.version : (c.generation == Generation::kV32 ? "3.2.1" : "3.3.2");
  id.client_type = c.client_type;
  id.device_ip = c.device_ip.value_or("unknown");
  id.device_info = c.device_info;
  id.device_uuid = c.device_uuid;
  id.mac_address = c.mac_address;
  id.secret_key = c.secret_key;
  id.salt = c.salt;
  return id;
}

Millis Remaining(Clock::time_point deadline) {
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(deadline - Clock::now()));
}

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

TestBot::TestBot(TestBotConfig config) : config_(std::move(config)), identity_(IdentityFrom(config_)) {
  if (!config_.ping_reply) {
    config_.ping_reply =
        config_.generation == Generation::kV32 ? PingReplyStyle::kPing : PingReplyStyle::kPong;
  }
}

absl::Status TestBot::ConnectTo(const std::string& host, uint16_t port) {
  closed_at_.reset();
  mid_line_ = false;
  deferred_ping_replies_.clear();
  absl::Status s = socket_.Connect(host, port, config_.connect_timeout, config_.local_ip);
  if (!s.ok()) return s;
  if (!config_.device_ip) identity_.device_ip = socket_.LocalIp();
  Record("--", absl::StrCat("connected to ", host, ":", port));
  return absl::OkStatus();
}

absl::Status TestBot::Connect() { return ConnectTo(config_.host, config_.port); }

absl::Status TestBot::SendHandshake() { return SendRaw(BuildHandshakeLine(identity_, NowUnixMillis())); }

absl::StatusOr<ServerFrame> TestBot::Handshake(Millis timeout) {
  absl::Status s = SendHandshake();
  if (!s.ok()) return s;
  return WaitFor("handshakeComplete", timeout);
}

absl::StatusOr<std::string> TestBot::PrepareChat(ChatMessage message) {
  if (message.sanitize) {
    message.text = SanitizeLikePhone(message.text);
    message.sender = SanitizeLikePhone(message.sender);
    if (message.text.empty()) {
      return absl::FailedPreconditionError("the phone sends nothing for an empty sanitised text");
    }
  }
  if (!message.log_id) message.log_id = std::to_string(next_log_id_++);
  return BuildChatLine(identity_, message, NowUnixMillis());
}

absl::Status TestBot::SendChat(ChatMessage message) {
  absl::StatusOr<std::string> line = PrepareChat(std::move(message));
  if (!line.ok()) return line.status();
  return SendRaw(*line);
}

absl::Status TestBot::SendText(std::string_view text) {
  ChatMessage message;
  message.text = std::string(text);
  return SendChat(std::move(message));
}

absl::Status TestBot::Write(std::string_view bytes) {
  absl::Status s = socket_.WriteAll(bytes);
  if (s.ok() && !bytes.empty()) mid_line_ = bytes.back() != '\n';
  return s;
}

void TestBot::FlushDeferredPingReplies() {
  for (size_t index : std::exchange(deferred_ping_replies_, {})) {
    PingExchange& ping = pings_[index];
    Record(">>", ping.reply_line);
    ping.reply_status = Write(ping.reply_line + "\n");
    ping.answered = ping.reply_status.ok();
  }
}

absl::Status TestBot::SendRaw(std::string_view bytes) {
  Record(">>", bytes);
  absl::Status s = Write(bytes);
  if (s.ok() && !mid_line_) FlushDeferredPingReplies();
  return s;
}

absl::Status TestBot::SendRawSplit(std::string_view bytes, size_t chunk_size, Millis delay) {
  Record(">>", bytes);
  if (chunk_size == 0) return absl::InvalidArgumentError("chunk_size must be > 0");
  for (size_t at = 0; at < bytes.size(); at += chunk_size) {
    if (at > 0) std::this_thread::sleep_for(delay);
    absl::Status s = Write(bytes.substr(at, chunk_size));
    if (!s.ok()) return s;
  }
  if (!mid_line_) FlushDeferredPingReplies();
  return absl::OkStatus();
}

void TestBot::HandlePing(const ServerFrame& frame) {
  PingExchange ping;
  ping.received_at = frame.received_at();
  ping.line = frame.line();
  ping.server_timestamp_json = frame.RawJson("server_timestamp");
  if (config_.auto_answer_pings) {
    PingEcho echo{frame.String("bot_name"), ping.server_timestamp_json};
    std::string reply = BuildPingReplyLine(identity_, *config_.ping_reply, echo, config_.monitoring,
                                           config_.ping_auth, NowUnixMillis());
    if (mid_line_) {
      ping.deferred = true;
      deferred_ping_replies_.push_back(pings_.size());
    } else {
      Record(">>", reply);
      ping.reply_status = Write(reply);
      ping.answered = ping.reply_status.ok();
    }
    reply.pop_back();  // LF
    ping.reply_line = std::move(reply);
  }
  pings_.push_back(std::move(ping));
}

void TestBot::NoteServerMigration(const ServerFrame& frame) {
  MigrationRecord m;
  m.new_host = frame.String("new_host").value_or("");
  m.new_port = static_cast<uint16_t>(frame.Int("new_port").value_or(0));
  m.migrate_after_seconds = frame.Double("migrate_after").value_or(0);
  m.notified_at = frame.received_at();
  migrate_at_ = m.notified_at + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(m.migrate_after_seconds));
  migrations_.push_back(std::move(m));
}

void TestBot::FollowMigration() {
  MigrationRecord& m = migrations_.back();
  migrate_at_.reset();
  if (closed_at_) m.old_closed_at = closed_at_;
  socket_.Close();
  m.reconnect_status = ConnectTo(m.new_host, m.new_port);
  if (m.reconnect_status.ok()) m.reconnect_status = SendHandshake();
  m.reconnected_at = Clock::now();
  awaiting_migration_handshake_ = m.reconnect_status.ok();
}

absl::StatusOr<ServerFrame> TestBot::ReadFrame(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    Clock::time_point wait_until = deadline;
    if (migrate_at_) wait_until = std::min(wait_until, *migrate_at_);
    absl::StatusOr<std::string> line = socket_.ReadLine(wait_until);
    if (!line.ok()) {
      const bool timed_out = absl::IsDeadlineExceeded(line.status());
      if (!timed_out && absl::IsUnavailable(line.status()) && !closed_at_) {
        closed_at_ = Clock::now();
        Record("--", "closed by the server");
        // The script closes its socket when readLine() returns null.
        socket_.Close();
      }
      if (closed_at_ && !socket_.is_open() && !migrate_at_) {
        return absl::UnavailableError("connection closed by the server");
      }
      const bool migrate_now =
          migrate_at_ && (closed_at_ || (timed_out && Clock::now() >= *migrate_at_));
      if (migrate_now) {
        FollowMigration();
        if (!migrations_.back().reconnect_status.ok()) return migrations_.back().reconnect_status;
        continue;
      }
      if (timed_out && Clock::now() < deadline) continue;
      return line.status();
    }
    Record("<<", *line);
    absl::StatusOr<ServerFrame> frame = ParseServerLine(std::move(*line), config_.generation);
    if (!frame.ok()) return frame.status();
    if (frame->event() == "ping") {
      HandlePing(*frame);
    } else if (frame->event() == "serverMigration" && config_.follow_migration) {
      NoteServerMigration(*frame);
    } else if (frame->event() == "handshakeComplete" && awaiting_migration_handshake_) {
      awaiting_migration_handshake_ = false;
      migrations_.back().handshake = std::move(*frame);
      continue;
    }
    return frame;
  }
}

absl::StatusOr<ServerFrame> TestBot::WaitFor(std::string_view event, Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    absl::StatusOr<ServerFrame> frame = ReadFrame(Remaining(deadline));
    if (!frame.ok()) {
      return absl::Status(frame.status().code(),
                          absl::StrCat("waiting for '", View(event), "': ", frame.status().message()));
    }
    if (frame->event() == event) return frame;
    const bool skipped = frame->event() == "ping" ||
                         (frame->event() == "serverMigration" && config_.follow_migration);
    if (!skipped) {
      return absl::FailedPreconditionError(
          absl::StrCat("waiting for '", View(event), "', got: ", View(frame->line())));
    }
  }
}

absl::StatusOr<ServerFrame> TestBot::WaitForError(std::string_view code, Millis timeout) {
  absl::StatusOr<ServerFrame> frame = WaitFor("error", timeout);
  if (!frame.ok()) return frame;
  if (frame->error_code() != code) {
    return absl::FailedPreconditionError(absl::StrCat("expected error code '", View(code),
                                                      "', got: ", View(frame->line())));
  }
  return frame;
}

absl::StatusOr<std::vector<std::string>> TestBot::WaitForTexts(size_t count, Millis timeout,
                                                               std::string_view event) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<std::string> texts;
  while (texts.size() < count) {
    absl::StatusOr<ServerFrame> frame = WaitFor(event, Remaining(deadline));
    if (!frame.ok()) {
      return absl::Status(frame.status().code(),
                          absl::StrCat("after ", texts.size(), " of ", count,
                                       " texts: ", frame.status().message()));
    }
    if (!frame->text()) {
      return absl::FailedPreconditionError(
          absl::StrCat("frame carries no text for the phone: ", View(frame->line())));
    }
    texts.push_back(*frame->text());
  }
  return texts;
}

absl::StatusOr<std::vector<ServerFrame>> TestBot::WaitForClose(Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<ServerFrame> frames;
  while (true) {
    absl::StatusOr<ServerFrame> frame = ReadFrame(Remaining(deadline));
    if (frame.ok()) {
      frames.push_back(std::move(*frame));
      continue;
    }
    if (absl::IsUnavailable(frame.status()) && closed_at_) return frames;
    return absl::Status(frame.status().code(),
                        absl::StrCat("waiting for the server to close: ", frame.status().message()));
  }
}

absl::Status TestBot::ExpectSilence(Millis duration) {
  const Clock::time_point deadline = Clock::now() + duration;
  while (true) {
    absl::StatusOr<ServerFrame> frame = ReadFrame(Remaining(deadline));
    if (!frame.ok()) {
      if (absl::IsDeadlineExceeded(frame.status())) return absl::OkStatus();
      return frame.status();
    }
    const bool skipped = frame->event() == "ping" ||
                         (frame->event() == "serverMigration" && config_.follow_migration);
    if (!skipped) {
      return absl::FailedPreconditionError(
          absl::StrCat("expected silence, got: ", View(frame->line())));
    }
  }
}

void TestBot::Close() {
  if (socket_.is_open()) Record("--", "closed by the bot");
  socket_.Close();
  migrate_at_.reset();
  mid_line_ = false;
  deferred_ping_replies_.clear();
}

void TestBot::Record(std::string_view direction, std::string_view line) {
  std::string entry = absl::StrCat(View(direction), " ");
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.size() > kTranscriptLineChars) {
    absl::StrAppend(&entry, View(line.substr(0, kTranscriptLineChars)), "... (", line.size(),
                    " bytes)");
  } else {
    absl::StrAppend(&entry, View(line));
  }
  transcript_.push_back(std::move(entry));
  if (transcript_.size() > kTranscriptLines) transcript_.pop_front();
}

std::string TestBot::Transcript() const {
  std::string out = absl::StrCat("transcript of ", identity_.bot_name, "/", identity_.device_id,
                                 " (", View(GenerationName(identity_.generation)), "):\n");
  for (const std::string& entry : transcript_) absl::StrAppend(&out, "  ", entry, "\n");
  return out;
}

}  // namespace botrelay::testbot
