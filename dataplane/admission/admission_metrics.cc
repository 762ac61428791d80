#include "dataplane/admission/admission_metrics.h"

namespace botrelay::admission {

namespace {
constexpr const char* kRejected = "botrelay_connections_rejected_total";
constexpr const char* kRejectedHelp = "Connections refused at accept";
constexpr const char* kBans = "botrelay_bans_issued_total";
constexpr const char* kBansHelp = "Source-address bans issued";
}  // namespace

AdmissionMetrics::AdmissionMetrics(metrics::Registry& r, ConnectionAdmission& sources,
                                   FlapDetector& flaps, std::function<int64_t()> now_ms)
    : rejected_banned(r.AddCounter(kRejected, kRejectedHelp, {{"reason", "banned"}})),
      rejected_rate_limited(r.AddCounter(kRejected, kRejectedHelp, {{"reason", "rate_limited"}})),
      rejected_too_many_connections(
          r.AddCounter(kRejected, kRejectedHelp, {{"reason", "too_many_connections"}})),
      bans_issued_automatic(r.AddCounter(kBans, kBansHelp, {{"origin", "automatic"}})),
      bans_issued_manual(r.AddCounter(kBans, kBansHelp, {{"origin", "manual"}})),
      bans_lifted(r.AddCounter("botrelay_bans_lifted_total", "Bans lifted by an administrator")),
      handshake_failures(r.AddCounter(
          "botrelay_source_failures_total",
          "Handshake and authentication failures counted against source addresses")),
      untracked_admissions(r.AddCounter(
          "botrelay_admission_untracked_total",
          "Connections admitted without per-address limits because the source table was full")),
      flap_cooldowns(r.AddCounter("botrelay_device_cooldowns_total",
                                  "Flapping devices sent into a reconnect cool-down")) {
  r.AddCallbackGauge("botrelay_bans_active", "Source addresses banned right now", {},
                     [&sources, now_ms] {
                       return static_cast<double>(sources.ListBans(now_ms()).size());
                     });
  r.AddCallbackGauge("botrelay_admission_sources_tracked",
                     "Source addresses in the admission table", {},
                     [&sources] { return static_cast<double>(sources.tracked_sources()); });
  r.AddCallbackGauge("botrelay_admission_devices_tracked",
                     "Devices in the flap detector's table", {},
                     [&flaps] { return static_cast<double>(flaps.tracked_devices()); });
}

void AdmissionMetrics::Rejected(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBanned: rejected_banned.Inc(); return;
    case Verdict::kRateLimited: rejected_rate_limited.Inc(); return;
    case Verdict::kTooManyConnections: rejected_too_many_connections.Inc(); return;
    case Verdict::kAdmitted: return;
  }
}

}  // namespace botrelay::admission
