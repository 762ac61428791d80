#pragma once
// The slowloris mode's attackers: sockets that connect and never finish a
// handshake, in three kinds (a third each): silent (say nothing), drip (one
// byte of a handshake line per second) and partial (most of a handshake
// line at once, then nothing). They run on their own thread next to the
// open-loop measurement and record when the server closes each one.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "bench/loopback.h"

namespace botrelay::bench {

struct StalledReport {
  int opened = 0;              // sockets connected
  int connect_failures = 0;
  int closed_by_server = 0;    // EOF or reset seen before the end
  int timeout_errors = 0;      // of those, how many got error{handshake_timeout} first
  // Seconds from each socket's connect to the server's close.
  double close_after_min_s = 0;
  double close_after_p50_s = 0;
  double close_after_max_s = 0;
};

class StalledSockets {
 public:
  StalledSockets(const Endpoint& target, int count, int source_addresses);
  ~StalledSockets();  // stops and closes whatever is still open
  StalledSockets(const StalledSockets&) = delete;
  StalledSockets& operator=(const StalledSockets&) = delete;

  // Connects them all, then drips and watches until Stop.
  void Start();
  StalledReport Stop();

 private:
  enum class Kind : uint8_t { kSilent, kDrip, kPartial };
  struct Socket {
    int fd = -1;
    Kind kind = Kind::kSilent;
    int64_t connected_ns = 0;
    int64_t closed_ns = 0;  // 0 = still open
    bool partial_sent = false;
    bool saw_timeout_error = false;
    size_t dripped = 0;
    std::string received;
  };

  void Run();
  void ReadFrom(Socket& s, int64_t now_ns);

  Endpoint target_;
  int count_;
  SourceAddresses sources_;
  std::vector<Socket> sockets_;
  int connect_failures_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace botrelay::bench
