#pragma once
// One load-generator event loop (one thread): owns a slice of the
// connections, their sockets and buffers, speaks the phone side of the
// protocol (handshake, echo requests with signed auth blocks, pong replies)
// and checks every reply. Per loop iteration each socket gets at most one
// write(); reads use one shared 64 KiB buffer, so an idle connection holds
// no read buffer.

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "bench/auth_signer.h"
#include "bench/connection.h"
#include "bench/event_loop.h"
#include "bench/loopback.h"
#include "bench/run_stats.h"
#include "bench/scenario.h"
#include "bench/wire.h"

namespace botrelay::bench {

struct WorkerSettings {
  Endpoint target;
  std::string secret_key;
  std::string salt;
  int bots = 16;                        // identities: see identity.h
  int source_addresses = 64;            // 127.0.0.2 ... spread
  int rooms_per_connection = 4;         // chat rooms a connection's echoes rotate over
  size_t payload_bytes = 0;             // filler appended to each echo text
  int connect_concurrency = 256;        // connects + handshakes in progress at once
  int64_t handshake_timeout_ns = 10'000'000'000;
  // A drain is part of the run: serverShutdown, error{shutting_down} and the
  // server's close after a serverShutdown are expected, not errors.
  bool expect_drain = false;
};

class Worker {
 public:
  // `indices`: the run-wide numbers of the connections this worker owns.
  Worker(const WorkerSettings& settings, const std::vector<int>& indices, Scenario& scenario);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs the scenario until it finishes or `deadline_ns` passes, then
  // closes every socket; still-outstanding requests count as missing.
  void Run(int64_t deadline_ns);

  // --- for scenarios ---
  void Open(Connection& connection);
  // Closes at the scenario's request; outstanding requests count as missing.
  void Close(Connection& connection);
  // Queues one echo request, timed from `intended_ns` (the open loop's
  // schedule, or now).
  void SendEcho(Connection& connection, int64_t intended_ns, int64_t now_ns);
  // Queues one signed chat `message` carrying `text` in room `room` of the
  // connection. A forged signature is well-formed but wrong. Returns the
  // frame as queued (valid until the connection's next write).
  std::string_view SendChat(Connection& connection, std::string_view text, int room,
                            uint64_t log_id, bool forge_signature = false);
  // Queues bytes as they are.
  void SendRaw(Connection& connection, std::string_view bytes);
  // Sends FIN once the queued bytes are written; the server's close is then expected.
  void HalfClose(Connection& connection);
  // Closes at once with an RST (SO_LINGER 0), as a phone losing its network
  // might; outstanding requests count as missing, like Close.
  void Reset(Connection& connection);
  // Makes the connection speak as `identity` from its next socket on.
  void Assume(Connection& connection, Identity identity);
  // Replies and handshakes completing inside [start, end) count towards rates.
  void SetWindow(int64_t start_ns, int64_t end_ns);

  std::vector<Connection>& connections() { return connections_; }
  const std::vector<Connection>& connections() const { return connections_; }
  RunStats& stats() { return stats_; }
  const RunStats& stats() const { return stats_; }
  int64_t outstanding() const;           // echo requests awaiting replies
  int in_progress() const { return in_progress_ + static_cast<int>(open_queue_.size()); }
  int ready() const { return ready_; }

 private:
  static uint64_t Cookie(const Connection& c) { return (uint64_t{c.slot} << 32) | c.generation; }

  void StartQueuedConnects(int64_t now_ns);
  void ExpireHandshakes(int64_t now_ns);
  void HandleEvent(uint64_t cookie, uint32_t events, int64_t now_ns);
  void FinishConnect(Connection& c, int64_t now_ns);
  void ReadFrom(Connection& c, int64_t now_ns);
  // Returns false if the connection was closed while handling the line.
  bool HandleLine(Connection& c, std::string_view line, int64_t now_ns);
  void HandleHandshakeComplete(Connection& c, std::string_view json, int64_t now_ns);
  void HandleReply(Connection& c, std::string_view tail, int64_t now_ns);
  void HandlePing(Connection& c, std::string_view json, int64_t now_ns);
  void HandleError(Connection& c, std::string_view json);
  void QueueFlush(Connection& c);
  void FlushAll();
  void Flush(Connection& c);
  // Ends the socket; `lost` tells the scenario it did not ask for it.
  void Teardown(Connection& c, int64_t now_ns, bool lost);
  Speaker SpeakerOf(const Connection& c) const;
  AuthStamp StampFor(Connection& c);
  bool InWindow(int64_t now_ns) const { return now_ns >= window_start_ && now_ns < window_end_; }

  WorkerSettings settings_;
  Scenario& scenario_;
  EventLoop loop_;
  AuthSigner signer_;
  IsoClock iso_clock_;
  std::vector<Connection> connections_;
  std::deque<uint32_t> open_queue_;
  // Handshake deadlines in connect order (so already sorted): slot, generation, deadline.
  struct PendingHandshake {
    uint32_t slot;
    uint32_t generation;
    int64_t deadline_ns;
  };
  std::deque<PendingHandshake> handshake_deadlines_;
  std::vector<uint32_t> flush_queue_;
  std::vector<char> read_buffer_;
  std::string decoded_;  // base64-decoded reply text, reused
  std::string text_;     // echo request text, reused
  std::string room_;     // room name, reused
  std::string channel_;  // channel id, reused
  int in_progress_ = 0;  // connecting or handshaking
  int ready_ = 0;
  int64_t window_start_ = INT64_MAX;
  int64_t window_end_ = INT64_MAX;
  RunStats stats_;
};

}  // namespace botrelay::bench
