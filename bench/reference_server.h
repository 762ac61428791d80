#pragma once
// The simplest server that speaks the same framing as relayd, to measure
// what the machine and the generator can do without relayd's work: epoll,
// non-blocking sockets, one write per socket per loop iteration. It answers
// a handshake with handshakeComplete{approved:true} and a `# echo` message
// with a messageResponse whose base64 tail is "에코: <text>". With a ping
// interval it also pings every handshaken connection as relayd does (the
// same frame), so that an idle run measures the machine's floor for pinging;
// pongs are read and dropped. No auth check, no registry, no JSON parsing
// beyond finding a few fields.
// Each thread has its own SO_REUSEPORT listener and epoll loop.

#include <string>

namespace botrelay::bench {

struct ReferenceServerOptions {
  std::string listen = "127.0.0.1:0";
  std::string ready_file;
  int threads = 0;               // 0: one per core
  double max_lifetime_s = 3600;  // exits after this even without a signal
  double ping_interval_s = 0;    // 0: no pings
};

// Runs until SIGTERM/SIGINT or the lifetime ends; returns the exit code.
int RunReferenceServer(const ReferenceServerOptions& options);

}  // namespace botrelay::bench
