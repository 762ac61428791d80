#pragma once
// Admission metrics (docs/operations.md): refusals at accept by reason, bans,
// flapping cool-downs, and the size of the bounded tables.

#include <functional>

#include "dataplane/admission/connection_admission.h"
#include "dataplane/admission/flap_detector.h"
#include "dataplane/metrics/metrics_registry.h"

namespace botrelay::admission {

struct AdmissionMetrics {
  // The gauges read `sources` and `flaps` at scrape time; both must outlive
  // the registry's use of them (RelayServer owns all three together).
  // `now_ms` is the clock the tables are driven with.
  AdmissionMetrics(metrics::Registry& registry, ConnectionAdmission& sources, FlapDetector& flaps,
                   std::function<int64_t()> now_ms);

  // botrelay_connections_rejected_total{reason=...}, next to server_busy/draining.
  metrics::Counter& rejected_banned;
  metrics::Counter& rejected_rate_limited;
  metrics::Counter& rejected_too_many_connections;
  metrics::Counter& bans_issued_automatic;
  metrics::Counter& bans_issued_manual;
  metrics::Counter& bans_lifted;
  metrics::Counter& handshake_failures;  // failures reported against addresses
  metrics::Counter& untracked_admissions;
  metrics::Counter& flap_cooldowns;

  void Rejected(Verdict verdict);
};

}  // namespace botrelay::admission
