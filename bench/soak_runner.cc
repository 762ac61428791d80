#include "bench/soak_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/clock.h"
#include "bench/load_runner.h"
#include "bench/metrics_scrape.h"
#include "bench/process_stats.h"
#include "bench/server_process.h"
#include "bench/soak_scenario.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

int64_t Ns(double seconds) { return static_cast<int64_t>(seconds * 1e9); }

// relayd counts a close a little after the socket goes: give it a moment
// before the final scrape.
constexpr auto kSettleBeforeScrape = std::chrono::milliseconds(1500);
constexpr double kScrapeTimeoutS = 5;

std::optional<int64_t> Rss(pid_t pid) {
  return pid > 0 ? ReadRssKib(pid) : std::nullopt;
}

std::string RandomSecret(size_t length) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  std::string secret(length, ' ');
  for (char& c : secret) c = kAlphabet[device() % (sizeof kAlphabet - 1)];
  return secret;
}

}  // namespace

absl::StatusOr<SoakReport> RunSoak(const BenchOptions& o, const ServerTarget& server) {
  const int threads = std::max(1, std::min(o.threads, o.connections));
  // Spare slots per thread: half-open probes live for relayd's handshake
  // timeout, takeover successors a moment; 16 more absorb bursts.
  const int spares = 16 + static_cast<int>(std::ceil(
                              (o.bad_rate * (o.server_handshake_timeout_s + 5) + o.churn_rate) / threads));
  if (absl::Status prepared =
          PrepareGenerator(o, static_cast<uint64_t>(o.connections + spares * threads));
      !prepared.ok()) {
    return prepared;
  }
  WorkerSettings worker_settings = WorkerSettingsFor(o, server);
  // Half-open probes must see relayd's handshake timeout before the worker's own.
  worker_settings.handshake_timeout_ns =
      std::max(worker_settings.handshake_timeout_ns, Ns(o.server_handshake_timeout_s + 10));

  SoakReport report;
  report.server = server.label;
  report.target = server.bot.ToString();
  report.connections = o.connections;
  report.threads = threads;
  report.duration_s = o.duration_s;
  report.echo_rate = o.rate;
  report.churn_rate = o.churn_rate;
  report.bad_rate = o.bad_rate;
  report.tally = std::make_unique<SoakTally>();
  SoakTally& tally = *report.tally;

  std::optional<Endpoint> metrics = server.metrics;
  if (!o.metrics.empty()) {
    absl::StatusOr<Endpoint> endpoint = ParseLoopbackEndpoint(o.metrics);
    if (!endpoint.ok()) return endpoint.status();
    metrics = *endpoint;
  }
  std::optional<MetricSamples> before;
  if (metrics) {
    absl::StatusOr<MetricSamples> scraped = ScrapeMetrics(*metrics, kScrapeTimeoutS);
    if (!scraped.ok()) return scraped.status();
    before = *std::move(scraped);
  } else {
    report.reconcile_note = "no metrics endpoint (give --metrics or a ready file that names it)";
  }

  RunClock clock(threads);
  std::vector<std::unique_ptr<SoakScenario>> scenarios;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    std::vector<int> indices;
    for (int i = t; i < o.connections; i += threads) indices.push_back(i);
    const int keys = static_cast<int>(indices.size());
    for (int j = 0; j < spares; ++j) indices.push_back(o.connections + t * spares + j);
    const double share = static_cast<double>(keys) / o.connections;
    SoakSettings s;
    s.duration_ns = Ns(o.duration_s);
    s.setup_timeout_ns = Ns(o.setup_timeout_s);
    s.drain_timeout_ns = Ns(o.drain_timeout_s);
    s.keys = keys;
    s.rooms = o.rooms;
    s.echo_rate = o.rate * share;
    s.churn_rate = o.churn_rate * share;
    s.bad_rate = o.bad_rate * share;
    s.answer_deadline_ns = Ns(o.answer_deadline_s);
    s.server_handshake_timeout_ns = Ns(o.server_handshake_timeout_s);
    s.max_line_bytes = static_cast<size_t>(o.max_line_bytes);
    s.seed = 0x50a4'0000u + static_cast<uint64_t>(t);
    scenarios.push_back(std::make_unique<SoakScenario>(s, clock, tally));
    workers.push_back(std::make_unique<Worker>(worker_settings, indices, *scenarios.back()));
    scenarios.back()->Bind(*workers.back());
  }

  const int64_t started_ns = MonotonicNs();
  const int64_t hard_deadline =
      started_ns + Ns(o.setup_timeout_s + o.duration_s + o.drain_timeout_s + o.answer_deadline_s + 60);
  std::atomic<int> running{threads};
  std::vector<std::thread> pool;
  for (auto& worker : workers) {
    pool.emplace_back([&, w = worker.get()] {
      w->Run(hard_deadline);
      running.fetch_sub(1);
    });
  }

  // Observe: a progress line every interval; relayd's RSS at the start of
  // the measurement, at each line and just before the end.
  const int64_t interval = Ns(o.progress_interval_s);
  int64_t next_line = started_ns + interval;
  ProgressSample previous;
  bool start_sampled = false;
  bool end_sampled = false;
  auto sample_rss = [&] {
    std::optional<int64_t> rss = Rss(server.pid);
    if (rss) report.rss_max_kib = std::max(report.rss_max_kib.value_or(0), *rss);
    return rss;
  };
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t now = MonotonicNs();
    if (!start_sampled && clock.started()) {
      report.rss_start_kib = sample_rss();
      start_sampled = true;
    }
    if (start_sampled && !end_sampled && now >= clock.start_ns() + Ns(o.duration_s) - 500'000'000) {
      report.rss_end_kib = sample_rss();
      end_sampled = true;
    }
    if (now >= next_line) {
      ProgressSample sample{static_cast<double>(now - started_ns) / 1e9,
                            SoakTally::Get(tally.echo_sent), SoakTally::Get(tally.echo_answered)};
      std::fprintf(stderr, "%s\n",
                   ProgressLine(tally, o.connections, sample, previous, sample_rss()).c_str());
      previous = sample;
      next_line += interval;
    }
  }
  for (std::thread& thread : pool) thread.join();
  report.elapsed_s = static_cast<double>(MonotonicNs() - started_ns) / 1e9;
  if (!end_sampled) report.rss_end_kib = sample_rss();

  for (auto& scenario : scenarios) scenario->Settle();
  for (auto& worker : workers) report.stats.Merge(worker->stats());

  if (before) {
    std::this_thread::sleep_for(kSettleBeforeScrape);
    absl::StatusOr<MetricSamples> after = ScrapeMetrics(*metrics, kScrapeTimeoutS);
    if (after.ok()) {
      report.checks = Reconcile({tally, report.stats.pings_answered}, *before, *after);
      report.reconciled = true;
    } else {
      report.reconcile_note = absl::StrCat("final scrape failed: ", after.status().message());
    }
  }
  return report;
}

int RunSoakCommand(const BenchOptions& options, std::optional<ServerTarget> resolved) {
  BenchOptions o = options;
  std::unique_ptr<ServerProcess> relayd;
  ServerTarget target;
  if (!resolved) {
    if (o.secret_key.empty()) o.secret_key = RandomSecret(32);
    if (o.salt.empty()) o.salt = RandomSecret(16);
    RelaydLaunch launch;
    launch.binary = o.relayd;
    launch.secret_key = o.secret_key;
    launch.salt = o.salt;
    launch.bots = o.bots;
    launch.devices_per_bot = (o.connections + o.bots - 1) / o.bots;
    launch.extra_args = o.relayd_args;
    launch.extra_args.push_back(absl::StrCat("--handshake-timeout=", o.server_handshake_timeout_s));
    launch.extra_args.push_back(absl::StrCat("--max-line-bytes=", o.max_line_bytes));
    launch.log_path = o.relayd_log;
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = StartRelayd(launch);
    if (!started.ok()) {
      std::fprintf(stderr, "relaybench: %s\n", std::string(started.status().message()).c_str());
      return 2;
    }
    relayd = *std::move(started);
    target = relayd->target();
  } else {
    target = *std::move(resolved);
  }

  absl::StatusOr<SoakReport> report = RunSoak(o, target);
  if (!report.ok()) {
    std::fprintf(stderr, "relaybench: %s\n", std::string(report.status().message()).c_str());
    return 2;
  }
  if (o.json) {
    std::printf("%s\n", SoakJson(*report).c_str());
  } else {
    PrintSoakText(*report);
  }
  return report->ok() ? 0 : 1;
}

}  // namespace botrelay::bench
