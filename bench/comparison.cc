#include "bench/comparison.h"

#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "bench/load_runner.h"
#include "bench/server_process.h"

namespace botrelay::bench {
namespace {

// The figure that says how fast a mode went: replies/s, or handshakes/s.
double Rate(const RunReport& report) {
  return report.mode == "handshake" ? report.handshake_rate() : report.throughput();
}

// Server CPU seconds per unit of work (a reply, a handshake, or an answered
// ping for idle runs, whose work is the pinging); empty without CPU figures.
std::optional<double> CpuPerUnit(const RunReport& report) {
  const double units = report.mode == "idle"        ? static_cast<double>(report.stats.pings_answered)
                       : report.mode == "handshake" ? static_cast<double>(report.stats.handshakes)
                                                    : static_cast<double>(report.stats.replies);
  if (!report.server_cpu_s || units <= 0) return std::nullopt;
  return *report.server_cpu_s / units;
}

}  // namespace

int RunComparison(const BenchOptions& options, const ServerTarget& target) {
  absl::StatusOr<RunReport> reference_report;
  {
    auto reference = StartReferenceServer(options.reference_threads, options.ping_interval_s);
    if (!reference.ok()) {
      std::fprintf(stderr, "relaybench: %s\n", std::string(reference.status().message()).c_str());
      return 2;
    }
    reference_report = RunLoad(options, (*reference)->target());
  }  // the reference server stops here, before the target's run
  if (!reference_report.ok()) {
    std::fprintf(stderr, "relaybench: %s\n", std::string(reference_report.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<RunReport> target_report = RunLoad(options, target);
  if (!target_report.ok()) {
    std::fprintf(stderr, "relaybench: %s\n", std::string(target_report.status().message()).c_str());
    return 2;
  }
  const double reference_rate = Rate(*reference_report);
  const double ratio = reference_rate > 0 ? Rate(*target_report) / reference_rate : 0;
  // How much more CPU the target spends on the same unit of work.
  const std::optional<double> target_cpu = CpuPerUnit(*target_report);
  const std::optional<double> reference_cpu = CpuPerUnit(*reference_report);
  const double cpu_ratio =
      target_cpu && reference_cpu && *reference_cpu > 0 ? *target_cpu / *reference_cpu : 0;
  if (options.json) {
    std::printf("%s\n", absl::StrCat("{\"mode\":\"", options.mode, "\",\"reference\":",
                                     ToJson(*reference_report), ",\"target\":", ToJson(*target_report),
                                     ",\"rate_ratio\":", ratio, ",\"cpu_per_unit_ratio\":",
                                     cpu_ratio > 0 ? absl::StrCat(cpu_ratio) : "null", "}")
                            .c_str());
  } else if (options.mode == "idle") {
    PrintText(*reference_report);
    PrintText(*target_report);
    std::printf("== %s / reference: %.2f x the server CPU per answered ping (%.1f us vs %.1f us)\n",
                target_report->server.c_str(), cpu_ratio, target_cpu.value_or(0) * 1e6,
                reference_cpu.value_or(0) * 1e6);
  } else {
    PrintText(*reference_report);
    PrintText(*target_report);
    std::printf("== %s / reference: %.3f (%.0f vs %.0f per second); p99 %.0f us vs %.0f us\n",
                target_report->server.c_str(), ratio, Rate(*target_report), reference_rate,
                target_report->stats.reply_latency.Percentile(0.99) / 1000.0,
                reference_report->stats.reply_latency.Percentile(0.99) / 1000.0);
  }
  return reference_report->ok() && target_report->ok() ? 0 : 1;
}

}  // namespace botrelay::bench
