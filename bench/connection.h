#pragma once
// One benchmark connection, playing one phone. Plain data owned by a Worker;
// the worker drives its socket, scenarios decide when it opens, sends and
// closes.

#include <cstdint>
#include <string>

#include "bench/auth_signer.h"
#include "bench/identity.h"
#include "bench/request_window.h"

namespace botrelay::bench {

enum class ConnectionState : uint8_t {
  kDisconnected,  // no socket: not opened yet, queued for a connect, or closed
  kConnecting,    // non-blocking connect in progress
  kHandshaking,   // handshake written, waiting for handshakeComplete
  kReady,         // handshaken (approved, or pending where accept_pending); pings flow
};

struct Connection {
  int index = 0;             // run-wide number: picks the identity, names echo tokens
  uint32_t slot = 0;         // position in its worker
  uint32_t generation = 0;   // bumped at every close, so stale epoll events are ignored
  Identity identity;
  std::string local_ip;      // the 127.x.y.z it binds; the script reports and signs it
  int fd = -1;
  ConnectionState state = ConnectionState::kDisconnected;
  bool open_queued = false;
  bool flush_queued = false;
  bool watching_writable = false;
  bool shutdown_notice = false;          // serverShutdown seen on this socket
  // Set by a scenario that provokes bad outcomes on purpose (soak); all false
  // for the load modes. `send_handshake` and `accept_pending` describe the
  // slot's role and stay until the scenario changes them; the others last
  // for one socket.
  bool send_handshake = true;   // false: connect only, the scenario writes the first line (or none)
  bool accept_pending = false;  // handshakeComplete{approved:false} is expected, not an error
  bool approved = false;        // the last handshakeComplete said approved:true
  bool expect_close = false;    // the server closing the socket (or a socket error) is expected
  bool half_closing = false;    // FIN after the queued bytes; nothing more is written
  int64_t opened_ns = 0;                 // connect() started
  int64_t session_sent = 0;              // echoes sent on this socket
  int64_t session_answered = 0;          // echoes answered on this socket
  int64_t shutting_down_refusals = 0;    // error{shutting_down} on this socket
  std::string partial;                   // an incomplete inbound line
  std::string out;                       // bytes not yet written
  size_t out_offset = 0;
  RequestWindow requests;
  CachedSignature signature;
};

}  // namespace botrelay::bench
