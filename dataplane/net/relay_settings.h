#pragma once
// Every data-plane knob, with its default. relayd/config.cc maps each one to
// a command-line flag and a config-file key; docs/configuration.md lists them.

#include <chrono>
#include <cstdint>
#include <string>

#include "dataplane/admission/admission_settings.h"
#include "dataplane/auth/auth_verifier.h"
#include "dataplane/processing/dispatcher.h"
#include "dataplane/ratelimit/token_bucket.h"

namespace botrelay::net {

using Millis = std::chrono::milliseconds;

struct SocketSettings {
  int receive_buffer_bytes = 0;     // SO_RCVBUF; 0 = kernel default
  int send_buffer_bytes = 0;        // SO_SNDBUF; 0 = kernel default
  int linger_seconds = -1;          // SO_LINGER; -1 = off
  int keepalive_idle_seconds = 30;  // TCP_KEEPIDLE
  int keepalive_interval_seconds = 10;
  int keepalive_probes = 9;
  int user_timeout_ms = 0;          // TCP_USER_TIMEOUT; 0 = kernel default
};

struct RelaySettings {
  std::string listen_address = "127.0.0.1:7700";
  int threads = 0;  // event-loop threads; 0 = one per core
  int listen_backlog = 4096;

  size_t max_connections = 10000;
  size_t max_line_bytes = 1 << 20;     // a device's max_message_size overrides
  size_t max_early_lines = 10;         // chat lines accepted before the handshake
  size_t outbound_limit_bytes = 8 << 20;  // per connection; beyond: slow consumer
  Millis handshake_timeout{10'000};
  Millis idle_timeout{1'800'000};      // 0 = none
  Millis close_grace{2'000};           // wait for the peer's FIN after ours

  Millis ping_interval{30'000};
  double ping_jitter = 0.1;            // +-10% of the interval
  Millis ping_timeout{90'000};
  int rtt_window = 16;                 // samples kept for RTT statistics
  // At most one ping record per device per interval goes to the store
  // (0 = every answered ping). Every pong still feeds the live RTT and
  // monitoring figures; only the SQLite history is thinned, which is most of
  // what a ping costs at 100,000 connections (docs/performance.md).
  Millis ping_record_interval{300'000};

  auth::AuthSettings auth;
  int auth_failure_limit = 5;          // consecutive failures before close
  size_t replay_cache_entries = 1 << 20;  // per thread
  Millis refused_reconnect_throttle{60'000};

  // Chat messages per second (pings and ping replies do not count); far
  // above what a phone relays, so only a runaway or hostile client hits them.
  ratelimit::RateLimit connection_rate_limit{.per_second = 200, .burst = 400};
  // All connections of one bot together.
  ratelimit::RateLimit bot_rate_limit{.per_second = 1000, .burst = 2000};

  processing::DispatcherSettings processing;

  // Per-source-address limits and bans at accept, flap detection at the
  // handshake (dataplane/admission/).
  admission::AdmissionSettings admission;

  Millis drain_deadline{30'000};
  Millis drain_reconnect_spread{60'000};

  SocketSettings socket;
};

}  // namespace botrelay::net
