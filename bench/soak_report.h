#pragma once
// What a soak run found, and how it is printed: progress lines while it
// runs, then a text block or one JSON line.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/run_stats.h"
#include "bench/soak_reconciliation.h"
#include "bench/soak_tally.h"

namespace botrelay::bench {

struct SoakReport {
  std::string server;  // label
  std::string target;  // HOST:PORT
  int connections = 0;
  int threads = 0;
  double duration_s = 0;
  double elapsed_s = 0;  // from the first connect to the last close
  double echo_rate = 0;
  double churn_rate = 0;
  double bad_rate = 0;
  std::unique_ptr<SoakTally> tally;
  RunStats stats;  // the workers': reply latency, pings, connection errors
  std::optional<int64_t> rss_start_kib;  // relayd, when the measurement started
  std::optional<int64_t> rss_end_kib;    // just before the end
  std::optional<int64_t> rss_max_kib;    // highest progress sample
  bool reconciled = false;               // relayd's counters were compared
  std::string reconcile_note;            // why not, if not
  std::vector<ReconciliationCheck> checks;

  bool ok() const;
};

// One line for stderr: elapsed time, rates since the last line, held
// connections, relayd's RSS, outcomes and failures so far.
struct ProgressSample {
  double elapsed_s = 0;
  int64_t echo_sent = 0;
  int64_t echo_answered = 0;
};
std::string ProgressLine(const SoakTally& tally, int connections, const ProgressSample& now,
                         const ProgressSample& previous, std::optional<int64_t> rss_kib);

void PrintSoakText(const SoakReport& report);
std::string SoakJson(const SoakReport& report);

}  // namespace botrelay::bench
