#pragma once
// A load pattern (echo, open loop, idle, handshake storm, churn, drain): it
// decides when connections open, send and close. The Worker calls it from
// its event loop; every hook runs on the worker's thread.

#include <cstdint>
#include <string_view>

namespace botrelay::bench {

class Worker;
struct Connection;

class Scenario {
 public:
  virtual ~Scenario() = default;

  virtual void Start(Worker& worker, int64_t now_ns) = 0;
  // The TCP connect finished; the handshake is queued unless the connection
  // was opened with send_handshake = false.
  virtual void OnConnected(Worker& worker, Connection& connection, int64_t now_ns) {}
  // handshakeComplete{approved:true} arrived.
  virtual void OnReady(Worker& worker, Connection& connection, int64_t now_ns) {}
  // An echo request of this connection was answered.
  virtual void OnEchoAnswered(Worker& worker, Connection& connection, int64_t now_ns) {}
  // The connection ended without the scenario asking: connect failure,
  // handshake refused or timed out, server close, socket error.
  virtual void OnLost(Worker& worker, Connection& connection, int64_t now_ns) {}
  // A scenario that keeps its own request accounting (soak) takes the
  // decoded text of every messageResponse and returns true; otherwise the
  // worker matches it against the connection's echo requests.
  virtual bool TakeReply(Worker& worker, Connection& connection, std::string_view text,
                         int64_t now_ns) {
    return false;
  }
  // Likewise for error events: true when the scenario accounts for the code.
  virtual bool TakeServerError(Worker& worker, Connection& connection, std::string_view code,
                               int64_t now_ns) {
    return false;
  }
  // Called once per loop iteration; returns the monotonic time at which it
  // wants to be called again at the latest.
  virtual int64_t Tick(Worker& worker, int64_t now_ns) = 0;
  virtual bool Finished(const Worker& worker, int64_t now_ns) const = 0;
};

}  // namespace botrelay::bench
