#pragma once
// The handshake stage of a bot connection: every line before the handshake,
// the device's admission or refusal, and the move to the bot's shard.
//
// The chain of steps:
//   OnHandshakeStageLine -> [chat line: kept for after the handshake |
//   handshake: Admit | anything else: refused] ;
//   Admit -> relayd draining? -> device flapping? -> refused recently? ->
//   device registry -> [Refuse | RefuseFlapping | admitted] ;
//   CompleteHandshake (once the read handler has stopped) -> activate here,
//   or move to the bot's shard (SessionTransfer).
//
// The stage sees its connection only through HandshakeConnection (Session
// implements it), so everything it may read or change is listed below.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/admission/connection_admission.h"
#include "dataplane/protocol/frame_decoder.h"
#include "dataplane/protocol/types.h"
#include "dataplane/store/device_record.h"

namespace botrelay::net {

class Shard;

// What a session carries when it moves to its bot's shard after the
// handshake (every bot lives on one shard; see shard.h).
struct SessionTransfer {
  int fd = -1;
  uint64_t id = 0;
  std::string peer;
  admission::Ticket ticket;
  std::chrono::steady_clock::time_point accepted_at;
  int64_t accepted_unix_ms = 0;
  protocol::ClientGeneration generation = protocol::ClientGeneration::kV33;
  store::DeviceKey key;
  std::string client_version;
  bool approved = false;
  std::string handshake_message;
  size_t max_line_bytes = 0;
  uint64_t bytes_in = 0;
  uint64_t lines_in = 0;
  std::string unread;                    // bytes after the handshake line
  std::vector<std::string> early_lines;  // chat lines sent before it
};

// A connection in its handshake stage, as the stage sees it.
class HandshakeConnection {
 public:
  virtual ~HandshakeConnection() = default;

  // The shard the connection was accepted on.
  virtual Shard& shard() = 0;
  // The connection's name in log lines (with bot and device once identified).
  virtual std::string Who() const = 0;
  virtual const std::string& peer() const = 0;
  // The source address's admission: failures count toward its ban.
  virtual const admission::Ticket& ticket() const = 0;
  virtual const store::DeviceKey& key() const = 0;

  // Chat lines that arrive before the handshake, handled after it.
  virtual size_t early_line_count() const = 0;
  virtual void KeepEarlyLine(std::string_view line) = 0;

  // Takes the identity the handshake claims, before any check, so that the
  // log lines of a refusal name the device.
  virtual void Identify(const protocol::HandshakeFrame& handshake) = 0;
  // The device is admitted: the rest of the input waits for
  // CompleteHandshake. `max_line_bytes` 0 keeps the server's limit.
  virtual void Admitted(bool approved, std::string handshake_message,
                        size_t max_line_bytes) = 0;

  // Queues handshakeComplete without a flush of its own: the error frame of
  // a refusal, or Activate, sends it.
  virtual void AppendHandshakeComplete(bool approved, std::string_view message) = 0;
  // `reconnect_after_s`: the hint of refusals that pass (device_flapping).
  virtual void SendError(protocol::ErrorCode code, std::string_view message,
                         std::optional<int32_t> reconnect_after_s) = 0;
  // Sends `code` (if not empty) with `message`, then closes without waiting
  // for work: a connection refused at its handshake has none.
  virtual void CloseNow(std::optional<protocol::ErrorCode> code, std::string_view message,
                        std::string_view reason) = 0;

  // Starts the established stage on the current shard.
  virtual void Activate() = 0;
  // Hands over the descriptor, the unread bytes and the early lines; the
  // connection then leaves its shard without closing the socket. Empty (and
  // the connection closed) when the descriptor cannot be released.
  virtual std::optional<SessionTransfer> ReleaseForTransfer() = 0;
};

// One line received while `connection` has not completed its handshake.
void OnHandshakeStageLine(HandshakeConnection& connection, std::string_view line);

// Moves an admitted connection to its bot's shard and activates it there.
// Called after the read handler that admitted it has stopped reading: the
// bytes after the handshake line belong to the established stage.
void CompleteHandshake(HandshakeConnection& connection);

}  // namespace botrelay::net
