#include "relayd/relayd_config.h"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace botrelay::relayd {

namespace po = boost::program_options;

namespace {

std::chrono::milliseconds Seconds(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000.0));
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, const char* key) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(key, ": cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  // Files written by editors end in a newline that is not part of the secret.
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

absl::StatusOr<RelaydConfig> LoadConfig(int argc, char** argv) {
  RelaydConfig c;
  net::RelaySettings& r = c.relay;
  // Durations are seconds (decimals allowed) on the command line and in files.
  double handshake_timeout = 10, idle_timeout = 1800, close_grace = 2, ping_interval = 30,
         ping_timeout = 90, auth_max_skew = 300, refused_throttle = 60, processing_deadline = 300,
         drain_deadline = 30, drain_spread = 60, store_flush = 0.2, ban_window = 60,
         ban_duration = 600, flap_window = 60, flap_cooldown = 300, ping_record_interval = 300;
  std::string admission_allowlist;
  admission::SourceLimitSettings& sources = r.admission.sources;
  admission::FlapSettings& flapping = r.admission.flapping;
  std::string auth_mode = "enforce", unknown_devices = "register";
  std::string secret_key, secret_key_file, salt, salt_file, admin_token_file, config_file;
  size_t queue_capacity = r.processing.capacity;
  // Message bursts are whole messages: "2.5" stays a configuration error.
  uint32_t connection_burst = static_cast<uint32_t>(r.connection_rate_limit.burst),
           bot_burst = static_cast<uint32_t>(r.bot_rate_limit.burst);
  upstream::UpstreamSettings& u = c.upstream;
  double upstream_timeout = 5, breaker_window = 10, breaker_open = 5;

  po::options_description options("relayd options (each is also a config-file key)");
  auto add = options.add_options();
  add("help,h", "print this help and exit");
  add("config", po::value(&config_file), "config file of `key = value` lines");
  add("listen", po::value(&r.listen_address)->default_value(r.listen_address), "bot TCP address");
  add("admin-listen", po::value(&c.admin_address)->default_value(c.admin_address),
      "gRPC admin address (loopback unless admin-token is set)");
  add("metrics-listen", po::value(&c.metrics_address)->default_value(c.metrics_address),
      "Prometheus /metrics and /healthz HTTP address");
  add("admin-token", po::value(&c.admin_token), "bearer token for admin RPCs (env BOTRELAY_ADMIN_TOKEN)");
  add("admin-token-file", po::value(&admin_token_file), "file holding the admin token");
  add("ready-file", po::value(&c.ready_file), "write the bound addresses as JSON here once listening");
  add("log-level", po::value(&c.log_level)->default_value(c.log_level), "debug, info, warn or error");
  add("threads", po::value(&r.threads)->default_value(r.threads), "event-loop threads; 0 = one per core");
  add("listen-backlog", po::value(&r.listen_backlog)->default_value(r.listen_backlog), "listen(2) backlog");
  add("max-connections", po::value(&r.max_connections)->default_value(r.max_connections),
      "bot connections; beyond it new ones get server_busy");
  add("max-line-bytes", po::value(&r.max_line_bytes)->default_value(r.max_line_bytes),
      "longest accepted line; a device's max_message_size overrides");
  add("max-early-lines", po::value(&r.max_early_lines)->default_value(r.max_early_lines),
      "chat lines accepted before the handshake");
  add("outbound-limit-bytes",
      po::value(&r.outbound_limit_bytes)->default_value(r.outbound_limit_bytes),
      "unsent bytes per connection before it is closed as a slow consumer");
  add("handshake-timeout", po::value(&handshake_timeout)->default_value(handshake_timeout), "seconds");
  add("idle-timeout", po::value(&idle_timeout)->default_value(idle_timeout), "seconds; 0 = none");
  add("close-grace", po::value(&close_grace)->default_value(close_grace),
      "seconds to wait for the peer's FIN after ours");
  add("ping-interval", po::value(&ping_interval)->default_value(ping_interval), "seconds");
  add("ping-jitter", po::value(&r.ping_jitter)->default_value(r.ping_jitter), "fraction of the interval");
  add("ping-timeout", po::value(&ping_timeout)->default_value(ping_timeout),
      "seconds without a ping reply before closing");
  add("auth-secret-key", po::value(&secret_key), "HMAC secret shared with the bridge scripts");
  add("auth-secret-key-file", po::value(&secret_key_file), "file holding auth-secret-key");
  add("auth-salt", po::value(&salt), "BOT_SPECIFIC_SALT shared with the bridge scripts");
  add("auth-salt-file", po::value(&salt_file), "file holding auth-salt");
  add("auth-mode", po::value(&auth_mode)->default_value(auth_mode), "enforce or log");
  add("auth-max-skew", po::value(&auth_max_skew)->default_value(auth_max_skew), "seconds of clock skew");
  add("auth-failure-limit", po::value(&r.auth_failure_limit)->default_value(r.auth_failure_limit),
      "consecutive auth failures before closing");
  add("replay-cache-entries",
      po::value(&r.replay_cache_entries)->default_value(r.replay_cache_entries),
      "remembered frames per event-loop thread");
  add("refused-reconnect-throttle", po::value(&refused_throttle)->default_value(refused_throttle),
      "seconds a refused device is answered without a registry lookup");
  add("connection-rate-limit",
      po::value(&r.connection_rate_limit.per_second)
          ->default_value(r.connection_rate_limit.per_second),
      "chat messages per second per connection; 0 = no limit");
  add("connection-rate-burst",
      po::value(&connection_burst)->default_value(connection_burst),
      "chat messages a connection may send at once");
  add("bot-rate-limit",
      po::value(&r.bot_rate_limit.per_second)->default_value(r.bot_rate_limit.per_second),
      "chat messages per second per bot, all its connections together; 0 = no limit");
  add("bot-rate-burst", po::value(&bot_burst)->default_value(bot_burst),
      "chat messages a bot may send at once");
  add("queue-capacity", po::value(&queue_capacity)->default_value(queue_capacity),
      "chat messages accepted and not yet answered");
  add("bot-concurrency",
      po::value(&r.processing.bot_concurrency)->default_value(r.processing.bot_concurrency),
      "messages of one bot processed at once");
  add("room-concurrency",
      po::value(&r.processing.room_concurrency)->default_value(r.processing.room_concurrency),
      "messages of one room processed at once");
  add("processing-deadline", po::value(&processing_deadline)->default_value(processing_deadline),
      "seconds a message may take");
  add("upstream-url", po::value(&u.url),
      "http://host[:port][/path] of the bot backend; unset = no upstream (http only)");
  add("upstream-command-prefix", po::value(&u.command_prefix),
      "forward only texts starting with this; unset = every message no built-in command took");
  add("upstream-timeout", po::value(&upstream_timeout)->default_value(upstream_timeout),
      "seconds for one backend request (connect, send, answer)");
  add("upstream-max-in-flight", po::value(&u.max_in_flight)->default_value(u.max_in_flight),
      "backend requests pending per event-loop thread; beyond: upstream_unavailable at once");
  add("upstream-pool-size", po::value(&u.pool_size)->default_value(u.pool_size),
      "idle keep-alive backend connections kept per event-loop thread");
  add("upstream-max-response-bytes",
      po::value(&u.max_response_bytes)->default_value(u.max_response_bytes),
      "largest backend reply body accepted");
  add("upstream-breaker-failures",
      po::value(&u.breaker.consecutive_failures)->default_value(u.breaker.consecutive_failures),
      "consecutive backend failures that open the circuit breaker; 0 = rule off");
  add("upstream-breaker-failure-ratio",
      po::value(&u.breaker.failure_ratio)->default_value(u.breaker.failure_ratio),
      "failed share of recent requests that opens the breaker; 0 = rule off");
  add("upstream-breaker-min-requests",
      po::value(&u.breaker.ratio_min_requests)->default_value(u.breaker.ratio_min_requests),
      "requests in the window before the ratio rule applies");
  add("upstream-breaker-window", po::value(&breaker_window)->default_value(breaker_window),
      "seconds of history for the failure ratio");
  add("upstream-breaker-open-time", po::value(&breaker_open)->default_value(breaker_open),
      "seconds the breaker stays open before trial requests");
  add("upstream-breaker-half-open-trials",
      po::value(&u.breaker.half_open_trials)->default_value(u.breaker.half_open_trials),
      "trial requests let through when half-open; all must succeed to close");
  add("drain-deadline", po::value(&drain_deadline)->default_value(drain_deadline), "seconds");
  add("drain-reconnect-spread", po::value(&drain_spread)->default_value(drain_spread),
      "seconds over which drained bots are told to come back");
  add("connect-rate-burst",
      po::value(&sources.connect_rate.burst)->default_value(sources.connect_rate.burst),
      "new connections one source address may open at once; 0 = no rate limit");
  add("connect-rate-per-second",
      po::value(&sources.connect_rate.per_second)
          ->default_value(sources.connect_rate.per_second),
      "sustained new connections per second per source address");
  add("max-connections-per-address",
      po::value(&sources.max_connections_per_source)
          ->default_value(sources.max_connections_per_source),
      "open connections per source address; 0 = no cap");
  add("ban-refusal-limit",
      po::value(&sources.ban_refusal_limit)->default_value(sources.ban_refusal_limit),
      "refused connections within ban-window that ban the address; 0 = never");
  add("ban-failure-limit",
      po::value(&sources.ban_failure_limit)->default_value(sources.ban_failure_limit),
      "handshake/auth failures within ban-window that ban the address; 0 = never");
  add("ban-window", po::value(&ban_window)->default_value(ban_window), "seconds");
  add("ban-duration", po::value(&ban_duration)->default_value(ban_duration),
      "seconds an automatic ban lasts");
  add("max-tracked-addresses",
      po::value(&sources.max_tracked_sources)->default_value(sources.max_tracked_sources),
      "source addresses remembered at once (bounds memory)");
  add("admission-allowlist", po::value(&admission_allowlist),
      "CIDR ranges exempt from per-address limits and bans, comma-separated");
  add("flap-handshake-limit",
      po::value(&flapping.handshake_limit)->default_value(flapping.handshake_limit),
      "handshakes of one device within flap-window before a cool-down; 0 = off");
  add("flap-window", po::value(&flap_window)->default_value(flap_window), "seconds");
  add("flap-cooldown", po::value(&flap_cooldown)->default_value(flap_cooldown),
      "seconds a flapping device's handshakes are refused");
  add("max-tracked-devices",
      po::value(&flapping.max_tracked_devices)->default_value(flapping.max_tracked_devices),
      "devices the flap detector remembers at once (bounds memory)");
  add("socket-rcvbuf", po::value(&r.socket.receive_buffer_bytes)->default_value(0), "SO_RCVBUF; 0 = kernel");
  add("socket-sndbuf", po::value(&r.socket.send_buffer_bytes)->default_value(0), "SO_SNDBUF; 0 = kernel");
  add("socket-linger", po::value(&r.socket.linger_seconds)->default_value(-1), "SO_LINGER seconds; -1 = off");
  add("keepalive-idle", po::value(&r.socket.keepalive_idle_seconds)->default_value(30), "TCP_KEEPIDLE s");
  add("keepalive-interval", po::value(&r.socket.keepalive_interval_seconds)->default_value(10), "TCP_KEEPINTVL s");
  add("keepalive-probes", po::value(&r.socket.keepalive_probes)->default_value(9), "TCP_KEEPCNT");
  add("tcp-user-timeout", po::value(&r.socket.user_timeout_ms)->default_value(0), "TCP_USER_TIMEOUT ms; 0 = kernel");
  add("store-path", po::value(&c.store.path)->default_value("relayd.sqlite3"), "SQLite device registry");
  add("unknown-devices", po::value(&unknown_devices)->default_value(unknown_devices), "register or refuse");
  add("ping-retention", po::value(&c.store.ping_retention_per_device)->default_value(1000),
      "ping records kept per device");
  add("ping-record-interval", po::value(&ping_record_interval)->default_value(ping_record_interval),
      "seconds between a device's ping records in the store; 0 = every ping");
  add("history-retention", po::value(&c.store.history_retention_per_device)->default_value(500),
      "history entries kept per device");
  add("store-flush-interval", po::value(&store_flush)->default_value(store_flush),
      "seconds between batched store writes");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("config")) {
      std::ifstream file(vm["config"].as<std::string>());
      if (!file) {
        return absl::InvalidArgumentError("cannot read config file " +
                                          vm["config"].as<std::string>());
      }
      po::store(po::parse_config_file(file, options), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(e.what());
  }
  if (vm.count("help")) {
    std::ostringstream usage;
    usage << options;
    return absl::CancelledError(usage.str());
  }

  r.handshake_timeout = Seconds(handshake_timeout);
  r.idle_timeout = Seconds(idle_timeout);
  r.close_grace = Seconds(close_grace);
  r.ping_interval = Seconds(ping_interval);
  r.ping_timeout = Seconds(ping_timeout);
  r.ping_record_interval = Seconds(ping_record_interval);
  r.refused_reconnect_throttle = Seconds(refused_throttle);
  r.connection_rate_limit.burst = connection_burst;
  r.bot_rate_limit.burst = bot_burst;
  r.processing.deadline = Seconds(processing_deadline);
  r.processing.capacity = queue_capacity;
  r.drain_deadline = Seconds(drain_deadline);
  r.drain_reconnect_spread = Seconds(drain_spread);
  r.auth.max_clock_skew_ms = static_cast<int64_t>(auth_max_skew * 1000);
  c.store.flush_interval_ms = static_cast<int>(store_flush * 1000);
  u.request_timeout = Seconds(upstream_timeout);
  u.breaker.ratio_window = Seconds(breaker_window);
  u.breaker.open_duration = Seconds(breaker_open);
  sources.ban_window_ms = Seconds(ban_window).count();
  sources.ban_duration_ms = Seconds(ban_duration).count();
  flapping.window_ms = Seconds(flap_window).count();
  flapping.cooldown_ms = Seconds(flap_cooldown).count();
  absl::StatusOr<admission::CidrSet> allowlist = admission::CidrSet::Parse(admission_allowlist);
  if (!allowlist.ok()) {
    return absl::InvalidArgumentError("admission-allowlist: " +
                                      std::string(allowlist.status().message()));
  }
  sources.allowlist = *std::move(allowlist);
  if (sources.connect_rate.burst < 0 || sources.connect_rate.per_second <= 0 ||
      sources.ban_window_ms <= 0 || sources.ban_duration_ms <= 0 ||
      sources.max_tracked_sources == 0 || flapping.window_ms <= 0 || flapping.cooldown_ms <= 0 ||
      flapping.max_tracked_devices == 0) {
    return absl::InvalidArgumentError(
        "admission knobs must be positive (connect-rate-per-second, ban-window, ban-duration, "
        "max-tracked-addresses, flap-window, flap-cooldown, max-tracked-devices) and "
        "connect-rate-burst not negative");
  }

  if (auth_mode == "enforce") r.auth.mode = auth::AuthMode::kEnforce;
  else if (auth_mode == "log") r.auth.mode = auth::AuthMode::kLog;
  else return absl::InvalidArgumentError("auth-mode must be enforce or log");
  if (unknown_devices == "register") c.store.unknown_devices = store::UnknownDevicePolicy::kRegisterPending;
  else if (unknown_devices == "refuse") c.store.unknown_devices = store::UnknownDevicePolicy::kRefuse;
  else return absl::InvalidArgumentError("unknown-devices must be register or refuse");

  if (!secret_key_file.empty()) {
    auto v = ReadSecretFile(secret_key_file, "auth-secret-key-file");
    if (!v.ok()) return v.status();
    secret_key = *v;
  }
  if (!salt_file.empty()) {
    auto v = ReadSecretFile(salt_file, "auth-salt-file");
    if (!v.ok()) return v.status();
    salt = *v;
  }
  if (secret_key.empty() || salt.empty()) {
    return absl::InvalidArgumentError(
        "auth-secret-key and auth-salt are required (the values in the phones' bridge scripts); "
        "give them as flags, config keys or *-file paths");
  }
  r.auth.secret_key = secret_key;
  r.auth.salt = salt;

  if (c.admin_token.empty()) {
    if (!admin_token_file.empty()) {
      auto v = ReadSecretFile(admin_token_file, "admin-token-file");
      if (!v.ok()) return v.status();
      c.admin_token = *v;
    } else if (const char* env = std::getenv("BOTRELAY_ADMIN_TOKEN")) {
      c.admin_token = env;
    }
  }
  if (r.max_connections == 0 || r.max_line_bytes < 1024 || r.processing.capacity == 0 ||
      r.processing.bot_concurrency < 1 || r.processing.room_concurrency < 1 ||
      r.ping_interval.count() <= 0 || r.ping_timeout.count() <= 0 ||
      r.handshake_timeout.count() <= 0 || r.ping_jitter < 0 || r.ping_jitter >= 1 ||
      r.ping_record_interval.count() < 0) {
    return absl::InvalidArgumentError(
        "limits must be positive (max-connections, max-line-bytes >= 1024, queue-capacity, "
        "concurrency, ping and handshake timings), ping-jitter in [0, 1) and "
        "ping-record-interval not negative");
  }
  // Linux's ranges; the listener would refuse anything else at start-up.
  const net::SocketSettings& sock = r.socket;
  if (sock.keepalive_idle_seconds < 1 || sock.keepalive_idle_seconds > 32767 ||
      sock.keepalive_interval_seconds < 1 || sock.keepalive_interval_seconds > 32767 ||
      sock.keepalive_probes < 1 || sock.keepalive_probes > 127 || sock.receive_buffer_bytes < 0 ||
      sock.send_buffer_bytes < 0 || sock.user_timeout_ms < 0 || sock.linger_seconds < -1) {
    return absl::InvalidArgumentError(
        "socket knobs out of range: keepalive-idle and keepalive-interval 1..32767 s, "
        "keepalive-probes 1..127, socket-rcvbuf, socket-sndbuf and tcp-user-timeout >= 0, "
        "socket-linger >= -1");
  }
  if (!u.url.empty()) {
    if (auto url = upstream::ParseUpstreamUrl(u.url); !url.ok()) return url.status();
  }
  if (u.request_timeout.count() <= 0 || u.max_in_flight < 1 || u.pool_size < 0 ||
      u.max_response_bytes < 1024 || u.breaker.consecutive_failures < 0 ||
      u.breaker.failure_ratio < 0 || u.breaker.failure_ratio > 1 ||
      u.breaker.ratio_min_requests < 1 || u.breaker.ratio_window.count() <= 0 ||
      u.breaker.open_duration.count() <= 0 || u.breaker.half_open_trials < 1) {
    return absl::InvalidArgumentError(
        "upstream knobs: timeout, window and open-time must be positive, max-in-flight and "
        "half-open-trials >= 1, pool-size and breaker-failures >= 0, max-response-bytes >= 1024, "
        "breaker-failure-ratio in [0, 1], breaker-min-requests >= 1");
  }
  for (const ratelimit::RateLimit* limit : {&r.connection_rate_limit, &r.bot_rate_limit}) {
    if (limit->per_second < 0 || (limit->enabled() && limit->burst < 1)) {
      return absl::InvalidArgumentError(
          "rate limits must be >= 0 (0 = off) and their bursts >= 1 "
          "(connection-rate-limit/-burst, bot-rate-limit/-burst)");
    }
  }
  return c;
}

}  // namespace botrelay::relayd
