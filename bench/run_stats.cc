#include "bench/run_stats.h"

namespace botrelay::bench {

void RunStats::AddError(std::string_view kind, int64_t count) {
  if (count > 0) errors[std::string(kind)] += count;
}

int64_t RunStats::error_count() const {
  int64_t total = 0;
  for (const auto& [kind, count] : errors) total += count;
  return total;
}

void RunStats::Merge(const RunStats& other) {
  connects_started += other.connects_started;
  handshakes += other.handshakes;
  handshakes_in_window += other.handshakes_in_window;
  handshake_latency.Merge(other.handshake_latency);
  requests_sent += other.requests_sent;
  replies += other.replies;
  replies_in_window += other.replies_in_window;
  reply_latency.Merge(other.reply_latency);
  send_lag.Merge(other.send_lag);
  pings_answered += other.pings_answered;
  shutdown_notices += other.shutdown_notices;
  shutting_down_refusals += other.shutting_down_refusals;
  sessions_completed += other.sessions_completed;
  connections_held += other.connections_held;
  for (const auto& [kind, count] : other.errors) errors[kind] += count;
}

}  // namespace botrelay::bench
