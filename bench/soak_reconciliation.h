#pragma once
// The end of a soak: relayd's own counters (the change between a scrape
// before the first connection and one after the last close) against what
// the soak counted where the two describe the same events. relayd must be
// serving nothing but the soak meanwhile, or the exact checks fail.

#include <cstdint>
#include <string>
#include <vector>

#include "bench/metrics_scrape.h"
#include "bench/soak_tally.h"

namespace botrelay::bench {

struct ReconciliationCheck {
  std::string series;  // relayd's series
  std::string soak;    // what the soak counted that it must match
  double relayd = 0;   // the series' change over the run
  double low = 0;      // allowed range, inclusive
  double high = 0;
  bool ok() const { return relayd >= low && relayd <= high; }
};

struct SoakCounts {
  const SoakTally& tally;
  int64_t pings_answered = 0;  // pongs written
};

std::vector<ReconciliationCheck> Reconcile(const SoakCounts& counts, const MetricSamples& before,
                                           const MetricSamples& after);

}  // namespace botrelay::bench
