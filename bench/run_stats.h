#pragma once
// What one load worker observed. Workers (one per thread) fill their own and
// the runner merges them at the end, so recording needs no synchronisation.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bench/latency_histogram.h"

namespace botrelay::bench {

struct RunStats {
  int64_t connects_started = 0;
  int64_t handshakes = 0;                  // handshakeComplete{approved:true}
  int64_t handshakes_in_window = 0;
  LatencyHistogram handshake_latency;      // connect() start -> handshakeComplete
  int64_t requests_sent = 0;
  int64_t replies = 0;                     // matched echo replies
  int64_t replies_in_window = 0;
  LatencyHistogram reply_latency;          // intended send time -> reply read
  LatencyHistogram send_lag;               // intended send time -> actually queued (open loop)
  int64_t pings_answered = 0;
  int64_t shutdown_notices = 0;            // serverShutdown frames
  int64_t shutting_down_refusals = 0;      // error{shutting_down} during an expected drain
  int64_t sessions_completed = 0;          // churn: connections that did all their echoes
  int64_t connections_held = 0;            // idle: handshaken connections at the window's end
  // Everything that went wrong, by kind ("missing_reply", "server_error:auth_failed", ...).
  // Allocation happens only here, on the error path.
  std::map<std::string, int64_t> errors;

  void AddError(std::string_view kind, int64_t count = 1);
  int64_t error_count() const;
  void Merge(const RunStats& other);
};

}  // namespace botrelay::bench
