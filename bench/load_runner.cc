#include "bench/load_runner.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/clock.h"
#include "bench/process_stats.h"
#include "bench/scenarios.h"
#include "bench/time_wait.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

int64_t Ns(double seconds) { return static_cast<int64_t>(seconds * 1e9); }

using ScenarioFactory = std::unique_ptr<Scenario> (*)(const ScenarioSettings&, RunClock&);

ScenarioFactory FactoryFor(const std::string& mode) {
  if (mode == "echo") return MakeEchoScenario;
  if (mode == "open") return MakeOpenLoopScenario;
  // The same measurement, with stalled sockets held next to it (RunLoad).
  if (mode == "slowloris") return MakeOpenLoopScenario;
  if (mode == "idle") return MakeIdleScenario;
  if (mode == "handshake") return MakeHandshakeScenario;
  if (mode == "churn") return MakeChurnScenario;
  if (mode == "drain") return MakeDrainScenario;
  return nullptr;
}

void SleepUntil(int64_t monotonic_ns, const std::atomic<int>& running) {
  while (running.load() > 0) {
    const int64_t left = monotonic_ns - MonotonicNs();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(left, 5'000'000)));
  }
}

struct ServerSample {
  std::optional<int64_t> rss_kib;
  std::optional<double> cpu_s;
};

ServerSample SampleServer(pid_t pid) {
  if (pid <= 0) return {};
  return ServerSample{ReadRssKib(pid), ReadCpuSeconds(pid)};
}

}  // namespace

bool IsLoadMode(const std::string& mode) { return FactoryFor(mode) != nullptr; }

absl::Status PrepareGenerator(const BenchOptions& o, uint64_t sockets) {
  if (o.secret_key.empty() || o.salt.empty()) {
    return absl::InvalidArgumentError("--secret-key[-file] and --salt[-file] are required");
  }
  // Each connection needs a descriptor; the rest is headroom for the process.
  const uint64_t wanted_files = sockets + 64;
  if (RaiseFileLimit(wanted_files) < wanted_files) {
    return absl::ResourceExhaustedError(
        absl::StrCat("RLIMIT_NOFILE cannot be raised to ", wanted_files));
  }
  return absl::OkStatus();
}

WorkerSettings WorkerSettingsFor(const BenchOptions& o, const ServerTarget& server) {
  WorkerSettings settings;
  settings.target = server.bot;
  settings.secret_key = o.secret_key;
  settings.salt = o.salt;
  settings.bots = o.bots;
  settings.source_addresses = o.source_addresses;
  settings.rooms_per_connection = o.rooms;
  settings.payload_bytes = static_cast<size_t>(o.payload_bytes);
  settings.connect_concurrency = o.connect_concurrency;
  settings.handshake_timeout_ns = Ns(o.handshake_timeout_s);
  settings.expect_drain = o.mode == "drain";
  return settings;
}

absl::StatusOr<RunReport> RunLoad(const BenchOptions& o, const ServerTarget& server) {
  const ScenarioFactory factory = FactoryFor(o.mode);
  if (factory == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown mode ", o.mode));
  if (o.mode == "drain" && server.pid <= 0) {
    return absl::InvalidArgumentError("drain needs the server pid (--ready-file or --server-pid)");
  }
  const bool slowloris = o.mode == "slowloris";
  if (absl::Status prepared = PrepareGenerator(
          o, static_cast<uint64_t>(o.connections) + (slowloris ? static_cast<uint64_t>(o.stalled) : 0));
      !prepared.ok()) {
    return prepared;
  }
  const WorkerSettings settings = WorkerSettingsFor(o, server);
  constexpr int64_t kSettledTimeWait = 1000;
  const std::optional<int64_t> time_wait = o.settle_time_wait_s > 0
                                               ? SettleTimeWait(kSettledTimeWait, o.settle_time_wait_s)
                                               : TimeWaitSockets();

  const int threads = std::max(1, std::min(o.threads, o.connections));
  RunClock clock(threads);
  const double send_interval_ns = o.rate > 0 ? 1e9 / o.rate : 0;
  std::vector<std::unique_ptr<Scenario>> scenarios;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    std::vector<int> indices;
    for (int i = t; i < o.connections; i += threads) indices.push_back(i);
    ScenarioSettings s;
    s.duration_ns = Ns(o.mode == "drain" ? o.drain_after_s + o.duration_s : o.duration_s);
    s.setup_timeout_ns = Ns(o.setup_timeout_s);
    s.drain_timeout_ns = Ns(o.drain_timeout_s);
    s.inflight = o.inflight;
    s.echoes_per_session = o.echoes_per_session;
    // Workers interleave on one schedule: worker t sends at t0 + (t + k*threads) * interval.
    s.rate_per_second = o.rate * static_cast<double>(indices.size()) / o.connections;
    s.phase_ns = static_cast<int64_t>(t * send_interval_ns);
    scenarios.push_back(factory(s, clock));
    workers.push_back(std::make_unique<Worker>(settings, indices, *scenarios.back()));
  }

  RunReport report;
  report.mode = o.mode;
  report.server = server.label;
  report.target = server.bot.ToString();
  report.connections = o.connections;
  report.threads = threads;
  report.window_s = o.duration_s;
  report.server_rss_baseline_kib = SampleServer(server.pid).rss_kib;
  report.time_wait_at_start = time_wait;

  const int64_t hard_deadline = MonotonicNs() + Ns(o.setup_timeout_s + o.duration_s + o.drain_after_s +
                                                   o.drain_timeout_s + o.handshake_timeout_s + 30);
  std::atomic<int> running{threads};
  std::atomic<int64_t> last_finish_ns{0};
  std::vector<std::thread> pool;
  for (auto& worker : workers) {
    pool.emplace_back([&, w = worker.get()] {
      w->Run(hard_deadline);
      last_finish_ns.store(MonotonicNs());
      running.fetch_sub(1);
    });
  }

  // Observe: wait for the measurement to start, then sample at its start and end.
  while (!clock.started() && running.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int64_t start_ns = clock.started() ? clock.start_ns() : MonotonicNs();
  const ServerSample at_start = SampleServer(server.pid);
  const double generator_cpu_start = SelfCpuSeconds();
  const int64_t observed_from = MonotonicNs();
  // Stalled sockets arrive when the measurement starts, so the latencies
  // cover the whole time they are held and closed.
  std::optional<StalledSockets> stalled;
  if (slowloris) {
    stalled.emplace(server.bot, o.stalled, o.source_addresses);
    stalled->Start();
  }
  std::optional<int64_t> sigterm_ns;
  if (o.mode == "drain") {
    SleepUntil(start_ns + Ns(o.drain_after_s), running);
    if (running.load() > 0) {
      ::kill(server.pid, SIGTERM);
      sigterm_ns = MonotonicNs();
    }
  }
  // Just before the window closes, while every connection is still held.
  const int64_t window_end = start_ns + Ns(o.mode == "drain" ? o.drain_after_s : o.duration_s);
  SleepUntil(window_end - 20'000'000, running);
  const ServerSample at_end = SampleServer(server.pid);
  const double generator_cpu_end = SelfCpuSeconds();
  const int64_t observed_to = MonotonicNs();
  for (std::thread& thread : pool) thread.join();
  if (stalled) report.stalled = stalled->Stop();

  for (auto& worker : workers) report.stats.Merge(worker->stats());
  report.server_rss_start_kib = at_start.rss_kib;
  report.server_rss_end_kib = at_end.rss_kib;
  report.observed_s = static_cast<double>(observed_to - observed_from) / 1e9;
  if (at_start.cpu_s && at_end.cpu_s) report.server_cpu_s = *at_end.cpu_s - *at_start.cpu_s;
  report.generator_cpu_s = generator_cpu_end - generator_cpu_start;
  if (sigterm_ns) report.drain_s = static_cast<double>(last_finish_ns.load() - *sigterm_ns) / 1e9;
  if (o.mode == "drain") report.window_s = o.drain_after_s + o.duration_s;
  return report;
}

}  // namespace botrelay::bench
