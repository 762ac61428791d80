#pragma once
// The standard Prometheus process_* metrics for relayd, read from /proc when
// scraped: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds and
// process_start_time_seconds.
//
// The registry has no callback counter, so process_cpu_seconds_total is
// exposed with TYPE gauge; Prometheus' rate() works on it all the same.
// A value that cannot be read is reported as NaN rather than a wrong number.

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "dataplane/metrics/metrics_registry.h"

namespace botrelay::controlplane {

// The fields of /proc/<pid>/stat the process metrics use, in clock ticks.
struct ProcStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t start_time_ticks = 0;  // since boot
};

// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from its last ')'.
absl::StatusOr<ProcStat> ParseProcStat(std::string_view text);

void RegisterProcessMetrics(metrics::Registry& registry);

}  // namespace botrelay::controlplane
