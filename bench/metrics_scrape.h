#pragma once
// Reads relayd's Prometheus text from its metrics endpoint (GET /metrics,
// loopback only), so that a run can compare its own counts with relayd's.

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "bench/loopback.h"

namespace botrelay::bench {

// Every sample by series, exactly as printed: `name` or `name{label="v",...}`.
using MetricSamples = std::map<std::string, double, std::less<>>;

absl::StatusOr<MetricSamples> ScrapeMetrics(const Endpoint& endpoint, double timeout_s);
// The Prometheus exposition text -> samples (comments and blank lines skipped).
MetricSamples ParsePrometheusText(std::string_view text);
// The value of `series`, 0 if absent (a series not printed has counted nothing).
double SampleOf(const MetricSamples& samples, std::string_view series);

}  // namespace botrelay::bench
