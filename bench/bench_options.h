#pragma once
// relaybench's command line, parsed once in main() and handed to the modes.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace botrelay::bench {

struct BenchOptions {
  std::string mode;  // echo, open, slowloris, idle, handshake, churn, drain, soak, reference-server, approve-db

  // Where the server is: --target HOST:PORT, or --ready-file (relayd's or the
  // reference server's), which also names the pid for RSS/CPU.
  std::string target;
  std::string ready_file;
  int server_pid = 0;
  std::string label = "target";  // names the server in reports

  // Load shape.
  int connections = 10;
  int inflight = 1;
  double duration_s = 5;
  double rate = 1000;             // open: messages per second, all connections together
  int stalled = 999;              // slowloris: sockets that never finish a handshake
  int echoes_per_session = 10;    // churn
  double drain_after_s = 2;       // drain: SIGTERM to the server this long after the start
  int payload_bytes = 0;
  int rooms = 4;

  // Identities and signing.
  int bots = 16;
  std::string secret_key;
  std::string salt;

  // Generator.
  int threads = 1;
  int source_addresses = 64;
  int connect_concurrency = 256;
  double setup_timeout_s = 60;
  double drain_timeout_s = 5;
  double handshake_timeout_s = 10;
  double settle_time_wait_s = 0;  // wait this long at most for earlier runs' TIME_WAIT sockets

  // soak (docs/reliability.md). Its defaults for --connections, --rate,
  // --duration and --drain-timeout differ from the load modes' (see the usage text).
  double churn_rate = 2;              // connections reset, closed or taken over per second
  double bad_rate = 1;                // bad inputs per second
  double answer_deadline_s = 30;      // an echo answered later counts as lost
  double progress_interval_s = 10;
  double server_handshake_timeout_s = 10;  // relayd's handshake-timeout
  int max_line_bytes = 1048576;            // relayd's max-line-bytes
  std::string metrics;                // relayd's metrics HOST:PORT (else from the ready file)
  std::string relayd;                 // start this relayd binary instead of targeting one
  std::vector<std::string> relayd_args;  // extra flags for it
  std::string relayd_log;             // its output; discarded if empty

  // Output.
  bool json = false;

  // Compare against the reference server in the same invocation.
  bool compare_reference = false;
  int reference_threads = 0;  // 0: one per core

  // reference-server.
  std::string listen = "127.0.0.1:0";
  double max_lifetime_s = 3600;
  double ping_interval_s = 30;  // also the compared reference server's: relayd's ping-interval

  // approve-db.
  std::string db;
  int devices_per_bot = 0;
};

// Parses argv; a Cancelled status carries the usage text (for --help).
absl::StatusOr<BenchOptions> ParseBenchOptions(int argc, char** argv);

}  // namespace botrelay::bench
