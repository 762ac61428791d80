#pragma once
// Reads one series from relayd's /metrics (the real HTTP endpoint), and the
// memory figures of a process from /proc/<pid>/status.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace botrelay::integration {

class RelaydProcess;

// The value of series `name{labels}`; NOT_FOUND if relayd does not export it.
absl::StatusOr<double> ScrapeMetric(const RelaydProcess& relayd, const std::string& name,
                                    const std::map<std::string, std::string>& labels = {});

// A field of /proc/<pid>/status in kB, e.g. "VmRSS" (resident now) or
// "VmHWM" (the resident peak).
absl::StatusOr<int64_t> ProcStatusKb(pid_t pid, const std::string& field);

}  // namespace botrelay::integration
