#include "tests/integration/metrics_scrape.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/integration/http_get.h"
#include "tests/integration/relayd_process.h"

namespace botrelay::integration {

absl::StatusOr<double> ScrapeMetric(const RelaydProcess& relayd, const std::string& name,
                                    const std::map<std::string, std::string>& labels) {
  absl::StatusOr<HttpResponse> response = HttpGet(relayd.metrics_address(), "/metrics");
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat("/metrics answered ", response->status));
  }
  absl::StatusOr<std::map<std::string, double>> samples = ParsePrometheusText(response->body);
  if (!samples.ok()) return samples.status();
  const std::string key = SeriesKey(name, labels);
  auto it = samples->find(key);
  if (it == samples->end()) return absl::NotFoundError(absl::StrCat(key, " is not exported"));
  return it->second;
}

absl::StatusOr<int64_t> ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/status"));
  std::string line;
  const std::string prefix = field + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    std::istringstream value(line.substr(prefix.size()));
    int64_t kb = 0;
    if (value >> kb) return kb;
  }
  return absl::NotFoundError(absl::StrCat(field, " not in /proc/", pid, "/status"));
}

}  // namespace botrelay::integration
