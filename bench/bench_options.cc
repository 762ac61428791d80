#include "bench/bench_options.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace botrelay::bench {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: relaybench MODE [options]\n"
    "\n"
    "load modes (connect only to 127.0.0.0/8):\n"
    "  echo       closed loop: --connections N x --inflight K '# echo' requests for --duration\n"
    "  open       open loop: --rate R messages/s over --connections N; latency from the schedule\n"
    "  slowloris  open loop while --stalled S sockets never finish a handshake (silent, one\n"
    "             byte a second, or a partial line); reports when the server closes them\n"
    "  idle       hold --connections N handshaken connections for --duration, answering pings\n"
    "  handshake  connect/handshake/close loops on --connections N slots for --duration\n"
    "  churn      reconnect after every --echoes-per-session echoes, for --duration\n"
    "  drain      echo load, SIGTERM to the server after --drain-after, check no reply is lost\n"
    "  soak       hold --connections (2000) with --rate (200/s) echoes, --churn-rate and --bad-rate\n"
    "             for --duration (600 s); reconcile every message with relayd's /metrics\n"
    "             (--drain-timeout defaults to --server-handshake-timeout + 10 s)\n"
    "other modes:\n"
    "  reference-server  the simplest epoll echo server with the same framing\n"
    "  approve-db        pre-approve the benchmark's devices in a relayd store file\n"
    "\n";

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string value = buffer.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

absl::StatusOr<BenchOptions> ParseBenchOptions(int argc, char** argv) {
  BenchOptions o;
  std::string secret_key_file, salt_file;
  po::options_description options("options");
  auto add = options.add_options();
  add("help,h", "print this help");
  add("target", po::value(&o.target), "server bot address HOST:PORT (127.0.0.0/8 only)");
  add("ready-file", po::value(&o.ready_file),
      "read the target (\"bot\") and server pid (\"pid\") from this ready file; "
      "reference-server: write it");
  add("server-pid", po::value(&o.server_pid), "server pid for RSS/CPU (overrides the ready file)");
  add("label", po::value(&o.label)->default_value(o.label), "the server's name in reports");
  add("connections", po::value(&o.connections)->default_value(o.connections), "connections");
  add("inflight", po::value(&o.inflight)->default_value(o.inflight),
      "echo/churn/drain: requests in flight per connection");
  add("duration", po::value(&o.duration_s)->default_value(o.duration_s), "seconds of measurement");
  add("rate", po::value(&o.rate)->default_value(o.rate), "open: total messages per second");
  add("stalled", po::value(&o.stalled)->default_value(o.stalled),
      "slowloris: stalled sockets, a third of each kind");
  add("echoes-per-session", po::value(&o.echoes_per_session)->default_value(o.echoes_per_session),
      "churn: echoes per connection before it reconnects");
  add("drain-after", po::value(&o.drain_after_s)->default_value(o.drain_after_s),
      "drain: seconds of load before SIGTERM is sent to the server pid");
  add("payload-bytes", po::value(&o.payload_bytes)->default_value(o.payload_bytes),
      "filler bytes added to every echo text");
  add("rooms", po::value(&o.rooms)->default_value(o.rooms), "chat rooms per connection");
  add("bots", po::value(&o.bots)->default_value(o.bots),
      "bot names; connection i is bot i%bots, device i/bots (see approve-db)");
  add("secret-key", po::value(&o.secret_key), "HMAC key (relayd's auth-secret-key)");
  add("secret-key-file", po::value(&secret_key_file), "file holding the HMAC key");
  add("salt", po::value(&o.salt), "signing salt (relayd's auth-salt)");
  add("salt-file", po::value(&salt_file), "file holding the salt");
  add("threads", po::value(&o.threads)->default_value(o.threads),
      "generator threads (each its own epoll loop); reference-server: 0 = one per core");
  add("source-addresses", po::value(&o.source_addresses)->default_value(o.source_addresses),
      "client sockets bind to 127.0.0.2 ... 127.0.0.(1+N) and beyond, round robin");
  add("connect-concurrency", po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
      "connects + handshakes in progress at once");
  add("setup-timeout", po::value(&o.setup_timeout_s)->default_value(o.setup_timeout_s),
      "seconds allowed to handshake every connection before the measurement");
  add("drain-timeout", po::value(&o.drain_timeout_s)->default_value(o.drain_timeout_s),
      "seconds to wait for outstanding replies after the measurement");
  add("handshake-timeout", po::value(&o.handshake_timeout_s)->default_value(o.handshake_timeout_s),
      "seconds from connect() to handshakeComplete");
  add("settle-time-wait", po::value(&o.settle_time_wait_s)->default_value(o.settle_time_wait_s),
      "before each run (the reference's and the target's), wait at most this many seconds until "
      "no more than 1,000 sockets are in TIME_WAIT (back-to-back handshake runs slow each other)");
  add("json", po::bool_switch(&o.json), "print one JSON line instead of text");
  add("compare-reference", po::bool_switch(&o.compare_reference),
      "also run the same load against a reference server started for the purpose, report the ratio");
  add("reference-threads", po::value(&o.reference_threads)->default_value(o.reference_threads),
      "threads of that reference server; 0 = one per core");
  add("listen", po::value(&o.listen)->default_value(o.listen), "reference-server: address");
  add("ping-interval", po::value(&o.ping_interval_s)->default_value(o.ping_interval_s),
      "reference-server: ping every handshaken connection this often (0: never); with "
      "--compare-reference, the reference server's (give it relayd's ping-interval)");
  add("max-lifetime", po::value(&o.max_lifetime_s)->default_value(o.max_lifetime_s),
      "reference-server: exit after this many seconds even without a signal");
  add("churn-rate", po::value(&o.churn_rate)->default_value(o.churn_rate),
      "soak: connections reset, closed cleanly or taken over per second (in turn)");
  add("bad-rate", po::value(&o.bad_rate)->default_value(o.bad_rate),
      "soak: bad inputs per second, the seven kinds in turn");
  add("answer-deadline", po::value(&o.answer_deadline_s)->default_value(o.answer_deadline_s),
      "soak: seconds within which every echo must be answered");
  add("progress-interval", po::value(&o.progress_interval_s)->default_value(o.progress_interval_s),
      "soak: seconds between progress lines on stderr");
  add("server-handshake-timeout",
      po::value(&o.server_handshake_timeout_s)->default_value(o.server_handshake_timeout_s),
      "soak: relayd's handshake-timeout (half-open probes wait for it)");
  add("max-line-bytes", po::value(&o.max_line_bytes)->default_value(o.max_line_bytes),
      "soak: relayd's max-line-bytes (oversize probes send one byte more)");
  add("metrics", po::value(&o.metrics), "soak: relayd's metrics HOST:PORT (default: from the ready file)");
  add("relayd", po::value(&o.relayd),
      "soak: start this relayd binary (fresh approved store, loopback ports) instead of a target");
  add("relayd-arg", po::value(&o.relayd_args)->composing(), "soak: extra flag for that relayd (repeatable)");
  add("relayd-log", po::value(&o.relayd_log), "soak: append that relayd's output here (default: discard)");
  add("db", po::value(&o.db), "approve-db: relayd store file (created if missing)");
  add("devices-per-bot", po::value(&o.devices_per_bot)->default_value(o.devices_per_bot),
      "approve-db: devices per bot");

  po::options_description hidden;
  hidden.add_options()("mode", po::value(&o.mode));
  po::positional_options_description positional;
  positional.add("mode", 1);
  po::options_description all;
  all.add(options).add(hidden);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return absl::InvalidArgumentError(e.what());
  }
  if (vm.count("help") || o.mode.empty()) {
    std::ostringstream usage;
    usage << kUsage << options;
    return absl::CancelledError(usage.str());
  }
  if (o.mode == "soak") {
    if (vm["connections"].defaulted()) o.connections = 2000;
    if (vm["rate"].defaulted()) o.rate = 200;
    if (vm["duration"].defaulted()) o.duration_s = 600;
    if (vm["drain-timeout"].defaulted()) o.drain_timeout_s = o.server_handshake_timeout_s + 10;
  }
  if (!secret_key_file.empty()) {
    absl::StatusOr<std::string> key = ReadSecretFile(secret_key_file);
    if (!key.ok()) return key.status();
    o.secret_key = *key;
  }
  if (!salt_file.empty()) {
    absl::StatusOr<std::string> salt = ReadSecretFile(salt_file);
    if (!salt.ok()) return salt.status();
    o.salt = *salt;
  }
  if (o.connections < 1 || o.inflight < 1 || o.threads < 0 || o.bots < 1 || o.rooms < 1 ||
      o.duration_s <= 0 || o.payload_bytes < 0 || o.echoes_per_session < 1 ||
      o.source_addresses < 1 || o.connect_concurrency < 1 || o.rate < 0 || o.churn_rate < 0 ||
      o.bad_rate < 0 || o.answer_deadline_s <= 0 || o.progress_interval_s <= 0 ||
      o.server_handshake_timeout_s <= 0 || o.max_line_bytes < 1 || o.ping_interval_s < 0 ||
      o.settle_time_wait_s < 0) {
    return absl::InvalidArgumentError("counts and durations must be positive");
  }
  return o;
}

}  // namespace botrelay::bench
