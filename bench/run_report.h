#pragma once
// The outcome of one load run against one server, and how it is printed:
// a human-readable block, or one JSON line for scripts.

#include <cstdint>
#include <optional>
#include <string>

#include "bench/run_stats.h"
#include "bench/stalled_sockets.h"

namespace botrelay::bench {

struct RunReport {
  std::string mode;
  std::string server;       // label: relayd, reference, or the address
  std::string target;       // HOST:PORT
  int connections = 0;
  int threads = 0;
  double window_s = 0;      // the measurement window rates are computed over
  double observed_s = 0;    // the span the CPU figures cover
  RunStats stats;
  std::optional<int64_t> server_rss_baseline_kib;  // before any connection
  std::optional<int64_t> server_rss_start_kib;     // when the measurement started
  std::optional<int64_t> server_rss_end_kib;       // when it ended
  std::optional<double> server_cpu_s;              // over observed_s
  double generator_cpu_s = 0;                      // over observed_s
  std::optional<double> drain_s;                   // drain: SIGTERM -> last connection closed
  std::optional<StalledReport> stalled;            // slowloris
  std::optional<int64_t> time_wait_at_start;       // sockets in TIME_WAIT when the run began

  double throughput() const;       // echo replies per second in the window
  double handshake_rate() const;   // handshakes per second in the window
  std::optional<double> rss_per_connection_bytes() const;
  bool ok() const;                 // no errors, and the mode did what it should
};

void PrintText(const RunReport& report);
// Shared by the reports of every mode.
std::string LatencyJson(const LatencyHistogram& histogram);
std::string LatencyText(const LatencyHistogram& histogram);
std::string JsonString(const std::string& text);
std::string ToJson(const RunReport& report);

}  // namespace botrelay::bench
