#include "bench/run_report.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace botrelay::bench {
namespace {

double Us(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

template <typename T>
std::string OrNull(const std::optional<T>& value) {
  return value ? absl::StrCat(*value) : "null";
}

bool Measures(const RunReport& r, const char* mode) { return r.mode == mode; }

}  // namespace

std::string LatencyJson(const LatencyHistogram& h) {
  return absl::StrFormat(
      R"({"count":%d,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"p999_us":%.1f,"max_us":%.1f,"mean_us":%.1f})",
      h.count(), Us(h.Percentile(0.50)), Us(h.Percentile(0.90)), Us(h.Percentile(0.99)),
      Us(h.Percentile(0.999)), Us(h.max()), h.mean() / 1000.0);
}

std::string LatencyText(const LatencyHistogram& h) {
  return absl::StrFormat("p50 %.0f us  p90 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us  (n=%d)",
                         Us(h.Percentile(0.50)), Us(h.Percentile(0.90)), Us(h.Percentile(0.99)),
                         Us(h.Percentile(0.999)), Us(h.max()), h.count());
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

double RunReport::throughput() const {
  return window_s > 0 ? static_cast<double>(stats.replies_in_window) / window_s : 0;
}

double RunReport::handshake_rate() const {
  return window_s > 0 ? static_cast<double>(stats.handshakes_in_window) / window_s : 0;
}

std::optional<double> RunReport::rss_per_connection_bytes() const {
  if (!server_rss_baseline_kib || !server_rss_end_kib || stats.connections_held <= 0) return std::nullopt;
  return static_cast<double>(*server_rss_end_kib - *server_rss_baseline_kib) * 1024.0 /
         static_cast<double>(stats.connections_held);
}

bool RunReport::ok() const {
  if (!stats.errors.empty()) return false;
  if (Measures(*this, "idle")) return stats.connections_held == connections;
  if (Measures(*this, "handshake")) return stats.handshakes > 0;
  if (Measures(*this, "churn")) return stats.sessions_completed > 0;
  return stats.replies > 0;
}

std::string StalledJson(const std::optional<StalledReport>& stalled) {
  if (!stalled) return "null";
  return absl::StrCat("{\"opened\":", stalled->opened,
                      ",\"connect_failures\":", stalled->connect_failures,
                      ",\"closed_by_server\":", stalled->closed_by_server,
                      ",\"timeout_errors\":", stalled->timeout_errors,
                      ",\"close_after_min_s\":", stalled->close_after_min_s,
                      ",\"close_after_p50_s\":", stalled->close_after_p50_s,
                      ",\"close_after_max_s\":", stalled->close_after_max_s, "}");
}

void PrintText(const RunReport& r) {
  std::printf("== %s against %s (%s): %d connections, %d generator thread(s), %.1f s window\n",
              r.mode.c_str(), r.server.c_str(), r.target.c_str(), r.connections, r.threads, r.window_s);
  std::printf("  result         %s\n", r.ok() ? "OK" : "FAILED");
  if (r.stats.requests_sent > 0) {
    std::printf("  echo           %lld sent, %lld answered, %.0f replies/s in the window\n",
                static_cast<long long>(r.stats.requests_sent), static_cast<long long>(r.stats.replies),
                r.throughput());
    std::printf("  latency        %s\n", LatencyText(r.stats.reply_latency).c_str());
  }
  if (r.stats.send_lag.count() > 0) {
    std::printf("  send lag       %s\n", LatencyText(r.stats.send_lag).c_str());
  }
  std::printf("  handshakes     %lld (%.0f/s in the window); %s\n",
              static_cast<long long>(r.stats.handshakes), r.handshake_rate(),
              LatencyText(r.stats.handshake_latency).c_str());
  if (r.stats.sessions_completed > 0) {
    std::printf("  sessions       %lld completed\n", static_cast<long long>(r.stats.sessions_completed));
  }
  if (r.mode == "idle") {
    std::printf("  held           %lld of %d connections\n",
                static_cast<long long>(r.stats.connections_held), r.connections);
  }
  std::printf("  pings answered %lld\n", static_cast<long long>(r.stats.pings_answered));
  if (r.drain_s) {
    std::printf("  drain          %.2f s; %lld serverShutdown, %lld shutting_down refusals\n", *r.drain_s,
                static_cast<long long>(r.stats.shutdown_notices),
                static_cast<long long>(r.stats.shutting_down_refusals));
  }
  if (r.stalled) {
    const StalledReport& st = *r.stalled;
    std::printf("  stalled        %d opened (%d connect failures); %d closed by the server, %d of them "
                "with handshake_timeout; closed %.2f / %.2f / %.2f s (min/p50/max) after connect\n",
                st.opened, st.connect_failures, st.closed_by_server, st.timeout_errors,
                st.close_after_min_s, st.close_after_p50_s, st.close_after_max_s);
  }
  if (r.server_rss_baseline_kib && r.server_rss_end_kib) {
    std::printf("  server RSS     %lld KiB before, %lld KiB at start, %lld KiB at end",
                static_cast<long long>(*r.server_rss_baseline_kib),
                static_cast<long long>(r.server_rss_start_kib.value_or(0)),
                static_cast<long long>(*r.server_rss_end_kib));
    if (auto per = r.rss_per_connection_bytes()) std::printf("; %.0f bytes per connection", *per);
    std::printf("\n");
  }
  if (r.server_cpu_s && r.observed_s > 0) {
    std::printf("  server CPU     %.2f s over %.1f s = %.1f%% of a core\n", *r.server_cpu_s, r.observed_s,
                100.0 * *r.server_cpu_s / r.observed_s);
  }
  if (r.observed_s > 0) {
    std::printf("  generator CPU  %.2f s = %.1f%% of a core\n", r.generator_cpu_s,
                100.0 * r.generator_cpu_s / r.observed_s);
  }
  for (const auto& [kind, count] : r.stats.errors) {
    std::printf("  ERROR          %s: %lld\n", kind.c_str(), static_cast<long long>(count));
  }
}

std::string ToJson(const RunReport& r) {
  std::string errors = "{";
  for (const auto& [kind, count] : r.stats.errors) {
    if (errors.size() > 1) errors += ',';
    absl::StrAppend(&errors, JsonString(kind), ":", count);
  }
  errors += "}";
  std::optional<double> cpu_pct;
  if (r.server_cpu_s && r.observed_s > 0) cpu_pct = 100.0 * *r.server_cpu_s / r.observed_s;
  return absl::StrCat(
      "{\"mode\":", JsonString(r.mode), ",\"server\":", JsonString(r.server),
      ",\"target\":", JsonString(r.target), ",\"ok\":", r.ok() ? "true" : "false",
      ",\"connections\":", r.connections, ",\"threads\":", r.threads,
      ",\"window_s\":", r.window_s, ",\"requests_sent\":", r.stats.requests_sent,
      ",\"replies\":", r.stats.replies, ",\"throughput_per_s\":", r.throughput(),
      ",\"latency\":", LatencyJson(r.stats.reply_latency),
      ",\"send_lag\":", LatencyJson(r.stats.send_lag),
      ",\"handshakes\":", r.stats.handshakes, ",\"handshake_rate_per_s\":", r.handshake_rate(),
      ",\"handshake_latency\":", LatencyJson(r.stats.handshake_latency),
      ",\"sessions_completed\":", r.stats.sessions_completed,
      ",\"connections_held\":", r.stats.connections_held,
      ",\"pings_answered\":", r.stats.pings_answered,
      ",\"shutdown_notices\":", r.stats.shutdown_notices,
      ",\"shutting_down_refusals\":", r.stats.shutting_down_refusals,
      ",\"drain_s\":", OrNull(r.drain_s), ",\"stalled\":", StalledJson(r.stalled),
      ",\"server_rss_baseline_kib\":", OrNull(r.server_rss_baseline_kib),
      ",\"server_rss_start_kib\":", OrNull(r.server_rss_start_kib),
      ",\"server_rss_end_kib\":", OrNull(r.server_rss_end_kib),
      ",\"rss_per_connection_bytes\":", OrNull(r.rss_per_connection_bytes()),
      ",\"server_cpu_s\":", OrNull(r.server_cpu_s), ",\"server_cpu_pct\":", OrNull(cpu_pct),
      ",\"generator_cpu_s\":", r.generator_cpu_s, ",\"observed_s\":", r.observed_s,
      ",\"time_wait_at_start\":", OrNull(r.time_wait_at_start),
      ",\"errors\":", errors, "}");
}

}  // namespace botrelay::bench
