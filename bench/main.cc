// relaybench: load generator, reference server and store helper for relayd.
// See docs/performance.md.

#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "bench/approve_db.h"
#include "bench/bench_options.h"
#include "bench/comparison.h"
#include "bench/load_runner.h"
#include "bench/reference_server.h"
#include "bench/server_target.h"
#include "bench/soak_runner.h"

namespace {

using namespace botrelay::bench;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "relaybench: %s\n", std::string(status.message()).c_str());
  return 2;
}

absl::StatusOr<ServerTarget> ResolveTarget(const BenchOptions& o) {
  ServerTarget target;
  if (!o.ready_file.empty()) {
    absl::StatusOr<ServerTarget> from_file = ReadReadyFile(o.ready_file, 10);
    if (!from_file.ok()) return from_file.status();
    target = *from_file;
  } else if (!o.target.empty()) {
    absl::StatusOr<Endpoint> endpoint = ParseLoopbackEndpoint(o.target);
    if (!endpoint.ok()) return endpoint.status();
    target.bot = *endpoint;
  } else {
    return absl::InvalidArgumentError("give --target HOST:PORT or --ready-file FILE");
  }
  if (o.server_pid > 0) target.pid = o.server_pid;
  target.label = o.label;
  return target;
}

int Run(int argc, char** argv) {
  absl::StatusOr<BenchOptions> options = ParseBenchOptions(argc, argv);
  if (!options.ok()) {
    if (absl::IsCancelled(options.status())) {
      std::printf("%s", std::string(options.status().message()).c_str());
      return 0;
    }
    return Fail(options.status());
  }
  const BenchOptions& o = *options;
  if (o.mode == "approve-db") {
    if (o.db.empty()) return Fail(absl::InvalidArgumentError("approve-db needs --db FILE"));
    if (absl::Status approved = ApproveBenchDevices(o.db, o.bots, o.devices_per_bot); !approved.ok()) {
      return Fail(approved);
    }
    std::printf("approved %d bots x %d devices in %s\n", o.bots, o.devices_per_bot, o.db.c_str());
    return 0;
  }
  if (o.mode == "reference-server") {
    return RunReferenceServer({o.listen, o.ready_file, o.threads, o.max_lifetime_s, o.ping_interval_s});
  }
  if (o.mode == "soak") {
    if (!o.relayd.empty()) return RunSoakCommand(o, std::nullopt);
    absl::StatusOr<ServerTarget> target = ResolveTarget(o);
    if (!target.ok()) return Fail(target.status());
    return RunSoakCommand(o, *target);
  }
  if (!IsLoadMode(o.mode)) return Fail(absl::InvalidArgumentError("unknown mode " + o.mode));
  if (o.connections > o.bots * std::max(1, o.devices_per_bot) && o.devices_per_bot > 0) {
    return Fail(absl::InvalidArgumentError("more connections than --bots x --devices-per-bot"));
  }
  absl::StatusOr<ServerTarget> target = ResolveTarget(o);
  if (!target.ok()) return Fail(target.status());
  if (o.compare_reference) return RunComparison(o, *target);

  absl::StatusOr<RunReport> report = RunLoad(o, *target);
  if (!report.ok()) return Fail(report.status());
  if (o.json) {
    std::printf("%s\n", ToJson(*report).c_str());
  } else {
    PrintText(*report);
  }
  return report->ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  return Run(argc, argv);
}
