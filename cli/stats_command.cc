// relayctl stats: relayd's metrics, the same numbers /metrics exposes.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace botrelay::cli {
namespace {

// {a="1",b="2"} with the labels sorted, as Prometheus prints them.
std::string LabelsText(const admin::v1::MetricSample& sample) {
  if (sample.labels().empty()) return "";
  std::vector<std::pair<std::string, std::string>> labels(
      sample.labels().begin(), sample.labels().end());
  std::sort(labels.begin(), labels.end());
  return absl::StrCat(
      "{",
      absl::StrJoin(labels, ",",
                    [](std::string* out, const auto& label) {
                      absl::StrAppend(out, label.first, "=\"", label.second,
                                      "\"");
                    }),
      "}");
}

int Stats(Invocation& invocation) {
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::GetStatsResponse response;
  grpc::Status status = invocation.connection().admin().GetStats(
      &context, admin::v1::GetStatsRequest(), &response);
  if (!status.ok()) return invocation.RpcError(status);

  if (std::optional<std::string> filter = invocation.args().Get("filter")) {
    auto* samples = response.mutable_samples();
    samples->erase(std::remove_if(samples->begin(), samples->end(),
                                  [&](const admin::v1::MetricSample& s) {
                                    return !absl::StrContains(s.name(), *filter);
                                  }),
                   samples->end());
  }

  if (invocation.json()) {
    PrintJson(invocation.out(), response);
    return kExitOk;
  }
  Table table({"NAME", "LABELS", "VALUE"});
  for (const admin::v1::MetricSample& sample : response.samples()) {
    table.AddRow({sample.name(), LabelsText(sample), FormatNumber(sample.value())});
  }
  invocation.out() << table.Render();
  return kExitOk;
}

}  // namespace

Command StatsCommand() {
  return {.name = "stats",
          .summary = "Show relayd's metrics",
          .options = {{.name = "filter",
                       .value_name = "SUBSTRING",
                       .help = "only metrics whose name contains SUBSTRING"}},
          .run = Stats};
}

}  // namespace botrelay::cli
